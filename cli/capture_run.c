/*
 * capture_run.c - 'loadtape capture' once its options are checked: wiring.
 * The source is the packet capture (lt_capture_source) or, with --listen,
 * the recorder (lt_recorder_source); then the redaction transform; then the
 * tape, opened at the first record (a packet capture's time origin is its
 * first packet, which the tape's header holds). Then the run, the tape
 * closed with the counters, and the summary.
 */
#include "capture_run.h"
#include "lt_capture.h"
#include "lt_sink.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "capture"

static volatile sig_atomic_t stop_signal;
static struct lt_recorder *stop_rec; /* --listen: stopped from the handler */

static void on_signal(int sig)
{
    stop_signal = sig;
    if (stop_rec)
        lt_recorder_stop(stop_rec);
}

struct cap_job {
    const struct capture_args *a;
    struct lt_pkt_source *ps;
    struct lt_capture *cap;  /* -i, -r */
    struct lt_recorder *rec; /* --listen */
    struct lt_redact *rd;
    struct lt_record_source src;
    struct lt_record_sink redact; /* -> out */
    struct lt_record_sink out;    /* this file's: opens tape at the first record */
    struct lt_record_sink tape;   /* lt_tape_sink, once opened */
    char *src_json;               /* the tape header's metadata */
    int opened, write_failed;
    uint64_t written; /* records the tape took */
    uint64_t refused; /* records it did not take, once a write failed */
    int64_t t_shown;
};

/* ---- the tape, opened at the first record ---------------------------------------- */

static int tape_open(struct cap_job *j, int64_t origin, struct lt_err *err)
{
    struct lt_tape_writer_opts wo;
    struct lt_tape_writer *w;

    j->opened = 1;
    memset(&wo, 0, sizeof(wo));
    wo.origin_ns = (uint64_t)(origin ? origin : lt_wall_ns());
    wo.meta_json = j->src_json;
    w = lt_tape_writer_open(j->a->out, &wo, err);
    if (!w)
        return err->code ? err->code : LT_E_IO;
    return lt_tape_sink(&j->tape, w, err);
}

static int64_t origin(const struct cap_job *j)
{
    return j->cap ? lt_capture_origin(j->cap) : lt_recorder_origin(j->rec);
}

static int out_put(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct cap_job *j = ctx;
    int rc;

    if (!j->opened && (rc = tape_open(j, origin(j), err)) != 0)
        return rc;
    if (!j->tape.put)
        return lt_error(err, LT_E_IO, "the tape could not be opened"); /* said already */
    rc = j->tape.put(j->tape.ctx, r, err);
    if (!rc) {
        j->written++;
        return 0;
    }
    j->refused++;
    if (j->write_failed)
        return lt_error(err, LT_E_IO, "the tape could not be written"); /* said already */
    j->write_failed = 1;
    return rc;
}

static uint64_t out_durable(void *ctx)
{
    struct cap_job *j = ctx;

    return j->tape.put ? lt_record_sink_durable(&j->tape, j->written) : 0;
}

/* ---- building the pipeline ------------------------------------------------------- */

/* {"source":{"kind":"capture","interface"|"file"|"listen":..,"filter":..,"snaplen":..}} */
static char *source_json(const struct capture_args *a, const char *url, int snaplen)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *src = cJSON_AddObjectToObject(root, "source");
    char *s;

    cJSON_AddStringToObject(src, "kind", "capture");
    if (a->iface)
        cJSON_AddStringToObject(src, "interface", a->iface);
    if (a->file)
        cJSON_AddStringToObject(src, "file", a->file);
    if (url) {
        cJSON_AddStringToObject(src, "listen", url);
    } else {
        if (a->filter)
            cJSON_AddStringToObject(src, "filter", a->filter);
        cJSON_AddNumberToObject(src, "snaplen", snaplen);
    }
    s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

/*
 * The tape opens at the first record: make sure it can be written before
 * reading anything, without truncating a tape already there. What this
 * creates is removed again at once (the writer makes its own file and
 * replaces one that was there only once closed).
 */
static int probe_output(const char *out)
{
    struct stat st;
    int existed, fd;

    if (strcmp(out, "-") == 0)
        return 0;
    existed = stat(out, &st) == 0;
    fd = open(out, O_WRONLY | O_CREAT, 0644);
    if (fd < 0) {
        lt_cli_error(CMD, "cannot create '%s': %s", out, strerror(errno));
        return -1;
    }
    close(fd);
    if (!existed)
        unlink(out);
    return 0;
}

static void on_progress(void *ctx, const struct lt_capture_stats *st)
{
    struct cap_job *j = ctx;
    char pk[40], rq[40], rc[40];
    const char *f[] = {pk, rq, rc};

    if (lt_mono_ns() - j->t_shown < 250000000) /* at most 4 a second */
        return;
    j->t_shown = lt_mono_ns();
    snprintf(pk, sizeof(pk), "capture: %llu packets", (unsigned long long)st->packets);
    snprintf(rq, sizeof(rq), "%llu requests", (unsigned long long)st->requests);
    snprintf(rc, sizeof(rc), "%llu recorded", (unsigned long long)j->written);
    lt_cli_status(f, 3);
}

/* The source: a packet capture, or the recorder. 0, or an exit code after the error. */
static int build_source(struct cap_job *j)
{
    const struct capture_args *a = j->a;
    struct lt_pkt_source_opts so;
    struct lt_capture_opts co;
    struct lt_capture_run_opts ro;
    struct lt_err err;

    lt_err_clear(&err);
    if (a->listen) {
        struct lt_recorder_opts lo = {a->listen, a->count, NULL};
        j->rec = lt_recorder_new(&lo, &err);
        if (!j->rec) {
            lt_cli_error(CMD, "%s", err.msg);
            return LT_EXIT_FAIL;
        }
        j->src_json = source_json(a, lt_recorder_url(j->rec), 0);
        if (!a->quiet)
            fprintf(stderr, "capture: listening on %s\n", lt_recorder_url(j->rec));
        lt_recorder_source(&j->src, j->rec, a->duration);
        if (!j->src_json) {
            lt_cli_error(CMD, "out of memory");
            return LT_EXIT_FAIL;
        }
        return 0;
    }
    memset(&so, 0, sizeof(so));
    so.iface = a->iface;
    so.file = a->file;
    so.filter = a->filter;
    so.snaplen = (int)a->snaplen;
    so.buffer_size = a->bufsize;
    j->ps = lt_pkt_source_open(&so, &err);
    if (!j->ps) {
        lt_cli_error(CMD, "%s", err.msg);
        return err.code == LT_E_USAGE ? LT_EXIT_USAGE : LT_EXIT_FAIL;
    }
    if (a->iface && !a->quiet)
        fprintf(stderr, "capture: listening on %s%s%s%s\n", a->iface, a->filter ? " (filter '" : "",
                a->filter ? a->filter : "", a->filter ? "')" : "");
    memset(&co, 0, sizeof(co));
    co.reorder_window_ns = a->window;
    co.no_responses = a->no_resp;
    co.max_records = a->count;
    /* with -r, the file's snaplen: what its packets were cut to */
    j->src_json = source_json(a, NULL, a->file ? lt_pkt_source_snaplen(j->ps) : (int)a->snaplen);
    j->cap = lt_capture_new(&co, NULL, &err);
    if (!j->cap || !j->src_json) {
        lt_cli_error(CMD, "%s", j->cap ? "out of memory" : err.msg);
        return LT_EXIT_FAIL;
    }
    memset(&ro, 0, sizeof(ro));
    ro.duration_ns = a->duration;
    ro.max_requests = a->count;
    ro.stop = &stop_signal;
    if (!a->quiet && lt_cli_progress_wanted(a->progress)) {
        ro.progress = on_progress;
        ro.progress_ctx = j;
    }
    lt_capture_source(&j->src, j->cap, j->ps, &ro);
    return 0;
}

/* Redaction (j->rd), then the tape. 0, or an exit code after the error. */
static int build_sinks(struct cap_job *j)
{
    struct lt_err err;

    j->out.ctx = j;
    j->out.put = out_put;
    j->out.durable = out_durable;
    if (lt_redact_sink(&j->redact, j->rd, &j->out, &err)) {
        lt_cli_error(CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    return 0;
}

/* ---- the end: counters, the tape closed, the summary ------------------------------ */

/* What the tape's "capture" object and the summary say. */
static void gather_stats(struct cap_job *j, struct lt_capture_stats *st)
{
    struct lt_err err;

    memset(st, 0, sizeof(*st));
    if (j->cap) {
        *st = *lt_capture_stats(j->cap);
        if (lt_pkt_source_stats(j->ps, st, &err))
            lt_cli_warn(CMD, "%s", err.msg);
    } else {
        const struct lt_recorder_stats *rs = lt_recorder_stats(j->rec);
        st->requests = rs->requests;
        st->dropped_gap = rs->dropped_timeout; /* did not arrive whole in time */
        st->dropped_unparsable = rs->dropped_unparsable;
        st->dropped_limit = rs->dropped_limit;
    }
    st->records = j->written; /* what went into the tape */
    st->redacted = lt_redact_stats(j->rd)->redacted;
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

/*
 * Closes the tape (opening it first when no record came) with the counters
 * as final metadata, then prints the summary. ret is the exit code so far;
 * returns the final one.
 */
static int finish(struct cap_job *j, int ret)
{
    struct lt_capture_stats st;
    struct lt_err err;
    char *final = NULL, lost_why[600] = "";
    cJSON *meta;
    uint64_t held;
    int rc;

    gather_stats(j, &st);
    lt_err_clear(&err);
    if (!j->opened && tape_open(j, origin(j), &err)) {
        lt_cli_error(CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    if (!j->tape.put)
        return LT_EXIT_FAIL; /* it could not be opened at the first record: said then */
    meta = cJSON_CreateObject();
    if (meta) {
        cJSON *cs = lt_capture_stats_json(&st);
        if (cs)
            cJSON_AddItemToObject(meta, "capture", cs);
        final = cJSON_PrintUnformatted(meta);
        cJSON_Delete(meta);
    }
    held = lt_record_sink_durable(&j->tape, j->written);
    rc = j->tape.finish(j->tape.ctx, final, &err);
    free(final);
    if (rc && j->write_failed) {
        /* the write error was said; what the tape holds is what counts */
        const char *where = strstr(err.msg, "); ");
        snprintf(lost_why, sizeof(lost_why), "the tape could not be written; %s",
                 where ? where + 3 : "");
        ret = LT_EXIT_FAIL;
    } else if (rc) {
        lt_cli_error(CMD, "%s", err.msg);
        ret = LT_EXIT_FAIL;
        held = 0;
        snprintf(lost_why, sizeof(lost_why), "the tape could not be closed");
    } else {
        held = j->written;
    }
    if (!j->a->quiet)
        print_summary(&st, j->a->iface, j->rec != NULL, held, j->written - held + j->refused,
                      lost_why);
    if (stop_signal && lt_cli_verbosity > 0 && !j->a->quiet)
        fprintf(stderr, "capture: stopped by signal %d\n", (int)stop_signal);
    return ret;
}

/* Source -> redaction -> tape until the source ends or a signal stops it. */
static int run(struct cap_job *j)
{
    struct sigaction sa, old_int, old_term;
    struct lt_err err;
    int ret = LT_EXIT_OK;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    stop_rec = j->rec;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    lt_err_clear(&err);
    if (lt_record_pump(&j->src, &j->redact, &stop_signal, NULL, &err)) {
        lt_cli_error(CMD, "%s", err.msg);
        ret = LT_EXIT_FAIL;
    }
    lt_cli_status_clear();
    stop_rec = NULL;
    ret = finish(j, ret);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return ret;
}

int lt_cli_capture_run(const struct capture_args *a)
{
    struct cap_job j;
    int ret;

    memset(&j, 0, sizeof(j));
    j.a = a;
    ret = lt_cli_redact_new(CMD, &a->redact, &j.rd);
    if (ret >= 0)
        return ret;
    ret = probe_output(a->out) ? LT_EXIT_FAIL : build_source(&j);
    if (!ret)
        ret = build_sinks(&j);
    if (!ret)
        ret = run(&j);
    lt_record_sink_release(&j.redact);
    lt_record_sink_release(&j.tape); /* aborts a tape not closed */
    lt_record_source_release(&j.src);
    lt_redact_free(j.rd);
    lt_recorder_free(j.rec);
    lt_capture_free(j.cap);
    lt_pkt_source_free(j.ps);
    free(j.src_json);
    return ret;
}
