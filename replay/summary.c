/*
 * summary.c - the derived numbers of DESIGN.md §4 (counters, rates,
 * percentiles), their JSON object and text table, and --slo thresholds.
 * replay and report both print through here, so they print the same.
 */
#include "lt_replay.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double quantiles[8] = {-1, -1, 50, 90, 95, 99, 99.9, -1};
static const char *const qnames[8] = {"min", "mean", "p50", "p90", "p95", "p99", "p999", "max"};
static const char *const hnames[LT_RESULTS_NHIST] = {"latency_ms", "service_ms", "lag_ms"};

void lt_summary_compute(struct lt_summary *sum, const struct lt_stats *s)
{
    const uint64_t *c = s->c;
    uint64_t denom;

    memset(sum, 0, sizeof(*sum));
    sum->duration_s = (double)s->dur_ns / 1e9;
    sum->scheduled = c[LT_RC_SCHEDULED];
    sum->sent = c[LT_RC_SENT];
    sum->completed = c[LT_RC_COMPLETED];
    sum->ok = c[LT_RC_OK];
    sum->skipped = c[LT_RC_SKIPPED];
    sum->abandoned = c[LT_RC_ABANDONED];
    for (int i = 0; i < 4; i++) {
        sum->err_class[i] = c[LT_RC_ERR_CONNECT + i];
        sum->errors += sum->err_class[i];
    }
    sum->not_sent = c[LT_RC_NOT_SENT];
    sum->tape_skipped = c[LT_RC_TAPE_SKIPPED];
    {
        uint64_t out = sum->sent + sum->skipped + sum->not_sent;
        uint64_t done = sum->completed + sum->errors + sum->abandoned;
        sum->no_outcome = (sum->scheduled > out ? sum->scheduled - out : 0) +
                          (sum->sent > done ? sum->sent - done : 0);
    }
    sum->failed = sum->completed - sum->ok + sum->errors + sum->not_sent;
    sum->mismatched = c[LT_RC_MISMATCHED];
    sum->bytes_sent = c[LT_RC_BYTES_SENT];
    sum->bytes_received = c[LT_RC_BYTES_RECEIVED];
    denom = sum->completed + sum->errors + sum->not_sent;
    sum->error_rate = denom ? (double)sum->failed / (double)denom : 0.0;
    /* over the send window (first to last intended send, plus the last one's
     * service time), not the drain after it; the run's length when unknown */
    {
        double window = c[LT_RC_FIRST_SEND_NS] && c[LT_RC_WINDOW_END_NS] > c[LT_RC_FIRST_SEND_NS]
                            ? (double)(c[LT_RC_WINDOW_END_NS] - c[LT_RC_FIRST_SEND_NS]) / 1e9
                            : sum->duration_s;
        sum->events = c[LT_RC_EVENTS];
        sum->throughput_rps = window > 0 ? (double)sum->completed / window : 0.0;
        sum->events_per_s = window > 0 ? (double)sum->events / window : 0.0;
    }
    for (int h = 0; h < LT_RESULTS_NHIST; h++) {
        const struct lt_hist *hh = &s->h[h];
        sum->hist_count[h] = hh->count;
        for (int q = 0; q < 8; q++) {
            uint64_t v;
            if (q == LT_Q_MIN)
                v = hh->count ? hh->min : 0;
            else if (q == LT_Q_MAX)
                v = hh->max;
            else if (q == LT_Q_MEAN) {
                sum->ms[h][q] = lt_hist_mean(hh) / 1e6;
                continue;
            } else
                v = lt_hist_percentile(hh, quantiles[q]);
            sum->ms[h][q] = (double)v / 1e6;
        }
    }
    sum->held = c[LT_RC_HELD];
    sum->interrupted = c[LT_RC_INTERRUPTED] > 0;
    sum->late = lt_hist_count_above(&s->h[LT_RH_LAG], 1000000);
    if (sum->late * 100 > sum->hist_count[LT_RH_LAG] && sum->late >= LT_CLIENT_BOUND_MIN) {
        sum->client_bound = sum->lag_bound = 1;
        snprintf(sum->client_bound_reason, sizeof(sum->client_bound_reason),
                 "scheduler lag p99 %.2f ms (over 1 ms)", sum->ms[LT_RH_LAG][LT_Q_P99]);
    } else if (sum->held * 100 > sum->scheduled && sum->held >= LT_CLIENT_BOUND_MIN) {
        sum->client_bound = 1;
        snprintf(sum->client_bound_reason, sizeof(sum->client_bound_reason),
                 "%.1f%% of requests waited over 1 ms for a free connection (-c)",
                 100.0 * (double)sum->held / (double)sum->scheduled);
    }
}

/* ---- thresholds -------------------------------------------------------- */

static int metric_of(const char *name, size_t len)
{
    for (int q = 0; q < 8; q++)
        if (strlen(qnames[q]) == len && strncmp(qnames[q], name, len) == 0)
            return q;
    if (len == 10 && strncmp(name, "error_rate", 10) == 0)
        return LT_SLO_ERROR_RATE;
    if (len == 10 && strncmp(name, "throughput", 10) == 0)
        return LT_SLO_THROUGHPUT;
    return -1;
}

/* Position of p in the whole expression, 1-based, as errors name it. */
#define COL(p) ((size_t)((p)-expr) + 1)

/* "term 2 'error_rate<1', character 23: WHY": which term, which character. */
static int term_error(struct lt_err *err, int n, const char *s, size_t len, size_t col,
                      const char *fmt, ...) LT_PRINTF(6, 7);
static int term_error(struct lt_err *err, int n, const char *s, size_t len, size_t col,
                      const char *fmt, ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return lt_error(err, LT_E_USAGE, "term %d '%.*s', character %zu: %s", n, (int)len, s, col, why);
}

/*
 * Parses one term, expr[s..s+len) without the separators: METRIC OP VALUE
 * with optional spaces around the operator. n is its 1-based number. Errors
 * name the term and the character of the whole expression that is wrong.
 * The term is stored without spaces ("p99 < 200ms" -> "p99<200ms").
 */
static int parse_term(struct lt_slo_term *t, const char *expr, const char *s, size_t len, int n,
                      struct lt_err *err)
{
    const char *end = s + len, *m, *op, *v, *ve;
    char val[48];
    struct lt_err e2;
    int64_t ns;

    while (end > s && end[-1] == ' ')
        end--;
    len = (size_t)(end - s);
    for (m = s; m < end && ((*m >= 'a' && *m <= 'z') || (*m >= '0' && *m <= '9') || *m == '_'); m++)
        ;
    if (m == s)
        return term_error(
            err, n, s, len, COL(s),
            "expected a metric (p50, p90, p95, p99, p999, max, mean, error_rate, throughput)");
    t->metric = metric_of(s, (size_t)(m - s));
    if (t->metric < 0)
        return term_error(err, n, s, len, COL(s),
                          "unknown metric '%.*s' (p50, p90, p95, p99, p999, max, mean, error_rate, "
                          "throughput)",
                          (int)(m - s), s);
    for (op = m; op < end && *op == ' '; op++)
        ;
    if (op == end || (*op != '<' && *op != '>'))
        return term_error(err, n, s, len, COL(op),
                          "expected < <= > or >= after '%.*s', not %s%.1s%s", (int)(m - s), s,
                          op == end ? "the end" : "'", op == end ? "" : op, op == end ? "" : "'");
    t->op = *op;
    v = op + 1;
    if (v < end && *v == '=') {
        t->op = t->op == '<' ? 'l' : 'g';
        v++;
    }
    while (v < end && *v == ' ')
        v++;
    if (v == end)
        return term_error(err, n, s, len, COL(v), "expected a value after '%.*s'", (int)(v - s), s);
    for (ve = v; ve < end && *ve != ' '; ve++)
        ;
    if (ve != end)
        return term_error(err, n, s, len, COL(ve), "unexpected space inside the value");
    if ((size_t)(end - v) >= sizeof(val))
        return term_error(err, n, s, len, COL(v), "value too long");
    memcpy(val, v, (size_t)(end - v));
    val[end - v] = '\0';
    if ((size_t)(m - s) + (size_t)(v - op) + strlen(val) >= sizeof(t->expr))
        return term_error(err, n, s, len, COL(s), "term too long");
    snprintf(t->expr, sizeof(t->expr), "%.*s%.*s%s", (int)(m - s), s,
             t->op == '<' || t->op == '>' ? 1 : 2, op, val);
    if (t->metric == LT_SLO_ERROR_RATE) {
        double x;
        /* "1" could be 1% or 100%: a bare number must be a fraction below 1 */
        if (!strchr(val, '%') && lt_parse_double(val, &x, &e2) == 0 && x >= 1)
            return term_error(err, n, s, len, COL(v), "'%s' is ambiguous: write %s%% or %g", val,
                              val, x / 100);
        if (lt_parse_fraction(val, &t->limit, &e2))
            return term_error(err, n, s, len, COL(v), "%s", e2.msg);
    } else if (t->metric == LT_SLO_THROUGHPUT) {
        if (lt_parse_rate(val, &t->limit, &e2))
            return term_error(err, n, s, len, COL(v), "%s", e2.msg);
    } else {
        size_t vl = strlen(val);
        /* a latency needs its unit: "200" alone is too easy to misread */
        if (!(val[vl - 1] >= 'a' && val[vl - 1] <= 'z'))
            return term_error(err, n, s, len, COL(v), "the value '%s' needs a unit (200ms)", val);
        if (lt_parse_duration(val, &ns, &e2))
            return term_error(err, n, s, len, COL(v), "%s", e2.msg);
        t->limit = (double)ns / 1e6;
    }
    return 0;
}

/*
 * 'p50<50ms, p99 < 200ms; error_rate<1%': terms separated by ',' or ';',
 * with spaces allowed around terms and operators; a trailing separator is
 * fine, an empty term between two is not.
 */
int lt_slo_parse(struct lt_slo *slo, const char *expr, struct lt_err *err)
{
    const char *p = expr;
    int n = 0;

    while (*p) {
        size_t len;

        while (*p == ' ')
            p++;
        if (!*p)
            break;
        len = strcspn(p, ",;");
        n++;
        if (len == 0)
            return lt_error(err, LT_E_USAGE, "term %d, character %zu: empty term before '%c'", n,
                            COL(p), *p);
        if (slo->n >= LT_SLO_MAX)
            return lt_error(err, LT_E_USAGE, "too many thresholds (at most %d)", LT_SLO_MAX);
        if (parse_term(&slo->t[slo->n], expr, p, len, n, err))
            return LT_E_USAGE;
        slo->n++;
        p += len;
        if (*p)
            p++;
    }
    if (slo->n == 0)
        return lt_error(err, LT_E_USAGE, "empty threshold expression");
    return 0;
}
#undef COL

double lt_slo_value(const struct lt_slo_term *t, const struct lt_summary *sum)
{
    if (t->metric == LT_SLO_ERROR_RATE)
        return sum->error_rate;
    if (t->metric == LT_SLO_THROUGHPUT)
        return sum->throughput_rps;
    return sum->ms[LT_RH_LATENCY][t->metric];
}

/* The share of answers a latency percentile term reaches past: 1% for p99. */
static double tail_of(int metric)
{
    return metric >= LT_Q_P50 && metric <= LT_Q_P999 ? 1.0 - quantiles[metric] / 100.0 : -1;
}

int lt_slo_service_fails(const struct lt_slo_term *t, const struct lt_summary *sum)
{
    double v;

    if (t->metric == LT_SLO_ERROR_RATE || t->metric == LT_SLO_THROUGHPUT ||
        sum->hist_count[LT_RH_SERVICE] == 0 || (t->op != '<' && t->op != 'l') || sum->lag_bound)
        return 0;
    v = sum->ms[LT_RH_SERVICE][t->metric];
    return t->op == '<' ? !(v < t->limit) : !(v <= t->limit);
}

int lt_slo_pass(const struct lt_slo_term *t, const struct lt_summary *sum)
{
    double v = lt_slo_value(t, sum);

    if (t->metric != LT_SLO_ERROR_RATE && t->metric != LT_SLO_THROUGHPUT) {
        /* no latency measured is no pass ("no data") */
        if (sum->hist_count[LT_RH_LATENCY] == 0)
            return 0;
        /* failures the histogram cannot hold (refused, reset) are past any tail they exceed */
        if (tail_of(t->metric) >= 0 && (t->op == '<' || t->op == 'l') &&
            sum->error_rate > tail_of(t->metric))
            return 0;
    }
    switch (t->op) {
    case '<':
        return v < t->limit;
    case 'l':
        return v <= t->limit;
    case '>':
        return v > t->limit;
    default:
        return v >= t->limit;
    }
}

enum lt_verdict lt_summary_verdict(const struct lt_summary *sum, const struct lt_slo *slo)
{
    int breach = 0, timing_breach = 0;

    for (size_t i = 0; slo && i < slo->n; i++)
        if (!lt_slo_pass(&slo->t[i], sum)) {
            breach = 1;
            /* the target's own time failing it is the target's breach (unless loadtape was
             * too slow to read the answers in time: then that time is not the target's) */
            timing_breach |=
                slo->t[i].metric != LT_SLO_ERROR_RATE && !lt_slo_service_fails(&slo->t[i], sum);
        }
    if (sum->interrupted || sum->no_outcome || sum->tape_skipped)
        return LT_VERDICT_INCONCLUSIVE;
    if (timing_breach && sum->client_bound)
        return LT_VERDICT_INCONCLUSIVE; /* its latency holds the client's own delay */
    return breach ? LT_VERDICT_BREACH : LT_VERDICT_PASS;
}

/* ---- run parameters ------------------------------------------------------------ */

void lt_run_meta_from_json(struct lt_run_meta *meta, const char *json)
{
    cJSON *m = json ? cJSON_Parse(json) : NULL;
    const cJSON *v;

    if (!m)
        return;
#define STR(key, field)                                                                            \
    if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(m, key)))                              \
    snprintf(meta->field, sizeof(meta->field), "%s", v->valuestring)
    STR("mode", mode);
    STR("target", target);
    STR("tape", tape);
    STR("engine", engine);
    STR("spike", spike);
#undef STR
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(m, "speed")))
        meta->speed = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(m, "rate")))
        meta->rate = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(m, "connections")) &&
        v->valuedouble >= 0)
        meta->connections = (uint64_t)v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(m, "threads")) && v->valuedouble >= 0)
        meta->threads = (int)v->valuedouble;
    cJSON_Delete(m);
}

/* ---- JSON ------------------------------------------------------------------ */

/* Rounds to 3 decimals so the JSON shows 1.234, not 1.2340000000000002. */
static double r3(double v)
{
    return round(v * 1000.0) / 1000.0;
}

static double r6(double v)
{
    return round(v * 1e6) / 1e6;
}

/* The numbers of one window (the run, or a group): requests to bytes; nhist histograms. */
static void numbers_json(cJSON *o, const struct lt_summary *sum, const struct lt_stats *s,
                         int nhist)
{
    cJSON *req, *st, *er, *b;
    char code[8];

    req = cJSON_AddObjectToObject(o, "requests");
    cJSON_AddNumberToObject(req, "scheduled", (double)sum->scheduled);
    cJSON_AddNumberToObject(req, "sent", (double)sum->sent);
    cJSON_AddNumberToObject(req, "completed", (double)sum->completed);
    cJSON_AddNumberToObject(req, "ok", (double)sum->ok);
    cJSON_AddNumberToObject(req, "failed", (double)sum->failed);
    cJSON_AddNumberToObject(req, "errors", (double)sum->errors);
    cJSON_AddNumberToObject(req, "skipped", (double)sum->skipped);
    cJSON_AddNumberToObject(req, "abandoned", (double)sum->abandoned);
    cJSON_AddNumberToObject(req, "mismatched", (double)sum->mismatched);
    cJSON_AddNumberToObject(req, "held", (double)sum->held);
    cJSON_AddNumberToObject(req, "not_sent_target_stalled", (double)sum->not_sent);
    if (sum->no_outcome)
        cJSON_AddNumberToObject(req, "no_outcome", (double)sum->no_outcome);
    st = cJSON_AddObjectToObject(o, "status");
    for (int i = 0; i < LT_STATUS_CODES; i++)
        if (s->status[i]) {
            snprintf(code, sizeof(code), "%d", i);
            cJSON_AddNumberToObject(st, code, (double)s->status[i]);
        }
    er = cJSON_AddObjectToObject(o, "errors");
    cJSON_AddNumberToObject(er, "connect", (double)sum->err_class[0]);
    cJSON_AddNumberToObject(er, "timeout", (double)sum->err_class[1]);
    cJSON_AddNumberToObject(er, "reset", (double)sum->err_class[2]);
    cJSON_AddNumberToObject(er, "other", (double)sum->err_class[3]);
    cJSON_AddNumberToObject(o, "error_rate", r6(sum->error_rate));
    cJSON_AddNumberToObject(o, "throughput_rps", r3(sum->throughput_rps));
    cJSON_AddNumberToObject(o, "events", (double)sum->events);
    cJSON_AddNumberToObject(o, "events_per_s", r3(sum->events_per_s));
    for (int h = 0; h < nhist; h++) {
        cJSON *ho = cJSON_AddObjectToObject(o, hnames[h]);
        for (int q = 0; q < 8; q++)
            cJSON_AddNumberToObject(ho, qnames[q], r3(sum->ms[h][q]));
        cJSON_AddNumberToObject(ho, "count", (double)sum->hist_count[h]);
    }
    b = cJSON_AddObjectToObject(o, "bytes");
    cJSON_AddNumberToObject(b, "sent", (double)sum->bytes_sent);
    cJSON_AddNumberToObject(b, "received", (double)sum->bytes_received);
}

struct cJSON *lt_summary_json(const struct lt_summary *sum, const struct lt_stats *s,
                              const struct lt_run_meta *meta, const struct lt_slo *slo)
{
    cJSON *o = cJSON_CreateObject(), *run;

    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "mode", meta->mode);
    cJSON_AddStringToObject(o, "target", meta->target);
    cJSON_AddNumberToObject(o, "duration_s", r3(sum->duration_s));
    numbers_json(o, sum, s, LT_RESULTS_NHIST);
    if (slo && slo->n) {
        cJSON *arr = cJSON_AddArrayToObject(o, "slo");
        for (size_t i = 0; i < slo->n; i++) {
            cJSON *t = cJSON_CreateObject();
            double v = lt_slo_value(&slo->t[i], sum);
            cJSON_AddStringToObject(t, "expr", slo->t[i].expr);
            cJSON_AddNumberToObject(t, "value",
                                    slo->t[i].metric == LT_SLO_ERROR_RATE ? r6(v) : r3(v));
            cJSON_AddBoolToObject(t, "pass", lt_slo_pass(&slo->t[i], sum));
            if (slo->t[i].metric != LT_SLO_ERROR_RATE && slo->t[i].metric != LT_SLO_THROUGHPUT &&
                sum->hist_count[LT_RH_LATENCY] == 0)
                cJSON_AddStringToObject(t, "note", "no data");
            cJSON_AddItemToArray(arr, t);
        }
    }
    cJSON_AddBoolToObject(o, "client_bound", sum->client_bound);
    if (sum->client_bound)
        cJSON_AddStringToObject(o, "client_bound_reason", sum->client_bound_reason);
    cJSON_AddBoolToObject(o, "interrupted", sum->interrupted);
    if (sum->no_outcome)
        cJSON_AddBoolToObject(o, "incomplete", 1);
    if (sum->tape_skipped)
        cJSON_AddNumberToObject(o, "tape_skipped", (double)sum->tape_skipped);
    if (meta->mixed)
        cJSON_AddBoolToObject(o, "mixed_runs", 1);
    run = cJSON_AddObjectToObject(o, "run");
    if (meta->tape[0])
        cJSON_AddStringToObject(run, "tape", meta->tape);
    else
        cJSON_AddNullToObject(run, "tape");
    if (strcmp(meta->mode, "speed") == 0)
        cJSON_AddNumberToObject(run, "speed", meta->speed);
    else
        cJSON_AddNullToObject(run, "speed");
    if (strcmp(meta->mode, "rate") == 0)
        cJSON_AddNumberToObject(run, "rate", meta->rate);
    else
        cJSON_AddNullToObject(run, "rate");
    if (meta->spike[0])
        cJSON_AddStringToObject(run, "spike", meta->spike);
    else
        cJSON_AddNullToObject(run, "spike");
    cJSON_AddNumberToObject(run, "connections", (double)meta->connections);
    if (meta->engine[0])
        cJSON_AddStringToObject(run, "engine", meta->engine);
    if (meta->threads)
        cJSON_AddNumberToObject(run, "threads", meta->threads);
    return o;
}

/* ---- text -------------------------------------------------------------------- */

/* "run         tape prod.tape, speed 2x, spike 10x:5s/30s, -c 64, native x2" */
static int run_line(struct lt_buf *out, const struct lt_run_meta *m)
{
    int rc = lt_buf_puts(out, "run        ");

    if (m->tape[0])
        rc |= lt_buf_printf(out, " tape %s,", m->tape);
    if (strcmp(m->mode, "speed") == 0)
        rc |= lt_buf_printf(out, " speed %gx,", m->speed);
    else if (strcmp(m->mode, "rate") == 0)
        rc |= lt_buf_printf(out, " rate %g/s,", m->rate);
    else
        rc |= lt_buf_printf(out, " %s,", m->mode);
    if (m->spike[0])
        rc |= lt_buf_printf(out, " spike %s,", m->spike);
    rc |= lt_buf_printf(out, " -c %llu", (unsigned long long)m->connections);
    if (m->engine[0])
        rc |= lt_buf_printf(out, ", %s engine", m->engine);
    if (m->threads)
        rc |= lt_buf_printf(out, ", %d thread%s", m->threads, m->threads == 1 ? "" : "s");
    return rc | lt_buf_putc(out, '\n');
}

int lt_summary_text(struct lt_buf *out, const struct lt_summary *sum, const struct lt_stats *s,
                    const struct lt_run_meta *meta, const struct lt_slo *slo)
{
    static const char *const rows[LT_RESULTS_NHIST] = {"latency", "service", "lag"};
    int rc = 0, n = 0;

    rc |= lt_buf_printf(out, "target      %s (%s)\n", meta->target, meta->mode);
    rc |= run_line(out, meta);
    rc |= lt_buf_printf(out, "duration    %.2fs\n", sum->duration_s);
    if (meta->mixed)
        rc |= lt_buf_puts(out, "MIXED       results of different runs merged (--merge-any)\n");
    if (sum->interrupted)
        rc |= lt_buf_puts(out,
                          "INTERRUPTED stopped by a signal: the numbers cover part of the run\n");
    if (sum->no_outcome)
        rc |= lt_buf_printf(out,
                            "INCOMPLETE  %llu requests have no outcome here: the results end\n"
                            "            before the run did, so the counters do not add up\n",
                            (unsigned long long)sum->no_outcome);
    if (sum->tape_skipped)
        rc |= lt_buf_printf(out,
                            "DAMAGED     %llu records of damaged tape blocks were skipped\n"
                            "            (--skip-damaged): the load sent was not the whole tape\n",
                            (unsigned long long)sum->tape_skipped);
    if (sum->client_bound)
        rc |= lt_buf_printf(out,
                            "CLIENT-BOUND %s\n"
                            "            latency includes loadtape's own delay\n",
                            sum->client_bound_reason);
    rc |= lt_buf_printf(out,
                        "requests    scheduled %llu, sent %llu, completed %llu\n"
                        "            ok %llu, failed %llu (%.2f%%)\n",
                        (unsigned long long)sum->scheduled, (unsigned long long)sum->sent,
                        (unsigned long long)sum->completed, (unsigned long long)sum->ok,
                        (unsigned long long)sum->failed, sum->error_rate * 100.0);
    if (sum->not_sent)
        rc |= lt_buf_printf(out,
                            "NOT SENT    %llu (counted as failures): every connection was busy\n"
                            "            until the end, the target stalled\n",
                            (unsigned long long)sum->not_sent);
    if (sum->skipped || sum->abandoned || sum->mismatched)
        rc |=
            lt_buf_printf(out, "            skipped %llu, abandoned %llu, status mismatches %llu\n",
                          (unsigned long long)sum->skipped, (unsigned long long)sum->abandoned,
                          (unsigned long long)sum->mismatched);
    rc |=
        lt_buf_printf(out, "errors      connect %llu, timeout %llu, reset %llu, other %llu\n",
                      (unsigned long long)sum->err_class[0], (unsigned long long)sum->err_class[1],
                      (unsigned long long)sum->err_class[2], (unsigned long long)sum->err_class[3]);
    rc |= lt_buf_puts(out, "status     ");
    for (int i = 0, col = 11; i < LT_STATUS_CODES; i++)
        if (s->status[i]) {
            char item[40];
            int len =
                snprintf(item, sizeof(item), " %d: %llu", i, (unsigned long long)s->status[i]);
            /* many distinct statuses wrap under the first, within 80 columns */
            if (n && col + 1 + len > 79) {
                rc |= lt_buf_puts(out, ",\n           ");
                col = 11;
            } else if (n) {
                rc |= lt_buf_puts(out, ",");
                col++;
            }
            rc |= lt_buf_puts(out, item);
            col += len;
            n++;
        }
    rc |= lt_buf_puts(out, n ? "\n" : " none\n");
    rc |= lt_buf_printf(out, "throughput  %.1f req/s, %.1f events/s\n", sum->throughput_rps,
                        sum->events_per_s);
    /* 11 + 8 x 8 = 75 columns: fewer decimals as values grow, never wider */
    rc |= lt_buf_printf(out, "\n%-11s", "ms");
    for (int q = 0; q < 8; q++)
        rc |= lt_buf_printf(out, " %7s", qnames[q]);
    rc |= lt_buf_puts(out, "\n");
    for (int h = 0; h < LT_RESULTS_NHIST; h++) {
        rc |= lt_buf_printf(out, "%-11s", rows[h]);
        for (int q = 0; q < 8; q++) {
            double v = sum->ms[h][q];
            rc |= lt_buf_printf(out, " %7.*f", v < 1000 ? 3 : v < 100000 ? 1 : 0, v);
        }
        rc |= lt_buf_puts(out, "\n");
    }
    if (slo && slo->n) {
        rc |= lt_buf_puts(out, "\n");
        for (size_t i = 0; i < slo->n; i++) {
            double v = lt_slo_value(&slo->t[i], sum);
            const char *unit = slo->t[i].metric == LT_SLO_ERROR_RATE   ? "%"
                               : slo->t[i].metric == LT_SLO_THROUGHPUT ? " req/s"
                                                                       : " ms";
            if (slo->t[i].metric == LT_SLO_ERROR_RATE)
                v *= 100.0;
            int timing =
                slo->t[i].metric != LT_SLO_ERROR_RATE && slo->t[i].metric != LT_SLO_THROUGHPUT;
            const char *how =
                lt_slo_pass(&slo->t[i], sum)                    ? "pass"
                : timing && sum->hist_count[LT_RH_LATENCY] == 0 ? "FAIL (no data)"
                : timing && sum->client_bound && !lt_slo_service_fails(&slo->t[i], sum)
                    ? "FAIL (inconclusive: client-bound)"
                    : "FAIL";
            rc |=
                lt_buf_printf(out, "slo         %-20s %.3f%s  %s\n", slo->t[i].expr, v, unit, how);
        }
    }
    return rc ? LT_E_NOMEM : 0;
}

/* ---- per-endpoint groups ---------------------------------------------------------- */

/* A group's name for people: "POST /collect/web", or "(other)". */
static void group_label(char *out, size_t n, const struct lt_report_group *g)
{
    snprintf(out, n, "%s%s%s", g->method, g->method[0] ? " " : "", g->name);
}

void lt_summary_groups_json(struct cJSON *o, const struct lt_report_group *g, size_t n)
{
    cJSON *arr;

    if (!n)
        return;
    arr = cJSON_AddArrayToObject(o, "groups");
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *go = cJSON_CreateObject();
        struct lt_summary sum;
        const char *stream = strncmp(g[i].name, "/collect/", 9) == 0 ? g[i].name + 9 : NULL;
        if (!go)
            return;
        lt_summary_compute(&sum, g[i].stats);
        cJSON_AddStringToObject(go, "method", g[i].method);
        cJSON_AddStringToObject(go, "path", g[i].name);
        if (stream)
            cJSON_AddStringToObject(go, "stream", stream);
        /* lag is the scheduler's, not an endpoint's: latency and service only */
        numbers_json(go, &sum, g[i].stats, LT_RH_LAG);
        cJSON_AddItemToArray(arr, go);
    }
}

int lt_summary_groups_text(struct lt_buf *out, const struct lt_report_group *g, size_t n)
{
    int rc = 0;

    if (!n)
        return 0;
    rc |= lt_buf_printf(out, "\n%-26s %9s %7s %9s %8s %8s %8s\n", "endpoint", "requests", "failed",
                        "req/s", "p50 ms", "p99 ms", "max ms");
    for (size_t i = 0; i < n; i++) {
        struct lt_summary sum;
        char label[LT_RESULTS_GROUP_METHOD_MAX + LT_RESULTS_GROUP_NAME_MAX + 2];
        lt_summary_compute(&sum, g[i].stats);
        group_label(label, sizeof(label), &g[i]);
        /* a long name takes its own line, the numbers go under the columns */
        if (strlen(label) > 26)
            rc |= lt_buf_printf(out, "%s\n%-26s", label, "");
        else
            rc |= lt_buf_printf(out, "%-26s", label);
        rc |= lt_buf_printf(out, " %9llu %7llu %9.1f %8.3f %8.3f %8.3f\n",
                            (unsigned long long)(sum.completed + sum.errors + sum.not_sent),
                            (unsigned long long)sum.failed, sum.throughput_rps,
                            sum.ms[LT_RH_LATENCY][LT_Q_P50], sum.ms[LT_RH_LATENCY][LT_Q_P99],
                            sum.ms[LT_RH_LATENCY][LT_Q_MAX]);
    }
    return rc ? LT_E_NOMEM : 0;
}
