/*
 * pkt_source.c - the packet source stage: libpcap, live on an interface
 * (immediate mode, so records are timely; a kernel buffer size; a BPF
 * filter) or offline from a pcap or pcapng file, with nanosecond stamps.
 */
#include "cap_internal.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK_TIMEOUT_MS 20

struct lt_pkt_source {
    pcap_t *pc;
    int live;
    int dlt;
    int fd; /* live: selectable descriptor, polled with a timeout */
    int timeout_ms;
};

void lt_pkt_source_free(struct lt_pkt_source *s)
{
    if (!s)
        return;
    if (s->pc)
        pcap_close(s->pc);
    free(s);
}

static int set_filter(struct lt_pkt_source *s, const char *filter, struct lt_err *err)
{
    struct bpf_program prog;
    int rc = 0;

    if (!filter || !*filter)
        return 0;
    if (pcap_compile(s->pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
        return lt_error(err, LT_E_USAGE, "bad filter '%s': %s", filter, pcap_geterr(s->pc));
    if (pcap_setfilter(s->pc, &prog) < 0)
        rc = lt_error(err, LT_E_IO, "cannot set filter '%s': %s", filter, pcap_geterr(s->pc));
    pcap_freecode(&prog);
    return rc;
}

/*
 * 256 MiB lets a 1 GB transfer on lo and 60k requests/s be captured without
 * a kernel drop on a busy machine (docs/BENCHMARKS.md), where 32 MiB lost
 * packets whenever the capture was descheduled; the ring is pinned kernel
 * memory, so a small machine gets 1/8 of its memory, never under 32 MiB.
 */
uint64_t lt_pkt_source_buffer_default(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t b = LT_CAPTURE_BUFFER_DEFAULT;

    if (pages > 0 && psize > 0 && (uint64_t)pages * (uint64_t)psize / 8 < b)
        b = (uint64_t)pages * (uint64_t)psize / 8;
    return b < LT_CAPTURE_BUFFER_MIN ? LT_CAPTURE_BUFFER_MIN : b;
}

static int open_live(struct lt_pkt_source *s, const struct lt_pkt_source_opts *o,
                     struct lt_err *err)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    uint64_t buf;
    int rc;

    s->pc = pcap_create(o->iface, eb);
    if (!s->pc)
        return lt_error(err, LT_E_IO, "cannot capture on '%s': %s", o->iface, eb);
    pcap_set_snaplen(s->pc, o->snaplen > 0 ? o->snaplen : LT_SNAPLEN_DEFAULT);
    pcap_set_promisc(s->pc, 0);
    /*
     * Not immediate mode: on Linux that means TPACKET_V2, one fixed slot of
     * the snaplen (or MTU) per packet, so with whole packets a 32 MiB ring
     * holds only a few hundred and drops on any hiccup. Block mode
     * (TPACKET_V3) packs packets densely; blocks are handed over when full
     * or after BLOCK_TIMEOUT_MS, which bounds how late a packet is seen.
     */
    pcap_set_timeout(s->pc, BLOCK_TIMEOUT_MS);
    pcap_set_tstamp_precision(s->pc, PCAP_TSTAMP_PRECISION_NANO);
    buf = o->buffer_size ? o->buffer_size : lt_pkt_source_buffer_default();
    pcap_set_buffer_size(s->pc, buf > 0x7fffffff ? 0x7fffffff : (int)buf);
    rc = pcap_activate(s->pc);
    if (rc < 0) {
        const char *why = rc == PCAP_ERROR ? pcap_geterr(s->pc) : pcap_statustostr(rc);
        return lt_error(err, LT_E_IO, "cannot capture on '%s': %s", o->iface, why);
    }
    /*
     * Non-blocking reads and our own poll() with a timeout: immediate mode
     * makes libpcap ignore its timeout, and the caller must wake up to see
     * signals, --duration and the reorder window while no packet comes.
     */
    if (pcap_setnonblock(s->pc, 1, eb) < 0)
        return lt_error(err, LT_E_IO, "cannot capture on '%s': %s", o->iface, eb);
    s->fd = pcap_get_selectable_fd(s->pc);
    s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 100;
    s->live = 1;
    return 0;
}

struct lt_pkt_source *lt_pkt_source_open(const struct lt_pkt_source_opts *o, struct lt_err *err)
{
    struct lt_pkt_source *s = calloc(1, sizeof(*s));
    char eb[PCAP_ERRBUF_SIZE] = "";
    int rc = 0;

    if (!s) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    s->fd = -1;
    if (o->iface) {
        rc = open_live(s, o, err);
    } else if (o->file) {
        s->pc = pcap_open_offline_with_tstamp_precision(o->file, PCAP_TSTAMP_PRECISION_NANO, eb);
        if (!s->pc)
            rc = lt_error(err, LT_E_IO, "cannot read '%s': %s", o->file, eb);
    } else {
        rc = lt_error(err, LT_E_USAGE, "no packet source");
    }
    if (!rc)
        rc = set_filter(s, o->filter, err);
    if (!rc) {
        s->dlt = pcap_datalink(s->pc);
        if (!lt_pkt_link_supported(s->dlt)) {
            const char *n = pcap_datalink_val_to_name(s->dlt);
            rc = lt_error(err, LT_E_FORMAT, "'%s': unsupported link type %s (%d)",
                          o->iface ? o->iface : o->file, n ? n : "?", s->dlt);
        }
    }
    if (rc) {
        lt_pkt_source_free(s);
        return NULL;
    }
    return s;
}

int lt_pkt_source_datalink(const struct lt_pkt_source *s)
{
    return s->dlt;
}

int lt_pkt_source_live(const struct lt_pkt_source *s)
{
    return s->live;
}

int lt_pkt_source_snaplen(const struct lt_pkt_source *s)
{
    return pcap_snapshot(s->pc);
}

int lt_pkt_source_next(struct lt_pkt_source *s, const uint8_t **p, size_t *caplen, int64_t *ts_ns,
                       struct lt_err *err)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(s->pc, &h, &data);

    if (rc == 0 && s->live && s->fd >= 0) {
        struct pollfd pfd = {s->fd, POLLIN, 0};
        if (poll(&pfd, 1, s->timeout_ms) < 0 && errno != EINTR)
            return lt_error(err, LT_E_IO, "waiting for packets: %s", strerror(errno));
        rc = pcap_next_ex(s->pc, &h, &data);
    }
    if (rc == 1) {
        *p = data;
        *caplen = h->caplen;
        /* With nanosecond precision tv_usec holds nanoseconds. */
        *ts_ns = (int64_t)h->ts.tv_sec * 1000000000LL + (int64_t)h->ts.tv_usec;
        return 1;
    }
    if (rc == 0)
        return 0;
    if (rc == PCAP_ERROR_BREAK)
        return s->live ? 0 : LT_E_TRUNCATED;
    return lt_error(err, LT_E_IO, "reading packets: %s", pcap_geterr(s->pc));
}

int lt_pkt_source_stats(struct lt_pkt_source *s, struct lt_capture_stats *st, struct lt_err *err)
{
    struct pcap_stat ps;

    if (!s->live)
        return 0;
    if (pcap_stats(s->pc, &ps) < 0)
        return lt_error(err, LT_E_IO, "cannot read capture statistics: %s", pcap_geterr(s->pc));
    st->have_kernel = 1;
    st->kernel_received = ps.ps_recv;
    st->kernel_dropped = ps.ps_drop;
    st->iface_dropped = ps.ps_ifdrop;
    return 0;
}
