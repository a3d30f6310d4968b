/*
 * stats.c - the numbers of one window of a run (a 1 s interval or the
 * total): counters, status codes and the latency/service/lag histograms,
 * and their conversion to and from results-file sections. Windows add up:
 * merging intervals (or shards) gives exactly the total.
 */
#include "lt_replay.h"

#include <stdlib.h>
#include <string.h>

int lt_stats_init(struct lt_stats *s)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < LT_RESULTS_NHIST; i++)
        if (lt_hist_init(&s->h[i])) {
            lt_stats_release(s);
            return LT_E_NOMEM;
        }
    return 0;
}

void lt_stats_release(struct lt_stats *s)
{
    if (!s)
        return;
    for (int i = 0; i < LT_RESULTS_NHIST; i++)
        lt_hist_release(&s->h[i]);
}

void lt_stats_reset(struct lt_stats *s)
{
    s->start_ns = s->dur_ns = 0;
    memset(s->c, 0, sizeof(s->c));
    memset(s->status, 0, sizeof(s->status));
    for (int i = 0; i < LT_RESULTS_NHIST; i++)
        lt_hist_reset(&s->h[i]);
}

static void window_union(struct lt_stats *s, int64_t start, int64_t dur)
{
    int64_t end = s->start_ns + s->dur_ns, oend = start + dur;

    if (s->dur_ns == 0 && s->start_ns == 0) {
        s->start_ns = start;
        s->dur_ns = dur;
        return;
    }
    if (start < s->start_ns)
        s->start_ns = start;
    if (oend > end)
        end = oend;
    s->dur_ns = end - s->start_ns;
}

void lt_stats_merge_counters(uint64_t *c, const uint64_t *o)
{
    for (int i = 0; i < LT_RESULTS_NCOUNTERS; i++)
        if (i != LT_RC_FIRST_SEND_NS && i != LT_RC_LAST_SEND_NS && i != LT_RC_WINDOW_END_NS)
            c[i] += o[i];
    if (o[LT_RC_FIRST_SEND_NS] &&
        (!c[LT_RC_FIRST_SEND_NS] || o[LT_RC_FIRST_SEND_NS] < c[LT_RC_FIRST_SEND_NS]))
        c[LT_RC_FIRST_SEND_NS] = o[LT_RC_FIRST_SEND_NS];
    if (o[LT_RC_LAST_SEND_NS] > c[LT_RC_LAST_SEND_NS] ||
        (o[LT_RC_LAST_SEND_NS] == c[LT_RC_LAST_SEND_NS] &&
         o[LT_RC_WINDOW_END_NS] > c[LT_RC_WINDOW_END_NS])) {
        c[LT_RC_LAST_SEND_NS] = o[LT_RC_LAST_SEND_NS];
        c[LT_RC_WINDOW_END_NS] = o[LT_RC_WINDOW_END_NS];
    }
}

void lt_stats_merge(struct lt_stats *s, const struct lt_stats *o)
{
    window_union(s, o->start_ns, o->dur_ns);
    lt_stats_merge_counters(s->c, o->c);
    for (int i = 0; i < LT_STATUS_CODES; i++)
        s->status[i] += o->status[i];
    for (int i = 0; i < LT_RESULTS_NHIST; i++)
        lt_hist_merge(&s->h[i], &o->h[i]);
}

size_t lt_stats_scratch_size(void)
{
    return LT_RESULTS_NHIST * LT_HIST_COUNTS * sizeof(struct lt_results_bin) +
           LT_STATUS_CODES * sizeof(struct lt_results_status);
}

void lt_stats_to_section(const struct lt_stats *s, int kind, void *scratch,
                         struct lt_results_section *out)
{
    struct lt_results_bin *bins = scratch;
    struct lt_results_status *st =
        (struct lt_results_status *)(bins + LT_RESULTS_NHIST * LT_HIST_COUNTS);
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->start_ns = s->start_ns > 0 ? (uint64_t)s->start_ns : 0;
    out->dur_ns = s->dur_ns > 0 ? (uint64_t)s->dur_ns : 0;
    memcpy(out->c, s->c, sizeof(out->c));
    for (uint32_t code = 0; code < LT_STATUS_CODES; code++)
        if (s->status[code]) {
            st[n].code = code;
            st[n].count = s->status[code];
            n++;
        }
    out->status = st;
    out->nstatus = n;
    for (int i = 0; i < LT_RESULTS_NHIST; i++)
        lt_hist_export(&s->h[i], &out->hist[i], bins + (size_t)i * LT_HIST_COUNTS);
}

int lt_stats_add_section(struct lt_stats *s, const struct lt_results_section *sec,
                         struct lt_err *err)
{
    for (size_t i = 0; i < sec->nstatus; i++)
        if (sec->status[i].code >= LT_STATUS_CODES)
            return lt_error(err, LT_E_FORMAT, "status code %u out of range", sec->status[i].code);
    for (int i = 0; i < LT_RESULTS_NHIST; i++) {
        /* an empty histogram may come without a layout (all zero) */
        if (sec->hist[i].count == 0)
            continue;
        if (lt_hist_import(&s->h[i], &sec->hist[i], err))
            return err ? err->code : LT_E_FORMAT;
    }
    window_union(s, (int64_t)(sec->start_ns & INT64_MAX), (int64_t)(sec->dur_ns & INT64_MAX));
    lt_stats_merge_counters(s->c, sec->c);
    for (size_t i = 0; i < sec->nstatus; i++)
        s->status[sec->status[i].code] += sec->status[i].count;
    return 0;
}

void lt_stats_note_send(struct lt_stats *s, int64_t s_rel, int64_t service_ns)
{
    uint64_t v = (uint64_t)(s_rel > 0 ? s_rel : 0) + 1;
    uint64_t end = v + (uint64_t)(service_ns > 0 ? service_ns : 0);

    if (!s->c[LT_RC_FIRST_SEND_NS] || v < s->c[LT_RC_FIRST_SEND_NS])
        s->c[LT_RC_FIRST_SEND_NS] = v;
    if (v > s->c[LT_RC_LAST_SEND_NS] ||
        (v == s->c[LT_RC_LAST_SEND_NS] && end > s->c[LT_RC_WINDOW_END_NS])) {
        s->c[LT_RC_LAST_SEND_NS] = v;
        s->c[LT_RC_WINDOW_END_NS] = end;
    }
}

/* ---- --ok ------------------------------------------------------------------ */

static void ok_set(struct lt_ok_rule *ok, int lo, int hi)
{
    for (int c = lo; c <= hi && c < LT_STATUS_CODES; c++)
        ok->set[c / 8] |= (uint8_t)(1u << (c % 8));
}

int lt_ok_parse(struct lt_ok_rule *ok, const char *spec, struct lt_err *err)
{
    const char *p = spec ? spec : "";
    int any = 0;

    memset(ok, 0, sizeof(*ok));
    while (*p) {
        size_t n = strcspn(p, ",");
        char t[16];
        if (n == 0 || n >= sizeof(t))
            return lt_error(err, LT_E_USAGE, "bad status list '%s'", spec);
        memcpy(t, p, n);
        t[n] = '\0';
        if (strcmp(t, "expected") == 0) {
            ok->expected = 1;
        } else if (n == 3 && t[0] >= '1' && t[0] <= '5' && t[1] == 'x' && t[2] == 'x') {
            ok_set(ok, (t[0] - '0') * 100, (t[0] - '0') * 100 + 99);
            any = 1;
        } else if (n == 3 && t[0] >= '1' && t[0] <= '5' && t[1] >= '0' && t[1] <= '9' &&
                   t[2] >= '0' && t[2] <= '9') {
            int c = atoi(t);
            ok_set(ok, c, c);
            any = 1;
        } else {
            return lt_error(err, LT_E_USAGE,
                            "bad status '%s' in '%s' (expected 2xx, expected, or codes like 202)",
                            t, spec);
        }
        p += n;
        if (*p == ',' && *++p == '\0')
            return lt_error(err, LT_E_USAGE, "bad status list '%s'", spec);
    }
    if (!any)
        ok_set(ok, 200, 299); /* "expected" alone falls back to 2xx */
    return 0;
}

int lt_ok_match(const struct lt_ok_rule *ok, int status, int expect)
{
    int empty = 1;

    if (ok->expected && expect)
        return status == expect;
    if (status < 0 || status >= LT_STATUS_CODES)
        return 0;
    for (size_t i = 0; i < sizeof(ok->set) && empty; i++)
        empty = ok->set[i] == 0;
    if (empty)
        return status >= 200 && status <= 299;
    return (ok->set[status / 8] >> (status % 8)) & 1;
}
