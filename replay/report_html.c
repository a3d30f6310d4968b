/*
 * report_html.c - `report --format html`: one self-contained page (no
 * network, nothing fetched) with the summary, SLO, run and per-endpoint
 * tables and the charts of report_svg.c. Text from results files (tape,
 * target, spike, engine, version) and SLO expressions pass through
 * rs_html_esc(): a file is untrusted input.
 */
#include "report_svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the charts of a run ---------------------------------------------------------------- */

static const char *code_color(int code, size_t nth)
{
    static const char *const by_class[6][2] = {
        {"#8b949e", "#6e7781"}, {"#8b949e", "#6e7781"}, {"#2da44e", "#8ddb8c"},
        {"#1f9fb4", "#7fd4e0"}, {"#e8860c", "#f5c06f"}, {"#cf222e", "#f19a9f"},
    };
    int cls = code / 100;

    return by_class[cls >= 1 && cls <= 5 ? cls : 0][nth & 1];
}

static int charts(struct lt_buf *out, const struct lt_report *r)
{
    static const char *const pnames[LT_REPORT_NPCT] = {
        "p50", "p66", "p75", "p80", "p90", "p95", "p98", "p99", "p99.9", "p99.99", "max"};
    static const char *const ecls[4] = {"connect", "timeout", "reset", "other error"};
    static const char *const ecolors[4] = {"#8250df", "#953800", "#bf3989", "#57606a"};
    static const int latq[4] = {0, 4, 7, 10};
    static const char *const latcol[4] = {"#2da44e", "#1f6feb", "#e8860c", "#cf222e"};
    const struct lt_report_series *s = r->series;
    struct rs_cols c;
    struct lt_spike spike, *sp = NULL;
    struct rs_line rq[4] = {
        {"scheduled", "#8c959f", RS_COUNTER, LT_RC_SCHEDULED, s, &c, 0},
        {"sent", "#1f6feb", RS_COUNTER, LT_RC_SENT, s, &c, 0},
        {"completed", "#2da44e", RS_COUNTER, LT_RC_COMPLETED, s, &c, 0},
        {"failed", "#cf222e", RS_FAILED, 0, s, &c, 0},
    };
    struct rs_line lat[4], svc = {"service p99", "#8250df", RS_SVC99, 0, s, &c, 0},
                           lag = {"lag p99", "#953800", RS_LAG99, 0, s, &c, 0};
    struct rs_line st[LT_REPORT_CODES + 1 + 4 + 1];
    struct rs_curve dist = {"latency", "#1f6feb", &r->total->h[LT_RH_LATENCY], 0};
    struct lt_err err;
    const struct lt_report_find_max *fm = r->find_max;
    struct rs_shade sh = {NULL, NULL, NULL, 0, NULL};
    double ba[LT_FM_MAX_STEPS], bb[LT_FM_MAX_STEPS];
    size_t nst = 0;
    int rc = 0;

    if (r->meta->spike[0] && lt_spike_parse(r->meta->spike, &spike, &err) == 0)
        sp = &spike;
    sh.sp = sp;
    if (fm) {
        /* the judged part of each step: after its warm-up */
        for (size_t i = 0; i < fm->nsteps && i < LT_FM_MAX_STEPS; i++) {
            ba[i] = fm->steps[i].start_s + fm->steps[i].warmup_s;
            bb[i] = fm->steps[i].start_s + fm->steps[i].dur_s;
        }
        sh.a = ba;
        sh.b = bb;
        sh.n = fm->nsteps < LT_FM_MAX_STEPS ? fm->nsteps : LT_FM_MAX_STEPS;
        sh.what = "judged part of step";
    }
    memset(lat, 0, sizeof(lat));
    memset(st, 0, sizeof(st));
    for (int i = 0; i < 4; i++) {
        snprintf(lat[i].name, sizeof(lat[i].name), "%s", pnames[latq[i]]);
        lat[i].color = latcol[i];
        lat[i].kind = RS_LAT;
        lat[i].arg = (size_t)latq[i];
    }
    for (size_t i = 0; i < s->ncodes; i++) {
        snprintf(st[nst].name, sizeof(st[nst].name), "%d", s->codes[i]);
        st[nst].color = code_color(s->codes[i], i);
        st[nst].kind = RS_CODE;
        st[nst++].arg = i;
    }
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].codes[LT_REPORT_CODES]) {
            snprintf(st[nst].name, sizeof(st[nst].name), "other status");
            st[nst].color = "#6e7781";
            st[nst].kind = RS_CODE;
            st[nst++].arg = LT_REPORT_CODES;
            break;
        }
    for (int e = 0; e < 4; e++) {
        if (!r->total->c[LT_RC_ERR_CONNECT + e])
            continue;
        snprintf(st[nst].name, sizeof(st[nst].name), "%s", ecls[e]);
        st[nst].color = ecolors[e];
        st[nst].kind = RS_COUNTER;
        st[nst++].arg = LT_RC_ERR_CONNECT + (size_t)e;
    }
    if (r->total->c[LT_RC_NOT_SENT]) {
        snprintf(st[nst].name, sizeof(st[nst].name), "not sent");
        st[nst].color = "#24292f";
        st[nst].kind = RS_COUNTER;
        st[nst++].arg = LT_RC_NOT_SENT;
    }
    for (int i = 0; i < 4; i++)
        lat[i].s = s, lat[i].c = &c;
    for (size_t i = 0; i < nst; i++)
        st[i].s = s, st[i].c = &c;
    rc |= lt_buf_puts(out, "<section><h2>Over time</h2>");
    if (sp)
        rc |= lt_buf_puts(out, "<p class=\"note\"><i class=\"sw\"></i> shaded: spike windows</p>");
    if (fm)
        rc |= lt_buf_puts(out, "<p class=\"note\"><i class=\"bw\"></i> shaded: the judged part of "
                               "each find-max step (after its warm-up)</p>");
    if (s->n == 0) {
        rc |= lt_buf_puts(out, "<p>No intervals in the results: nothing to draw over time.</p>");
    } else {
        rs_cols_of(&c, s, rs_cols_per(s->n));
        if (c.per > 1)
            rc |= lt_buf_printf(out,
                                "<p class=\"note\">%zu s per point: rates are averaged, latencies "
                                "show each point's worst second.</p>",
                                c.per);
        rc |= lt_buf_puts(out, "<div class=\"grid\">");
        rc |= rs_chart_lines(out, "Requests per second", "/s", rq, 4, &sh);
        rc |= rs_chart_lines(out, "Latency (ms)", "ms", lat, 4, &sh);
        rc |= rs_chart_lines(out, "Service time p99 (ms)", "ms", &svc, 1, &sh);
        rc |= rs_chart_lines(out, "Scheduler lag p99 (ms)", "ms", &lag, 1, &sh);
        if (nst)
            rc |= rs_chart_stack(out, "Statuses and errors per second", st, nst, &sh);
        rc |= lt_buf_puts(out, "</div>");
    }
    rc |= lt_buf_puts(out, "</section>\n<section><h2>Distribution</h2><div class=\"grid\">");
    if (r->total->h[LT_RH_LATENCY].count)
        rc |= rs_chart_distribution(out, "Latency by percentile", &dist, 1);
    else
        rc |= lt_buf_puts(out, "<p>No latency was measured.</p>");
    return rc | lt_buf_puts(out, "</div></section>\n");
}

/* ---- a --find-max search: the answer, the steps, the knee -------------------------------- */

static int find_max_section(struct lt_buf *out, const struct lt_report *r)
{
    const struct lt_report_find_max *fm = r->find_max;
    double limit_ms = 0;
    char b[64];
    int rc = lt_buf_puts(out, "<section><h2>Find-max</h2><p class=\"answer\">");

    rc |= rs_html_esc(out, fm->answer);
    rc |= lt_buf_printf(out,
                        "</p><div class=\"scroll\"><table class=\"grid\"><tr><th>step</th>"
                        "<th>%s</th><th>req/s</th><th>p50 ms</th><th>p99 ms</th>"
                        "<th>errors</th><th>verdict</th></tr>",
                        fm->rate_mode ? "rate" : "speed");
    for (size_t i = 0; i < fm->nsteps; i++) {
        const struct lt_report_step *st = &fm->steps[i];
        int pass = strcmp(st->verdict, "pass") == 0;
        rc |=
            lt_buf_printf(out, "<tr class=\"%s\"><td>%zu</td><td>", pass ? "pass" : "fail", i + 1);
        rs_fmt_num(b, sizeof(b), st->point);
        rc |= lt_buf_printf(out, "%s%s</td><td>", b, fm->rate_mode ? "" : "x");
        rs_fmt_num(b, sizeof(b), st->rps);
        rc |= lt_buf_printf(out, "%s</td><td>", b);
        rs_fmt_num(b, sizeof(b), st->p50_ms);
        rc |= lt_buf_printf(out, "%s</td><td>", b);
        rs_fmt_num(b, sizeof(b), st->p99_ms);
        rc |= lt_buf_printf(out, "%s</td><td>", b);
        rs_fmt_num(b, sizeof(b), st->error_rate * 100);
        rc |= lt_buf_printf(out, "%s%%</td><td>", b);
        rc |= rs_html_esc(out, st->verdict);
        if (st->failed[0]) {
            rc |= lt_buf_puts(out, ": ");
            rc |= rs_html_esc(out, st->failed);
        }
        rc |= lt_buf_puts(out, "</td></tr>");
    }
    rc |= lt_buf_puts(out, "</table></div><div class=\"grid\">");
    /* a latency limit is drawn on the knee; p99 is what the chart plots */
    if (strncmp(fm->limit, "p99<", 4) == 0 || strncmp(fm->limit, "p99<=", 5) == 0) {
        const char *v = fm->limit + (fm->limit[4] == '=' ? 5 : 4);
        char *end;
        double x = strtod(v, &end);
        limit_ms = strcmp(end, "ms") == 0 ? x : strcmp(end, "s") == 0 ? x * 1000 : 0;
    }
    if (fm->nsteps)
        rc |=
            rs_chart_knee(out, "p99 against throughput, a point per step (the knee)", fm, limit_ms);
    return rc | lt_buf_puts(out, "</div></section>\n");
}

/* ---- tables ------------------------------------------------------------------------------ */

static int row_s(struct lt_buf *out, const char *k, const char *v)
{
    int rc = lt_buf_puts(out, "<tr><th>");
    rc |= rs_html_esc(out, k);
    rc |= lt_buf_puts(out, "</th><td>");
    rc |= rs_html_esc(out, v);
    return rc | lt_buf_puts(out, "</td></tr>");
}

static int row_u(struct lt_buf *out, const char *k, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
    return row_s(out, k, b);
}

static int row_d(struct lt_buf *out, const char *k, double v, const char *unit)
{
    char b[64], n[48];
    rs_fmt_num(n, sizeof(n), v);
    snprintf(b, sizeof(b), "%s%s", n, unit);
    return row_s(out, k, b);
}

static int summary_table(struct lt_buf *out, const struct lt_report *r)
{
    static const char *const ecls[4] = {"connect", "timeout", "reset", "other"};
    const struct lt_summary *sum = r->sum;
    struct lt_buf st;
    int rc = lt_buf_puts(out, "<div class=\"card\"><h2>Summary</h2><table class=\"kv\">");
    char b[160];

    rc |= row_d(out, "duration", sum->duration_s, " s");
    rc |= row_u(out, "scheduled", sum->scheduled);
    rc |= row_u(out, "sent", sum->sent);
    rc |= row_u(out, "completed", sum->completed);
    rc |= row_u(out, "ok", sum->ok);
    rc |= row_u(out, "failed", sum->failed);
    rc |= row_d(out, "error rate", sum->error_rate * 100, " %");
    rc |= row_d(out, "throughput", sum->throughput_rps, " req/s");
    if (sum->not_sent)
        rc |= row_u(out, "not sent (target stalled)", sum->not_sent);
    if (sum->skipped || sum->abandoned || sum->mismatched || sum->held) {
        snprintf(b, sizeof(b), "skipped %llu, abandoned %llu, mismatched %llu, held %llu",
                 (unsigned long long)sum->skipped, (unsigned long long)sum->abandoned,
                 (unsigned long long)sum->mismatched, (unsigned long long)sum->held);
        rc |= row_s(out, "not answered", b);
    }
    lt_buf_init(&st, 0);
    for (int e = 0; e < 4; e++)
        rc |= lt_buf_printf(&st, "%s%s %llu", e ? ", " : "", ecls[e],
                            (unsigned long long)sum->err_class[e]);
    rc |= lt_buf_cstr(&st);
    rc |= row_s(out, "errors", st.len ? (const char *)st.data : "");
    lt_buf_reset(&st);
    for (int code = 0; code < LT_STATUS_CODES; code++)
        if (r->total->status[code])
            rc |= lt_buf_printf(&st, "%s%d: %llu", st.len ? ", " : "", code,
                                (unsigned long long)r->total->status[code]);
    if (!st.len)
        rc |= lt_buf_puts(&st, "none");
    rc |= lt_buf_cstr(&st);
    rc |= row_s(out, "status", (const char *)st.data);
    lt_buf_release(&st);
    return rc | lt_buf_puts(out, "</table></div>\n");
}

static int run_table(struct lt_buf *out, const struct lt_report *r)
{
    const struct lt_run_meta *m = r->meta;
    const struct lt_report_series *s = r->series;
    char b[64];
    int rc = lt_buf_puts(out, "<div class=\"card\"><h2>Run</h2><table class=\"kv\">");

    rc |= row_s(out, "tape", m->tape[0] ? m->tape : "unknown");
    rc |= row_s(out, "target", m->target);
    rc |= row_s(out, "mode", m->mode);
    if (strcmp(m->mode, "speed") == 0)
        rc |= row_d(out, "speed", m->speed, "x");
    else if (strcmp(m->mode, "rate") == 0)
        rc |= row_d(out, "rate", m->rate, " req/s");
    rc |= row_s(out, "spike", m->spike[0] ? m->spike : "none");
    rc |= row_u(out, "connections (-c)", m->connections);
    if (m->engine[0])
        rc |= row_s(out, "engine", m->engine);
    if (m->threads)
        rc |= row_u(out, "threads", (uint64_t)m->threads);
    if (s && s->version[0])
        rc |= row_s(out, "loadtape version", s->version);
    if (s && s->start_unix_ns > 0) {
        lt_format_iso8601(s->start_unix_ns, 3, b, sizeof(b));
        rc |= row_s(out, "started", b);
    }
    if (r->nfiles > 1)
        rc |= row_u(out, "results files merged", (uint64_t)r->nfiles);
    rc |= row_s(out, "interrupted",
                r->sum->interrupted ? "yes: the numbers cover part of the run" : "no");
    rc |= row_s(out, "client-bound", r->sum->client_bound ? r->sum->client_bound_reason : "no");
    return rc | lt_buf_puts(out, "</table></div>\n");
}

static int slo_table(struct lt_buf *out, const struct lt_report *r)
{
    const struct lt_summary *sum = r->sum;
    int rc = 0;

    if (!r->slo || !r->slo->n)
        return 0;
    rc |= lt_buf_puts(out, "<div class=\"card\"><h2>Thresholds</h2><table>"
                           "<tr><th>term</th><th>value</th><th>result</th></tr>");
    for (size_t i = 0; i < r->slo->n; i++) {
        const struct lt_slo_term *t = &r->slo->t[i];
        int timing = t->metric != LT_SLO_ERROR_RATE && t->metric != LT_SLO_THROUGHPUT;
        int pass = lt_slo_pass(t, sum);
        double v = lt_slo_value(t, sum);
        const char *unit = t->metric == LT_SLO_ERROR_RATE   ? " %"
                           : t->metric == LT_SLO_THROUGHPUT ? " req/s"
                                                            : " ms";
        const char *how = pass                                            ? "pass"
                          : timing && sum->hist_count[LT_RH_LATENCY] == 0 ? "FAIL (no data)"
                          : timing && sum->client_bound ? "FAIL (inconclusive: client-bound)"
                                                        : "FAIL";
        if (t->metric == LT_SLO_ERROR_RATE)
            v *= 100;
        rc |= lt_buf_puts(out, "<tr><td>");
        rc |= rs_html_esc(out, t->expr);
        rc |= lt_buf_puts(out, "</td><td>");
        rc |= rs_put_num(out, v);
        rc |= lt_buf_printf(out, "%s</td><td class=\"%s\">%s</td></tr>", unit,
                            pass ? "pass" : "fail", how);
    }
    return rc | lt_buf_puts(out, "</table></div>\n");
}

static int latency_table(struct lt_buf *out, const struct lt_summary *sum)
{
    static const char *const rows[LT_RESULTS_NHIST] = {"latency", "service", "lag"};
    static const char *const cols[8] = {"min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"};
    int rc = lt_buf_puts(out, "<div class=\"card wide\"><h2>Latency (ms)</h2><div "
                              "class=\"scroll\"><table><tr><th></th>");

    for (int q = 0; q < 8; q++)
        rc |= lt_buf_printf(out, "<th>%s</th>", cols[q]);
    rc |= lt_buf_puts(out, "</tr>");
    for (int h = 0; h < LT_RESULTS_NHIST; h++) {
        rc |= lt_buf_printf(out, "<tr><th>%s</th>", rows[h]);
        for (int q = 0; q < 8; q++) {
            rc |= lt_buf_puts(out, "<td>");
            rc |= rs_put_num(out, sum->ms[h][q]);
            rc |= lt_buf_puts(out, "</td>");
        }
        rc |= lt_buf_puts(out, "</tr>");
    }
    return rc | lt_buf_puts(out, "</table></div></div>\n");
}

/* The per-endpoint breakdown: a row per group (shown only when the results have groups). */
static int groups_table(struct lt_buf *out, const struct lt_report *r)
{
    int rc = 0;

    if (!r->ngroups)
        return 0;
    rc |= lt_buf_puts(out, "<div class=\"card wide\"><h2>Endpoints</h2><div class=\"scroll\">"
                           "<table><tr><th>method</th><th>endpoint</th><th>requests</th>"
                           "<th>failed</th><th>req/s</th><th>p50</th><th>p90</th><th>p99</th>"
                           "<th>max</th></tr>");
    for (size_t i = 0; i < r->ngroups; i++) {
        struct lt_summary g;
        static const int qs[5] = {LT_Q_P50, LT_Q_P90, LT_Q_P99, LT_Q_MAX, -1};
        lt_summary_compute(&g, r->groups[i].stats);
        rc |= lt_buf_puts(out, "<tr><td>");
        rc |= rs_html_esc(out, r->groups[i].method);
        rc |= lt_buf_puts(out, "</td><td>");
        rc |= rs_html_esc(out, r->groups[i].name);
        rc |= lt_buf_printf(out, "</td><td>%llu</td><td>%llu</td><td>",
                            (unsigned long long)(g.completed + g.errors + g.not_sent),
                            (unsigned long long)g.failed);
        rc |= rs_put_num(out, g.throughput_rps);
        for (int q = 0; qs[q] >= 0; q++) {
            rc |= lt_buf_puts(out, "</td><td>");
            rc |= rs_put_num(out, g.ms[LT_RH_LATENCY][qs[q]]);
        }
        rc |= lt_buf_puts(out, "</td></tr>");
    }
    return rc | lt_buf_puts(out, "</table></div></div>\n");
}

/* ---- the page ------------------------------------------------------------------------------ */

int lt_report_html(struct lt_buf *out, const struct lt_report *r)
{
    const struct lt_run_meta *m = r->meta;
    const struct lt_summary *sum = r->sum;
    int rc = 0;

    rc |= lt_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                           "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                           "<title>loadtape report: ");
    rc |= rs_html_esc(out, m->tape[0] ? m->tape : m->target);
    rc |= lt_buf_printf(out,
                        "</title><style>%s</style></head><body>\n<header><h1>loadtape report</h1>"
                        "<p class=\"sub\">",
                        rs_css);
    rc |= rs_html_esc(out, m->tape[0] ? m->tape : "(tape unknown)");
    rc |= lt_buf_puts(out, " &rarr; ");
    rc |= rs_html_esc(out, m->target);
    rc |= lt_buf_puts(out, "</p>");
    if (sum->interrupted)
        rc |= lt_buf_puts(out, "<span class=\"badge bad\">INTERRUPTED: the numbers cover part of "
                               "the run</span>");
    if (sum->client_bound) {
        rc |= lt_buf_puts(out, "<span class=\"badge warn\">CLIENT-BOUND: ");
        rc |= rs_html_esc(out, sum->client_bound_reason);
        rc |= lt_buf_puts(out, "</span>");
    }
    if (r->find_max) {
        rc |= lt_buf_puts(out, "<span class=\"badge warn\">FIND-MAX: ");
        rc |= rs_html_esc(out, r->find_max->answer);
        rc |= lt_buf_puts(out, "</span>");
    } else if (r->slo && r->slo->n) {
        enum lt_verdict v = lt_summary_verdict(sum, r->slo);
        rc |= lt_buf_puts(out, v == LT_VERDICT_PASS     ? "<span class=\"badge ok\">PASS</span>"
                               : v == LT_VERDICT_BREACH ? "<span class=\"badge bad\">FAIL</span>"
                                                        : "<span class=\"badge warn\">"
                                                          "INCONCLUSIVE</span>");
    }
    rc |= lt_buf_puts(out, "</header>\n<main><div class=\"cards\">");
    rc |= summary_table(out, r);
    rc |= run_table(out, r);
    rc |= slo_table(out, r);
    rc |= latency_table(out, sum);
    rc |= groups_table(out, r);
    rc |= lt_buf_puts(out, "</div>\n");
    if (r->find_max)
        rc |= find_max_section(out, r);
    if (r->series)
        rc |= charts(out, r);
    rc |= lt_buf_printf(
        out, "</main><div id=\"tip\" hidden></div><script>%s</script></body></html>\n", rs_script);
    return rc ? LT_E_NOMEM : 0;
}

int lt_report_html_esc(struct lt_buf *out, const char *s)
{
    return rs_html_esc(out, s);
}
