/*
 * cmd_capture.c - 'loadtape capture': packets from an interface or a pcap
 * file through the capture pipeline into a tape. The tape is always closed
 * with its index and the pipeline's counters (metadata key "capture"), on
 * --duration, --count, the end of the file, SIGINT/SIGTERM, or an error.
 */
#include "lt_cli.h"
#include "lt_capture.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;
static struct lt_capture_listen *stop_listen; /* --listen: stopped from the handler */

static void on_signal(int sig)
{
    stop_signal = sig;
    if (stop_listen)
        lt_capture_listen_stop(stop_listen);
}

struct cap_run {
    const char *out_path;
    const char *src_json; /* header metadata */
    struct lt_tape_writer *w;
    struct lt_capture *cap;
    struct lt_capture_listen *listen;
    uint64_t limit; /* --count: records to write, 0 = all */
    uint64_t written;
    int opened;       /* the tape writer opened out_path */
    int write_failed; /* the tape could not be written: said once, when it happened */
    uint64_t refused; /* records the writer did not take after that */
};

static int open_writer(struct cap_run *run, uint64_t origin_ns, struct lt_err *err)
{
    struct lt_tape_writer_opts wo;

    memset(&wo, 0, sizeof(wo));
    wo.origin_ns = origin_ns;
    wo.meta_json = run->src_json;
    run->w = lt_tape_writer_open(run->out_path, &wo, err);
    run->opened = 1;
    return run->w ? 0 : (err->code ? err->code : LT_E_IO);
}

static int on_record(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct cap_run *run = ctx;
    int rc;

    if (run->limit && run->written >= run->limit)
        return 0;
    if (!run->w) {
        rc = open_writer(run, (uint64_t)lt_capture_origin(run->cap), err);
        if (rc)
            return rc;
    }
    rc = lt_tape_writer_append(run->w, r, err);
    if (!rc) {
        run->written++;
        return 0;
    }
    run->refused++;
    if (run->write_failed)
        return lt_error(err, LT_E_IO, "the tape could not be written"); /* said already */
    run->write_failed = 1;
    return rc;
}

/* {"source":{"kind":"capture","interface"|"file":..,"filter":..,"snaplen":..}} */
static char *source_json(const char *iface, const char *file, const char *listen,
                         const char *filter, int snaplen)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *src = cJSON_AddObjectToObject(root, "source");
    char *s;

    cJSON_AddStringToObject(src, "kind", "capture");
    if (iface)
        cJSON_AddStringToObject(src, "interface", iface);
    if (file)
        cJSON_AddStringToObject(src, "file", file);
    if (listen) {
        cJSON_AddStringToObject(src, "listen", listen);
    } else {
        if (filter)
            cJSON_AddStringToObject(src, "filter", filter);
        cJSON_AddNumberToObject(src, "snaplen", snaplen);
    }
    s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

/* The end summary on stderr, in lines that fit 80 columns. */
static void print_summary(const struct lt_capture_stats *s, const char *iface, int listen,
                          uint64_t written, uint64_t lost, const char *lost_why)
{
    FILE *o = stderr;
    uint64_t kept = s->req_gap + s->req_truncated + s->req_memcap;
    uint64_t dropped = s->dropped_gap + s->dropped_unparsable + s->dropped_limit;

    if (lost)
        fprintf(o, "capture: %llu requests captured but lost: %s\n", (unsigned long long)lost,
                lost_why);
    if (listen) {
        fprintf(o,
                "capture: %llu requests recorded\n"
                "  not recorded: %llu incomplete in time, %llu unparsable, %llu over a limit\n",
                (unsigned long long)written, (unsigned long long)s->dropped_gap,
                (unsigned long long)s->dropped_unparsable, (unsigned long long)s->dropped_limit);
        return;
    }
    fprintf(o,
            "capture: %llu requests recorded (%llu with a response, %llu without)\n"
            "  from %llu TCP flows, %llu packets\n",
            (unsigned long long)written, (unsigned long long)s->with_response,
            (unsigned long long)s->no_response, (unsigned long long)s->flows,
            (unsigned long long)s->packets);
    fprintf(o,
            "  kept but flagged %llu: %llu gap, %llu truncated (snaplen or body limit), %llu flow "
            "memory cap\n"
            "  dropped %llu: %llu gap in the head, %llu unparsable, %llu over a limit\n",
            (unsigned long long)kept, (unsigned long long)s->req_gap,
            (unsigned long long)s->req_truncated, (unsigned long long)s->req_memcap,
            (unsigned long long)dropped, (unsigned long long)s->dropped_gap,
            (unsigned long long)s->dropped_unparsable, (unsigned long long)s->dropped_limit);
    fprintf(o,
            "  responses: %llu lost in capture gaps (their requests flagged no_response), %llu "
            "unpaired\n",
            (unsigned long long)s->response_lost, (unsigned long long)s->unpaired_responses);
    fprintf(o,
            "  tcp: %llu bytes lost in gaps, %llu cut by snaplen, %llu at the memory cap,\n"
            "    %llu skipped to resync; %llu out-of-order, %llu retransmitted segments\n",
            (unsigned long long)s->gap_bytes, (unsigned long long)s->snaplen_bytes,
            (unsigned long long)s->memcap_bytes, (unsigned long long)s->resync_bytes,
            (unsigned long long)s->out_of_order, (unsigned long long)s->retransmitted);
    fprintf(o, "  not HTTP/1.x: %llu TLS, %llu HTTP/2, %llu other flows; %llu non-TCP packets\n",
            (unsigned long long)s->flows_tls, (unsigned long long)s->flows_http2,
            (unsigned long long)s->flows_other, (unsigned long long)s->not_tcp);
    if (s->have_kernel) {
        fprintf(o,
                "  kernel: %llu packets received by the filter, %llu dropped by the kernel,\n"
                "    %llu by the interface\n",
                (unsigned long long)s->kernel_received, (unsigned long long)s->kernel_dropped,
                (unsigned long long)s->iface_dropped);
        if (iface && strcmp(iface, "lo") == 0)
            fprintf(o, "  (on lo the kernel counts each packet twice, as sent and as received;\n"
                       "  drops are real)\n");
    }
}

int cmd_capture(int argc, char **argv)
{
    const char *iface = NULL, *file = NULL, *listen = NULL, *out = NULL, *filter = NULL;
    uint64_t port = 0, count = 0, snaplen = LT_SNAPLEN_DEFAULT, bufsize = 0;
    int64_t duration = 0, window = 10 * 1000000000LL;
    int no_resp = 0, keep = 0, quiet = 0, progress = 0;
    struct lt_strlist redact = {NULL, 0};
    struct lt_opt opts[] = {
        {"interface", 'i', LT_OPT_STR, "IFACE", "capture live on this interface", &iface, 0, 0, 0},
        {"read", 'r', LT_OPT_STR, "FILE", "read a pcap or pcapng file", &file, 0, 0, 0},
        {"listen", 0, LT_OPT_STR, "ADDR:PORT", "record what an HTTP listener receives", &listen, 0,
         0, 0},
        {"output", 'o', LT_OPT_STR, "TAPE", "the tape to write (required)", &out, 0, 0, 0},
        {"filter", 'f', LT_OPT_STR, "BPF", "capture filter (tcpdump syntax)", &filter, 0, 0, 0},
        {"port", 0, LT_OPT_U64, "N", "shorthand for the filter 'tcp port N'", &port, 1, 65535, 0},
        {"duration", 0, LT_OPT_DURATION, "D", "stop after D (packet time when reading a file)",
         &duration, LT_OPT_POSITIVE, 0, 0},
        {"count", 0, LT_OPT_U64, "N", "stop after N requests (the first N by time)", &count, 1,
         UINT64_MAX, 0},
        {"snaplen", 0, LT_OPT_U64, "N", "bytes kept per packet (default: 262144, whole packets)",
         &snaplen, 64, 1 << 30, 0},
        {"buffer-size", 0, LT_OPT_SIZE, "SIZE",
         "kernel capture buffer (default: 256MiB, or 1/8 of RAM if less)", &bufsize, 0, 0, 0},
        {"reorder-window", 0, LT_OPT_DURATION, "D",
         "how long a request waits for its response (default: 10s)", &window, 0, 0, 0},
        {"no-responses", 0, LT_OPT_FLAG, NULL, "record requests only, no status or latency",
         &no_resp, 0, 0, 0},
        {"keep-secrets", 0, LT_OPT_FLAG, NULL, "do not redact Authorization, Cookie, API keys, ...",
         &keep, 0, 0, 0},
        {"redact-header", 0, LT_OPT_STRLIST, "NAME", "also redact this header (repeatable)",
         &redact, 0, 0, 0},
        {"quiet", 'q', LT_OPT_FLAG, NULL, "no summary at the end", &quiet, 0, 0, 0},
        {"progress", 0, LT_OPT_FLAG, NULL, "show progress even when stderr is not a terminal",
         &progress, 0, 0, 0},
        LT_OPT_END,
    };
    struct lt_cmd_spec spec = {
        "capture",
        "(-i IFACE | -r FILE | --listen ADDR:PORT) -o TAPE [options]",
        "Records HTTP/1.x requests (with their responses' status and latency) into a tape.",
        "Every request that could not be recorded whole is counted by reason; the counts are\n"
        "printed at the end and kept in the tape's metadata (key \"capture\"). Secret headers\n"
        "are redacted unless --keep-secrets. SIGINT or SIGTERM stop the capture and close the\n"
        "tape.\n",
        opts,
        0,
        0,
    };
    struct lt_pkt_source_opts so;
    struct lt_capture_opts co;
    struct lt_pkt_source *src = NULL;
    struct cap_run run;
    struct lt_err err;
    struct sigaction sa, old_int, old_term;
    char *fbuf = NULL, *final = NULL;
    cJSON *meta = NULL;
    char **pos;
    int npos, rc, ret = LT_EXIT_FAIL, nsrc, sig_set = 0;
    int64_t t_start = 0, first_pkt = 0, t_shown = 0;
    int out_existed = 0;
    uint64_t held = 0;
    char lost_why[600] = "";

    memset(&run, 0, sizeof(run));
    lt_err_clear(&err);
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0) {
        free(redact.v);
        return rc;
    }
    nsrc = (iface != NULL) + (file != NULL) + (listen != NULL);
    if (nsrc != 1) {
        ret = lt_cli_usage("capture", "give exactly one of -i IFACE, -r FILE, --listen ADDR:PORT");
        goto out;
    }
    if (!out) {
        ret = lt_cli_usage("capture", "missing -o TAPE");
        goto out;
    }
    if (listen && (filter || port || lt_cli_opt(&spec, "snaplen")->seen ||
                   lt_cli_opt(&spec, "buffer-size")->seen)) {
        ret = lt_cli_usage("capture", "--listen takes no -f, --port, --snaplen or --buffer-size");
        goto out;
    }
    if (port) {
        size_t n = (filter ? strlen(filter) : 0) + 64;
        fbuf = malloc(n);
        if (!fbuf)
            goto out;
        if (filter)
            snprintf(fbuf, n, "(%s) and tcp port %llu", filter, (unsigned long long)port);
        else
            snprintf(fbuf, n, "tcp port %llu", (unsigned long long)port);
        filter = fbuf;
    }

    /* The tape opens at the first record (its origin is the first packet's
     * time): make sure it can be written before reading anything, without
     * truncating a tape already there. What this creates is removed again if
     * the capture fails before its first record. */
    if (strcmp(out, "-") != 0) {
        struct stat st;
        int fd;
        out_existed = stat(out, &st) == 0;
        fd = open(out, O_WRONLY | O_CREAT, 0644);
        if (fd < 0) {
            lt_cli_error("capture", "cannot create '%s': %s", out, strerror(errno));
            goto out;
        }
        close(fd);
        /* the writer makes its own file (and replaces one that was there only once
         * closed): the probe leaves nothing behind */
        if (!out_existed)
            unlink(out);
    }
    if (listen)
        goto setup;
    memset(&so, 0, sizeof(so));
    so.iface = iface;
    so.file = file;
    so.filter = filter;
    so.snaplen = (int)snaplen;
    so.buffer_size = bufsize;
    src = lt_pkt_source_open(&so, &err);
    if (!src) {
        lt_cli_error("capture", "%s", err.msg);
        ret = err.code == LT_E_USAGE ? LT_EXIT_USAGE : LT_EXIT_FAIL;
        goto out;
    }

    if (iface && !quiet)
        fprintf(stderr, "capture: listening on %s%s%s%s\n", iface, filter ? " (filter '" : "",
                filter ? filter : "", filter ? "')" : "");

setup:
    memset(&co, 0, sizeof(co));
    co.reorder_window_ns = window;
    co.no_responses = no_resp;
    co.keep_secrets = keep;
    co.redact = redact.v;
    co.nredact = redact.n;
    run.out_path = out;
    run.limit = count;
    if (listen) {
        run.listen = lt_capture_listen_new(listen, &co, count, on_record, &run, &err);
        if (!run.listen) {
            lt_cli_error("capture", "%s", err.msg);
            goto out;
        }
        run.cap = lt_capture_listen_capture(run.listen);
        run.src_json = source_json(NULL, NULL, lt_capture_listen_url(run.listen), NULL, 0);
        if (!quiet)
            fprintf(stderr, "capture: listening on %s\n", lt_capture_listen_url(run.listen));
    } else {
        /* with -r, the file's snaplen: what its packets were cut to */
        run.src_json = source_json(iface, file, NULL, filter,
                                   file ? lt_pkt_source_snaplen(src) : (int)snaplen);
        run.cap = lt_capture_new(&co, on_record, &run, &err);
    }
    if (!run.cap || !run.src_json) {
        lt_cli_error("capture", "%s", run.cap ? "out of memory" : err.msg);
        goto out;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sig_set = 1;
    stop_signal = 0;
    t_start = lt_mono_ns();

    progress = !quiet && lt_cli_progress_wanted(progress);
    ret = LT_EXIT_OK;
    if (run.listen) {
        stop_listen = run.listen;
        if (!stop_signal && lt_capture_listen_run(run.listen, duration, &err)) {
            lt_cli_error("capture", "%s", err.msg);
            ret = LT_EXIT_FAIL;
        }
        stop_listen = NULL;
    }
    for (; !run.listen;) {
        const uint8_t *p;
        size_t caplen;
        int64_t ts;

        if (stop_signal)
            break;
        if (count && lt_capture_stats(run.cap)->requests >= count)
            break;
        if (iface && duration && lt_mono_ns() - t_start >= duration)
            break;
        rc = lt_pkt_source_next(src, &p, &caplen, &ts, &err);
        if (rc == LT_E_TRUNCATED)
            break;
        if (rc < 0) {
            lt_cli_error("capture", "%s", err.msg);
            ret = LT_EXIT_FAIL;
            break;
        }
        if (rc == 0) {
            rc = lt_capture_advance(run.cap, lt_wall_ns(), &err);
        } else {
            if (!first_pkt)
                first_pkt = ts;
            if (file && duration && ts - first_pkt >= duration)
                break;
            rc = lt_capture_packet(run.cap, lt_pkt_source_datalink(src), ts, p, caplen, &err);
        }
        if (rc) {
            lt_cli_error("capture", "%s", err.msg);
            ret = LT_EXIT_FAIL;
            break;
        }
        if (progress && lt_mono_ns() - t_shown >= 250000000) { /* at most 4 a second */
            const struct lt_capture_stats *st = lt_capture_stats(run.cap);
            t_shown = lt_mono_ns();
            char pk[40], rq[40], rc_[40];
            const char *f[] = {pk, rq, rc_};
            snprintf(pk, sizeof(pk), "capture: %llu packets", (unsigned long long)st->packets);
            snprintf(rq, sizeof(rq), "%llu requests", (unsigned long long)st->requests);
            snprintf(rc_, sizeof(rc_), "%llu recorded", (unsigned long long)run.written);
            lt_cli_status(f, 3);
        }
    }
    lt_cli_status_clear();

    /* Whatever stopped us, the tape is finished and closed. */
    rc = lt_capture_finish(run.cap, &err);
    if (rc && ret == LT_EXIT_OK) /* not said already */
        lt_cli_error("capture", "%s", err.msg);
    if (rc)
        ret = LT_EXIT_FAIL;
    /* "recorded" is what went into the tape (--count may have cut the rest) */
    lt_capture_stats(run.cap)->records = run.written;
    if (src && lt_pkt_source_stats(src, lt_capture_stats(run.cap), &err))
        lt_cli_warn("capture", "%s", err.msg);
    if (!run.w) {
        int64_t origin = lt_capture_origin(run.cap);
        if (open_writer(&run, (uint64_t)(origin ? origin : lt_wall_ns()), &err)) {
            lt_cli_error("capture", "%s", err.msg);
            ret = LT_EXIT_FAIL;
            goto out;
        }
    }
    meta = cJSON_CreateObject();
    if (meta) {
        cJSON *cs = lt_capture_stats_json(lt_capture_stats(run.cap));
        if (cs)
            cJSON_AddItemToObject(meta, "capture", cs);
        final = cJSON_PrintUnformatted(meta);
    }
    held = lt_tape_writer_written(run.w);
    rc = lt_tape_writer_close(run.w, final, &err);
    run.w = NULL;
    if (rc && run.write_failed) {
        /* the write error was said; what the tape holds is what counts */
        const char *where = strstr(err.msg, "); ");
        snprintf(lost_why, sizeof(lost_why), "the tape could not be written; %s",
                 where ? where + 3 : "");
        ret = LT_EXIT_FAIL;
    } else if (rc) {
        lt_cli_error("capture", "%s", err.msg);
        ret = LT_EXIT_FAIL;
        held = 0;
        snprintf(lost_why, sizeof(lost_why), "the tape could not be closed");
    } else {
        held = run.written;
    }
    if (!quiet)
        print_summary(lt_capture_stats(run.cap), iface, listen != NULL, held,
                      run.written - held + run.refused, lost_why);
    if (stop_signal && lt_cli_verbosity > 0 && !quiet)
        fprintf(stderr, "capture: stopped by signal %d\n", (int)stop_signal);

out:
    if (sig_set) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    if (run.w)
        lt_tape_writer_close(run.w, NULL, &err);
    if (run.listen)
        lt_capture_listen_free(run.listen);
    else
        lt_capture_free(run.cap);
    lt_pkt_source_free(src);
    cJSON_Delete(meta);
    free(final);
    free((void *)run.src_json);
    free(fbuf);
    free(redact.v);
    return ret;
}
