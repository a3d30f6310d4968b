/*
 * report_csv.c - the report's tables as text: Locust's stats.csv and
 * stats_history.csv (same file names and column names, so tools reading
 * Locust's output read these; columns in docs/FORMAT.md "Report CSV"), and the
 * per-second table of `report --intervals` as text or JSON lines.
 */
#include "lt_replay.h"

#include <stdio.h>
#include <string.h>

#define SEC_NS 1000000000LL

/* A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
static int csv_str(struct lt_buf *out, const char *s)
{
    int rc = 0;

    if (!strpbrk(s, ",\"\r\n"))
        return lt_buf_puts(out, s);
    rc |= lt_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"')
            rc |= lt_buf_putc(out, '"');
        rc |= lt_buf_putc(out, (uint8_t)*s);
    }
    return rc | lt_buf_putc(out, '"');
}

static double rate(uint64_t n, int64_t dur_ns)
{
    return dur_ns > 0 ? (double)n * 1e9 / (double)dur_ns : 0.0;
}

static const char stats_header[] =
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n";

/* One stats.csv row for a window (a group or the whole run). */
static int stats_row(struct lt_buf *out, const char *type, const char *name,
                     const struct lt_stats *s)
{
    struct lt_summary sum;
    const struct lt_hist *lat = &s->h[LT_RH_LATENCY];
    uint64_t count;
    int rc = 0;

    lt_summary_compute(&sum, s);
    /* every request with an outcome, as Locust counts (failures included) */
    count = sum.completed + sum.errors + sum.not_sent;
    rc |= csv_str(out, type);
    rc |= lt_buf_putc(out, ',');
    rc |= csv_str(out, name);
    rc |= lt_buf_printf(out, ",%llu,%llu,%.3f,%.3f,%.3f,%.3f,%.1f,%.3f,%.3f",
                        (unsigned long long)count, (unsigned long long)sum.failed,
                        sum.ms[LT_RH_LATENCY][LT_Q_P50], sum.ms[LT_RH_LATENCY][LT_Q_MEAN],
                        sum.ms[LT_RH_LATENCY][LT_Q_MIN], sum.ms[LT_RH_LATENCY][LT_Q_MAX],
                        sum.completed ? (double)sum.bytes_received / (double)sum.completed : 0.0,
                        sum.throughput_rps,
                        sum.duration_s > 0 ? (double)sum.failed / sum.duration_s : 0.0);
    for (int i = 0; i < LT_REPORT_NPCT; i++)
        rc |= lt_buf_printf(out, ",%.3f", (double)lt_hist_percentile(lat, lt_report_pcts[i]) / 1e6);
    return rc | lt_buf_putc(out, '\n');
}

int lt_report_csv_stats(struct lt_buf *out, const struct lt_report *r)
{
    int rc = lt_buf_puts(out, stats_header);

    for (size_t i = 0; i < r->ngroups; i++)
        rc |= stats_row(out, r->groups[i].method, r->groups[i].name, r->groups[i].stats);
    rc |= stats_row(out, "", "Aggregated", r->total);
    return rc ? LT_E_NOMEM : 0;
}

static const char history_header[] =
    "Timestamp,Elapsed,Type,Name,Scheduled,Sent,Completed,OK,Failed,Connect Errors,Timeouts,"
    "Resets,Other Errors,Not "
    "Sent,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,"
    "100%,Service 99%,Lag 99%\n";

int lt_report_csv_history(struct lt_buf *out, const struct lt_report *r)
{
    const struct lt_report_series *s = r->series;
    int rc = lt_buf_puts(out, history_header);

    for (size_t i = 0; s && i < s->n; i++) {
        const struct lt_report_point *p = &s->p[i];
        /* Locust's Timestamp: Unix seconds (empty when the run's start is unknown) */
        if (s->start_unix_ns > 0)
            rc |=
                lt_buf_printf(out, "%lld", (long long)((s->start_unix_ns + p->start_ns) / SEC_NS));
        rc |= lt_buf_printf(
            out, ",%lld,,Aggregated,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.3f,%.3f",
            (long long)(p->start_ns / SEC_NS), (unsigned long long)p->c[LT_RC_SCHEDULED],
            (unsigned long long)p->c[LT_RC_SENT], (unsigned long long)p->c[LT_RC_COMPLETED],
            (unsigned long long)p->c[LT_RC_OK], (unsigned long long)p->failed,
            (unsigned long long)p->c[LT_RC_ERR_CONNECT],
            (unsigned long long)p->c[LT_RC_ERR_TIMEOUT], (unsigned long long)p->c[LT_RC_ERR_RESET],
            (unsigned long long)p->c[LT_RC_ERR_OTHER], (unsigned long long)p->c[LT_RC_NOT_SENT],
            rate(p->c[LT_RC_COMPLETED], p->dur_ns), rate(p->failed, p->dur_ns));
        for (int q = 0; q < LT_REPORT_NPCT; q++)
            rc |= lt_buf_printf(out, ",%.3f", p->lat_ms[q]);
        rc |= lt_buf_printf(out, ",%.3f,%.3f\n", p->svc_p99_ms, p->lag_p99_ms);
    }
    return rc ? LT_E_NOMEM : 0;
}

/* ---- report --intervals ----------------------------------------------------- */

/* Indexes into lt_report_pcts of the percentiles the interval table shows. */
enum { PI_P50 = 0, PI_P90 = 4, PI_P99 = 7, PI_P999 = 8, PI_MAX = 10 };

int lt_report_intervals_text(struct lt_buf *out, const struct lt_report_series *s)
{
    int rc = lt_buf_printf(out, "%6s %9s %9s %9s %7s %7s %9s %9s %9s %9s %9s %9s %9s\n", "t_s",
                           "scheduled", "sent", "completed", "failed", "errors", "req/s", "p50_ms",
                           "p90_ms", "p99_ms", "max_ms", "svc_p99", "lag_p99");

    for (size_t i = 0; i < s->n; i++) {
        const struct lt_report_point *p = &s->p[i];
        rc |= lt_buf_printf(
            out, "%6lld %9llu %9llu %9llu %7llu %7llu %9.1f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n",
            (long long)(p->start_ns / SEC_NS), (unsigned long long)p->c[LT_RC_SCHEDULED],
            (unsigned long long)p->c[LT_RC_SENT], (unsigned long long)p->c[LT_RC_COMPLETED],
            (unsigned long long)p->failed, (unsigned long long)p->errors,
            rate(p->c[LT_RC_COMPLETED], p->dur_ns), p->lat_ms[PI_P50], p->lat_ms[PI_P90],
            p->lat_ms[PI_P99], p->lat_ms[PI_MAX], p->svc_p99_ms, p->lag_p99_ms);
    }
    return rc ? LT_E_NOMEM : 0;
}

/* A JSON number with at most 3 decimals and no trailing zeros ("1.5", "2"). */
static int jnum(struct lt_buf *out, double v)
{
    char b[64];
    size_t n = (size_t)snprintf(b, sizeof(b), "%.3f", v);

    while (n > 0 && b[n - 1] == '0')
        n--;
    if (n > 0 && b[n - 1] == '.')
        n--;
    b[n] = '\0';
    if (strcmp(b, "-0") == 0)
        strcpy(b, "0");
    return lt_buf_puts(out, b);
}

static int jkey(struct lt_buf *out, const char *key, double v, int first)
{
    return lt_buf_printf(out, "%s\"%s\":", first ? "" : ",", key) | jnum(out, v);
}

int lt_report_intervals_jsonl(struct lt_buf *out, const struct lt_report_series *s)
{
    static const char *const ecls[4] = {"connect", "timeout", "reset", "other"};
    int rc = 0;

    for (size_t i = 0; i < s->n; i++) {
        const struct lt_report_point *p = &s->p[i];
        int first = 1;
        rc |= lt_buf_putc(out, '{');
        rc |= jkey(out, "t_s", (double)(p->start_ns / SEC_NS), 1);
        rc |= jkey(out, "dur_s", (double)p->dur_ns / 1e9, 0);
        rc |= jkey(out, "scheduled", (double)p->c[LT_RC_SCHEDULED], 0);
        rc |= jkey(out, "sent", (double)p->c[LT_RC_SENT], 0);
        rc |= jkey(out, "completed", (double)p->c[LT_RC_COMPLETED], 0);
        rc |= jkey(out, "ok", (double)p->c[LT_RC_OK], 0);
        rc |= jkey(out, "failed", (double)p->failed, 0);
        rc |= lt_buf_puts(out, ",\"errors\":{");
        for (int e = 0; e < 4; e++)
            rc |= jkey(out, ecls[e], (double)p->c[LT_RC_ERR_CONNECT + e], e == 0);
        rc |= lt_buf_puts(out, "}");
        rc |= jkey(out, "not_sent_target_stalled", (double)p->c[LT_RC_NOT_SENT], 0);
        rc |= lt_buf_puts(out, ",\"status\":{");
        for (size_t c = 0; c <= s->ncodes; c++) {
            size_t slot = c < s->ncodes ? c : LT_REPORT_CODES;
            char key[16];
            if (!p->codes[slot])
                continue;
            if (c < s->ncodes)
                snprintf(key, sizeof(key), "%d", s->codes[c]);
            else
                snprintf(key, sizeof(key), "other");
            rc |= jkey(out, key, (double)p->codes[slot], first);
            first = 0;
        }
        rc |= lt_buf_puts(out, "}");
        rc |= jkey(out, "throughput_rps", rate(p->c[LT_RC_COMPLETED], p->dur_ns), 0);
        rc |= lt_buf_puts(out, ",\"latency_ms\":{");
        rc |= jkey(out, "min", p->lat_min_ms, 1);
        rc |= jkey(out, "mean", p->lat_mean_ms, 0);
        rc |= jkey(out, "p50", p->lat_ms[PI_P50], 0);
        rc |= jkey(out, "p90", p->lat_ms[PI_P90], 0);
        rc |= jkey(out, "p99", p->lat_ms[PI_P99], 0);
        rc |= jkey(out, "p999", p->lat_ms[PI_P999], 0);
        rc |= jkey(out, "max", p->lat_ms[PI_MAX], 0);
        rc |= jkey(out, "count", (double)p->lat_count, 0);
        rc |= lt_buf_puts(out, "},\"service_ms\":{");
        rc |= jkey(out, "p99", p->svc_p99_ms, 1);
        rc |= lt_buf_puts(out, "},\"lag_ms\":{");
        rc |= jkey(out, "p99", p->lag_p99_ms, 1);
        rc |= lt_buf_puts(out, "}}\n");
    }
    return rc ? LT_E_NOMEM : 0;
}
