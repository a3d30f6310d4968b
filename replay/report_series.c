/*
 * report_series.c - a run over time for reports: one small derived row per
 * 1 s interval (counters, latency percentiles, status counts), read from the
 * interval sections of results files. Several files (the shards of one run)
 * are read side by side and their sections of the same second summed before
 * any percentile is taken, so the merged series is exact, as the total is.
 */
#include "lt_replay.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC_NS 1000000000LL

const double lt_report_pcts[LT_REPORT_NPCT] = {50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100};

void lt_report_series_init(struct lt_report_series *s)
{
    memset(s, 0, sizeof(*s));
}

void lt_report_series_release(struct lt_report_series *s)
{
    if (!s)
        return;
    free(s->p);
    memset(s, 0, sizeof(*s));
}

static struct lt_report_point *grow(struct lt_report_series *s, struct lt_err *err)
{
    if (s->n >= LT_REPORT_MAX_POINTS) {
        lt_error(err, LT_E_LIMIT,
                 "more than %d intervals (24 h of seconds): too long to report over time",
                 LT_REPORT_MAX_POINTS);
        return NULL;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct lt_report_point *p;
        if (cap > LT_REPORT_MAX_POINTS)
            cap = LT_REPORT_MAX_POINTS;
        p = realloc(s->p, cap * sizeof(*p));
        if (!p) {
            lt_error(err, LT_E_NOMEM, "out of memory");
            return NULL;
        }
        s->p = p;
        s->cap = cap;
    }
    memset(&s->p[s->n], 0, sizeof(s->p[0]));
    return &s->p[s->n++];
}

/* The slot of a status code in the points: its own while there is room, else "other". */
static size_t code_slot(struct lt_report_series *s, int code)
{
    for (size_t i = 0; i < s->ncodes; i++)
        if (s->codes[i] == code)
            return i;
    if (s->ncodes < LT_REPORT_CODES) {
        s->codes[s->ncodes] = code;
        return s->ncodes++;
    }
    return LT_REPORT_CODES;
}

int lt_report_series_add(struct lt_report_series *s, const struct lt_stats *iv, struct lt_err *err)
{
    int64_t k = iv->start_ns / SEC_NS;
    const struct lt_hist *lat = &iv->h[LT_RH_LATENCY];
    struct lt_report_point *p;

    /* seconds without a section are seconds in which nothing happened */
    while ((int64_t)s->n < k) {
        if (!(p = grow(s, err)))
            return err ? err->code : LT_E_LIMIT;
        p->start_ns = (int64_t)(s->n - 1) * SEC_NS;
        p->dur_ns = SEC_NS;
    }
    if (!(p = grow(s, err)))
        return err ? err->code : LT_E_LIMIT;
    p->start_ns = iv->start_ns;
    p->dur_ns = iv->dur_ns;
    memcpy(p->c, iv->c, sizeof(p->c));
    for (int i = 0; i < 4; i++)
        p->errors += iv->c[LT_RC_ERR_CONNECT + i];
    p->failed = iv->c[LT_RC_COMPLETED] - iv->c[LT_RC_OK] + p->errors + iv->c[LT_RC_NOT_SENT];
    p->lat_count = lat->count;
    for (int i = 0; i < LT_REPORT_NPCT; i++)
        p->lat_ms[i] = (double)lt_hist_percentile(lat, lt_report_pcts[i]) / 1e6;
    p->lat_min_ms = lat->count ? (double)lat->min / 1e6 : 0;
    p->lat_mean_ms = lt_hist_mean(lat) / 1e6;
    p->svc_p99_ms = (double)lt_hist_percentile(&iv->h[LT_RH_SERVICE], 99) / 1e6;
    p->lag_p99_ms = (double)lt_hist_percentile(&iv->h[LT_RH_LAG], 99) / 1e6;
    for (int code = 0; code < LT_STATUS_CODES; code++)
        if (iv->status[code])
            p->codes[code_slot(s, code)] += iv->status[code];
    return 0;
}

/* Puts the codes in increasing order (they were taken in order of appearance). */
static void sort_codes(struct lt_report_series *s)
{
    for (size_t i = 1; i < s->ncodes; i++)
        for (size_t j = i; j > 0 && s->codes[j - 1] > s->codes[j]; j--) {
            int c = s->codes[j];
            s->codes[j] = s->codes[j - 1];
            s->codes[j - 1] = c;
            for (size_t k = 0; k < s->n; k++) {
                uint64_t v = s->p[k].codes[j];
                s->p[k].codes[j] = s->p[k].codes[j - 1];
                s->p[k].codes[j - 1] = v;
            }
        }
}

struct src {
    const char *path;
    struct lt_results_reader *r;
    struct lt_results_section sec;
    int have;
};

/* The next interval section of a file (totals are passed over). */
static int advance(struct src *f, struct lt_err *err)
{
    int rc;

    while ((rc = lt_results_reader_next(f->r, &f->sec, err)) == 1)
        if (f->sec.kind == LT_RESULTS_INTERVAL) {
            f->have = 1;
            return 0;
        }
    f->have = 0;
    if (rc == 0 || rc == LT_E_TRUNCATED) /* not closed: its complete intervals count */
        return 0;
    lt_err_prefix(err, "'%s'", f->path);
    return rc;
}

/* The version (of the first file) and the run's start (the earliest shard's). */
static void meta_of(struct lt_report_series *s, const char *json)
{
    cJSON *m = json ? cJSON_Parse(json) : NULL;
    const cJSON *v;
    uint64_t start;

    if (!m)
        return;
    if (!s->version[0] && cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(m, "version")))
        snprintf(s->version, sizeof(s->version), "%s", v->valuestring);
    if (lt_json_get_u64(cJSON_GetObjectItemCaseSensitive(m, "start_unix_ns"), &start) == 0 &&
        start > 0 && start <= INT64_MAX &&
        (s->start_unix_ns == 0 || (int64_t)start < s->start_unix_ns))
        s->start_unix_ns = (int64_t)start;
    cJSON_Delete(m);
}

int lt_report_series_load(struct lt_report_series *s, const char *const *paths, size_t n,
                          struct lt_err *err)
{
    struct src *f = calloc(n ? n : 1, sizeof(*f));
    struct lt_stats acc;
    int rc = 0, have_acc = 0;

    if (!f)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    if ((rc = lt_stats_init(&acc)) != 0) {
        lt_error(err, rc, "out of memory");
        goto out;
    }
    have_acc = 1;
    for (size_t i = 0; i < n; i++) {
        f[i].path = paths[i];
        if (!(f[i].r = lt_results_reader_open(paths[i], err))) {
            rc = err ? err->code : LT_E_IO;
            goto out;
        }
        meta_of(s, lt_results_reader_meta(f[i].r));
        if ((rc = advance(&f[i], err)) != 0)
            goto out;
    }
    for (;;) {
        int64_t k = -1;
        for (size_t i = 0; i < n; i++) {
            int64_t ki = (int64_t)(f[i].sec.start_ns / SEC_NS);
            if (f[i].have && (k < 0 || ki < k))
                k = ki;
        }
        if (k < 0)
            break;
        if (k >= LT_REPORT_MAX_POINTS) {
            rc = lt_error(err, LT_E_LIMIT,
                          "more than %d intervals (24 h of seconds): too long to report over time",
                          LT_REPORT_MAX_POINTS);
            goto out;
        }
        lt_stats_reset(&acc);
        for (size_t i = 0; i < n; i++)
            if (f[i].have && (int64_t)(f[i].sec.start_ns / SEC_NS) == k) {
                if ((rc = lt_stats_add_section(&acc, &f[i].sec, err)) != 0) {
                    lt_err_prefix(err, "'%s'", f[i].path);
                    goto out;
                }
                if ((rc = advance(&f[i], err)) != 0)
                    goto out;
            }
        acc.start_ns = k * SEC_NS;
        if ((rc = lt_report_series_add(s, &acc, err)) != 0)
            goto out;
    }
    sort_codes(s);
out:
    for (size_t i = 0; i < n; i++)
        lt_results_reader_free(f[i].r);
    free(f);
    if (have_acc)
        lt_stats_release(&acc);
    return rc;
}
