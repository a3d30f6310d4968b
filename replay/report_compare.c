/*
 * report_compare.c - `report A B --compare`: two runs side by side. Every
 * number is shown for A and for B with the difference B - A and its change
 * in percent of A; the page overlays B's charts (dashed) on A's.
 */
#include "report_svg.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The numbers compared, in order. */
enum { M_THROUGHPUT, M_ERROR_RATE, M_LAT, M_SVC, M_LAG };

struct metric {
    const char *name; /* for people */
    const char *key;  /* JSON: "throughput_rps", or a histogram's object */
    const char *qkey; /* JSON key inside it, NULL for a plain number */
    const char *unit;
    int kind, q;
};

static const struct metric metrics[] = {
    {"throughput", "throughput_rps", NULL, "req/s", M_THROUGHPUT, 0},
    {"error rate", "error_rate", NULL, "%", M_ERROR_RATE, 0},
    {"latency min", "latency_ms", "min", "ms", M_LAT, LT_Q_MIN},
    {"latency mean", "latency_ms", "mean", "ms", M_LAT, LT_Q_MEAN},
    {"latency p50", "latency_ms", "p50", "ms", M_LAT, LT_Q_P50},
    {"latency p90", "latency_ms", "p90", "ms", M_LAT, LT_Q_P90},
    {"latency p95", "latency_ms", "p95", "ms", M_LAT, LT_Q_P95},
    {"latency p99", "latency_ms", "p99", "ms", M_LAT, LT_Q_P99},
    {"latency p99.9", "latency_ms", "p999", "ms", M_LAT, LT_Q_P999},
    {"latency max", "latency_ms", "max", "ms", M_LAT, LT_Q_MAX},
    {"service p99", "service_ms", "p99", "ms", M_SVC, LT_Q_P99},
    {"lag p99", "lag_ms", "p99", "ms", M_LAG, LT_Q_P99},
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static double value_of(const struct metric *m, const struct lt_summary *s)
{
    switch (m->kind) {
    case M_THROUGHPUT:
        return s->throughput_rps;
    case M_ERROR_RATE:
        return s->error_rate * 100;
    case M_LAT:
        return s->ms[LT_RH_LATENCY][m->q];
    case M_SVC:
        return s->ms[LT_RH_SERVICE][m->q];
    default:
        return s->ms[LT_RH_LAG][m->q];
    }
}

/* The change in percent of A; NaN when A is 0 (no meaningful ratio). */
static double change(double a, double b)
{
    return a != 0 ? (b - a) * 100 / a : NAN;
}

static const char *label_of(const struct lt_report *r, const char *dflt)
{
    return r->label && r->label[0] ? r->label : dflt;
}

/* "tape t.tape, rate 100/s, spike 5x:2s/5s, -c 64, native" */
static int describe(struct lt_buf *out, const struct lt_run_meta *m)
{
    int rc = 0;

    if (m->tape[0])
        rc |= lt_buf_printf(out, "tape %s, ", m->tape);
    rc |= lt_buf_printf(out, "target %s, ", m->target);
    if (strcmp(m->mode, "speed") == 0)
        rc |= lt_buf_printf(out, "speed %gx", m->speed);
    else if (strcmp(m->mode, "rate") == 0)
        rc |= lt_buf_printf(out, "rate %g/s", m->rate);
    else
        rc |= lt_buf_puts(out, m->mode);
    if (m->spike[0])
        rc |= lt_buf_printf(out, ", spike %s", m->spike);
    rc |= lt_buf_printf(out, ", -c %llu", (unsigned long long)m->connections);
    if (m->engine[0])
        rc |= lt_buf_printf(out, ", %s", m->engine);
    return rc;
}

static int marks(struct lt_buf *out, const struct lt_summary *s)
{
    int rc = 0;

    if (s->interrupted)
        rc |= lt_buf_puts(out, " INTERRUPTED");
    if (s->client_bound)
        rc |= lt_buf_puts(out, " CLIENT-BOUND");
    return rc;
}

int lt_report_compare_text(struct lt_buf *out, const struct lt_report *a, const struct lt_report *b)
{
    const struct lt_report *r[2] = {a, b};
    int rc = 0;

    for (int i = 0; i < 2; i++) {
        rc |= lt_buf_printf(out, "%c  %s: ", 'A' + i, label_of(r[i], i ? "B" : "A"));
        rc |= describe(out, r[i]->meta);
        rc |= lt_buf_printf(out, "; %.2fs", r[i]->sum->duration_s);
        rc |= marks(out, r[i]->sum);
        rc |= lt_buf_putc(out, '\n');
    }
    rc |= lt_buf_printf(out, "\n%-20s %12s %12s %12s %9s\n", "", "A", "B", "B-A", "change");
    for (size_t k = 0; k < NMETRICS; k++) {
        const struct metric *m = &metrics[k];
        double va = value_of(m, a->sum), vb = value_of(m, b->sum), ch = change(va, vb);
        char name[48];
        snprintf(name, sizeof(name), "%s (%s)", m->name, m->unit);
        rc |= lt_buf_printf(out, "%-20s %12.3f %12.3f %+12.3f", name, va, vb, vb - va);
        if (isnan(ch))
            rc |= lt_buf_printf(out, " %9s\n", "-");
        else
            rc |= lt_buf_printf(out, " %+8.1f%%\n", ch);
    }
    return rc ? LT_E_NOMEM : 0;
}

static double r3(double v)
{
    return round(v * 1000.0) / 1000.0;
}

struct cJSON *lt_report_compare_json(const struct lt_report *a, const struct lt_report *b)
{
    cJSON *o = cJSON_CreateObject(), *d, *ja, *jb;

    if (!o)
        return NULL;
    ja = lt_summary_json(a->sum, a->total, a->meta, a->slo);
    jb = lt_summary_json(b->sum, b->total, b->meta, b->slo);
    if (!ja || !jb) {
        cJSON_Delete(ja);
        cJSON_Delete(jb);
        cJSON_Delete(o);
        return NULL;
    }
    if (a->label)
        cJSON_AddStringToObject(ja, "label", a->label);
    if (b->label)
        cJSON_AddStringToObject(jb, "label", b->label);
    cJSON_AddItemToObject(o, "a", ja);
    cJSON_AddItemToObject(o, "b", jb);
    d = cJSON_AddObjectToObject(o, "delta");
    for (size_t k = 0; k < NMETRICS; k++) {
        const struct metric *m = &metrics[k];
        double v = value_of(m, b->sum) - value_of(m, a->sum);
        cJSON *where = d;
        if (m->kind == M_ERROR_RATE)
            v /= 100; /* a fraction, as error_rate is */
        if (m->qkey) {
            where = cJSON_GetObjectItemCaseSensitive(d, m->key);
            if (!where)
                where = cJSON_AddObjectToObject(d, m->key);
        }
        cJSON_AddNumberToObject(where, m->qkey ? m->qkey : m->key,
                                m->kind == M_ERROR_RATE ? round(v * 1e6) / 1e6 : r3(v));
    }
    return o;
}

/* ---- the page --------------------------------------------------------------------------- */

static int cell_num(struct lt_buf *out, double v, const char *cls)
{
    int rc =
        lt_buf_printf(out, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    rc |= rs_put_num(out, v);
    return rc | lt_buf_puts(out, "</td>");
}

static int runs_table(struct lt_buf *out, const struct lt_report *r[2])
{
    int rc = lt_buf_puts(out, "<div class=\"card wide\"><h2>Runs</h2><div class=\"scroll\"><table "
                              "class=\"kv\"><tr><th></th><th>A</th><th>B</th></tr>");
    static const char *const rows[] = {"results", "run", "duration", "started", "marks"};

    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        rc |= lt_buf_printf(out, "<tr><th>%s</th>", rows[k]);
        for (int i = 0; i < 2; i++) {
            struct lt_buf t;
            char b[64];
            lt_buf_init(&t, 0);
            if (k == 0)
                rc |= lt_buf_puts(&t, label_of(r[i], i ? "B" : "A"));
            else if (k == 1)
                rc |= describe(&t, r[i]->meta);
            else if (k == 2)
                rc |= lt_buf_printf(&t, "%.2f s", r[i]->sum->duration_s);
            else if (k == 3 && r[i]->series && r[i]->series->start_unix_ns > 0) {
                lt_format_iso8601(r[i]->series->start_unix_ns, 3, b, sizeof(b));
                rc |= lt_buf_puts(&t, b);
            } else if (k == 4)
                rc |= marks(&t, r[i]->sum);
            rc |= lt_buf_cstr(&t);
            rc |= lt_buf_puts(out, "<td>");
            rc |= rs_html_esc(out, t.len ? (const char *)t.data : "");
            rc |= lt_buf_puts(out, "</td>");
            lt_buf_release(&t);
        }
        rc |= lt_buf_puts(out, "</tr>");
    }
    return rc | lt_buf_puts(out, "</table></div></div>\n");
}

static int delta_table(struct lt_buf *out, const struct lt_report *a, const struct lt_report *b)
{
    int rc = lt_buf_puts(out, "<div class=\"card wide\"><h2>A and B</h2><div class=\"scroll\">"
                              "<table><tr><th></th><th>A</th><th>B</th><th>B &minus; A</th>"
                              "<th>change</th></tr>");

    for (size_t k = 0; k < NMETRICS; k++) {
        const struct metric *m = &metrics[k];
        double va = value_of(m, a->sum), vb = value_of(m, b->sum), ch = change(va, vb);
        /* worse is red: less throughput, more of anything else */
        int worse = m->kind == M_THROUGHPUT ? vb < va : vb > va;
        rc |= lt_buf_printf(out, "<tr><th>%s (%s)</th>", m->name, m->unit);
        rc |= cell_num(out, va, NULL);
        rc |= cell_num(out, vb, NULL);
        rc |= cell_num(out, vb - va, va == vb ? NULL : worse ? "fail" : "pass");
        if (isnan(ch))
            rc |= lt_buf_puts(out, "<td>-</td>");
        else
            rc |= lt_buf_printf(out, "<td>%+.1f%%</td>", ch);
        rc |= lt_buf_puts(out, "</tr>");
    }
    return rc | lt_buf_puts(out, "</table></div></div>\n");
}

static int compare_charts(struct lt_buf *out, const struct lt_report *a, const struct lt_report *b)
{
    static struct {
        const char *title, *unit;
        enum rs_val kind;
        size_t arg;
        const char *name, *color[2];
    } const rows[] = {
        {"Latency p50 and p99 (ms)", "ms", RS_LAT, 0, "p50", {"#2da44e", "#2da44e"}},
        {NULL, NULL, RS_LAT, 7, "p99", {"#cf222e", "#cf222e"}},
        {"Completed and failed per second",
         "/s",
         RS_COUNTER,
         LT_RC_COMPLETED,
         "completed",
         {"#1f6feb", "#1f6feb"}},
        {NULL, NULL, RS_FAILED, 0, "failed", {"#cf222e", "#cf222e"}},
        {"Service time p99 (ms)", "ms", RS_SVC99, 0, "service p99", {"#8250df", "#8250df"}},
    };
    const struct lt_report *r[2] = {a, b};
    struct rs_cols *c = NULL;
    struct rs_line lines[4];
    struct rs_curve cv[2];
    size_t per, nl = 0;
    const char *title = NULL, *unit = NULL;
    int rc = 0;

    rc |= lt_buf_puts(out, "<section><h2>Over time</h2><p class=\"note\">A solid, B dashed; "
                           "time since each run's start.</p><div class=\"grid\">");
    if (a->series->n && b->series->n) {
        c = calloc(2, sizeof(*c));
        if (!c)
            return LT_E_NOMEM;
        /* the same grouping for both, so column i is the same seconds in A and in B */
        per = rs_cols_per(a->series->n > b->series->n ? a->series->n : b->series->n);
        rs_cols_of(&c[0], a->series, per);
        rs_cols_of(&c[1], b->series, per);
        for (size_t k = 0; k <= sizeof(rows) / sizeof(rows[0]); k++) {
            if (k == sizeof(rows) / sizeof(rows[0]) || rows[k].title) {
                if (nl)
                    rc |= rs_chart_lines(out, title, unit, lines, nl, NULL);
                if (k == sizeof(rows) / sizeof(rows[0]))
                    break;
                title = rows[k].title;
                unit = rows[k].unit;
                nl = 0;
            }
            for (int i = 0; i < 2; i++) {
                struct rs_line *l = &lines[nl++];
                memset(l, 0, sizeof(*l));
                snprintf(l->name, sizeof(l->name), "%c %s", 'A' + i, rows[k].name);
                l->color = rows[k].color[i];
                l->kind = rows[k].kind;
                l->arg = rows[k].arg;
                l->s = r[i]->series;
                l->c = &c[i];
                l->dashed = i;
            }
        }
        free(c);
    } else {
        rc |= lt_buf_puts(out, "<p>A run without intervals: nothing to draw over time.</p>");
    }
    rc |= lt_buf_puts(out, "</div></section>\n<section><h2>Distribution</h2><div class=\"grid\">");
    for (int i = 0; i < 2; i++) {
        cv[i].name = i ? "B latency" : "A latency";
        cv[i].color = i ? "#e8860c" : "#1f6feb";
        cv[i].h = &r[i]->total->h[LT_RH_LATENCY];
        cv[i].dashed = i;
    }
    if (cv[0].h->count || cv[1].h->count)
        rc |= rs_chart_distribution(out, "Latency by percentile", cv, 2);
    return rc | lt_buf_puts(out, "</div></section>\n");
}

int lt_report_compare_html(struct lt_buf *out, const struct lt_report *a, const struct lt_report *b)
{
    const struct lt_report *r[2] = {a, b};
    int rc = 0;

    rc |= lt_buf_printf(out,
                        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                        "<title>loadtape comparison</title><style>%s</style></head><body>\n"
                        "<header><h1>loadtape comparison</h1><p class=\"sub\">A: ",
                        rs_css);
    rc |= rs_html_esc(out, label_of(a, "A"));
    rc |= lt_buf_puts(out, " &middot; B: ");
    rc |= rs_html_esc(out, label_of(b, "B"));
    rc |= lt_buf_puts(out, "</p>");
    for (int i = 0; i < 2; i++) {
        if (r[i]->sum->interrupted)
            rc |= lt_buf_printf(out, "<span class=\"badge bad\">%c INTERRUPTED</span>", 'A' + i);
        if (r[i]->sum->client_bound)
            rc |= lt_buf_printf(out, "<span class=\"badge warn\">%c CLIENT-BOUND</span>", 'A' + i);
        if (r[i]->slo && r[i]->slo->n) {
            enum lt_verdict v = lt_summary_verdict(r[i]->sum, r[i]->slo);
            rc |= lt_buf_printf(out, "<span class=\"badge %s\">%c %s</span>",
                                v == LT_VERDICT_PASS     ? "ok"
                                : v == LT_VERDICT_BREACH ? "bad"
                                                         : "warn",
                                'A' + i,
                                v == LT_VERDICT_PASS     ? "PASS"
                                : v == LT_VERDICT_BREACH ? "FAIL"
                                                         : "INCONCLUSIVE");
        }
    }
    rc |= lt_buf_puts(out, "</header>\n<main><div class=\"cards\">");
    rc |= runs_table(out, r);
    rc |= delta_table(out, a, b);
    rc |= lt_buf_puts(out, "</div>\n");
    rc |= compare_charts(out, a, b);
    rc |= lt_buf_printf(
        out, "</main><div id=\"tip\" hidden></div><script>%s</script></body></html>\n", rs_script);
    return rc ? LT_E_NOMEM : 0;
}
