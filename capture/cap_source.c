/*
 * cap_source.c - the capture as a record source: packets are read from a
 * packet source into the pipeline until the file ends, --duration,
 * --count's requests, a stop request or an error; then every flow is
 * flushed, so a capture stopped for any reason still hands out every
 * record it holds.
 */
#include "cap_internal.h"

#include <string.h>

static int done(const struct lt_capture *c, int live, int64_t t_start)
{
    const struct lt_capture_run_opts *o = &c->run;

    if (o->stop && *o->stop)
        return 1;
    if (o->max_requests && c->st.requests >= o->max_requests)
        return 1;
    return live && o->duration_ns && lt_mono_ns() - t_start >= o->duration_ns;
}

static int source_run(void *ctx, struct lt_record_sink *out, struct lt_err *err)
{
    struct lt_capture *c = ctx;
    int live = lt_pkt_source_live(c->ps), dlt = lt_pkt_source_datalink(c->ps), rc = 0, frc;
    int64_t t_start = lt_mono_ns(), first = 0;
    struct lt_err ferr;

    c->out = out;
    while (!done(c, live, t_start)) {
        const uint8_t *p;
        size_t caplen;
        int64_t ts;

        rc = lt_pkt_source_next(c->ps, &p, &caplen, &ts, err);
        if (rc == LT_E_TRUNCATED) { /* the end of the file */
            rc = 0;
            break;
        }
        if (rc < 0)
            break;
        if (rc == 0) {
            rc = lt_capture_advance(c, lt_wall_ns(), err);
        } else {
            if (!first)
                first = ts;
            if (!live && c->run.duration_ns && ts - first >= c->run.duration_ns) {
                rc = 0;
                break;
            }
            rc = lt_capture_packet(c, dlt, ts, p, caplen, err);
        }
        if (rc)
            break;
        if (c->run.progress)
            c->run.progress(c->run.progress_ctx, &c->st);
    }
    /* Whatever stopped the reading, what the flows hold is handed out. */
    frc = lt_capture_finish(c, rc ? &ferr : err);
    return rc ? rc : frc;
}

void lt_capture_source(struct lt_record_source *src, struct lt_capture *c, struct lt_pkt_source *ps,
                       const struct lt_capture_run_opts *o)
{
    memset(src, 0, sizeof(*src));
    c->ps = ps;
    if (o)
        c->run = *o;
    src->ctx = c;
    src->run = source_run;
}
