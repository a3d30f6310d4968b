/*
 * report_html.c - `report --format html`: one self-contained page (no
 * network, nothing fetched) with charts drawn here as inline SVG and the
 * summary, SLO, run and per-endpoint tables.
 *
 * Charts take their numbers from a struct lt_report_series (one point per
 * second). Past MAX_COLS points the seconds are grouped into columns: rates
 * are summed over a column's seconds, latencies take the column's largest
 * value (a chart must not hide a bad second). Every SVG has a viewBox and
 * width 100%, so the page reads at 1280 px and, through a media query (one
 * column, larger chart text), at 390 px. Each chart carries its columns as JSON in data attributes
 * for the small script at the end, which draws a cursor and a tooltip on hover.
 *
 * Text from results files (tape, target, spike, engine, version) and SLO
 * expressions pass through html_esc(): a file is untrusted input.
 */
#include "lt_replay.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SEC_NS 1000000000LL
#define MAX_COLS 1000
#define MAX_SPIKES 1000 /* shaded windows per chart; more are left out */

/* SVG geometry in user units (the viewBox); the plot area inside the margins. */
#define VW 600
#define VH 280
#define PL 58
#define PR 28
#define PT 12
#define PB 30

/* ---- text ------------------------------------------------------------------- */

/* Appends s with &, <, >, " and ' escaped: safe in element text and quoted attributes. */
static int html_esc(struct lt_buf *out, const char *s)
{
    int rc = 0;

    for (; *s; s++) {
        switch (*s) {
        case '&':
            rc |= lt_buf_puts(out, "&amp;");
            break;
        case '<':
            rc |= lt_buf_puts(out, "&lt;");
            break;
        case '>':
            rc |= lt_buf_puts(out, "&gt;");
            break;
        case '"':
            rc |= lt_buf_puts(out, "&quot;");
            break;
        case '\'':
            rc |= lt_buf_puts(out, "&#39;");
            break;
        default:
            rc |= lt_buf_putc(out, (uint8_t)*s);
        }
    }
    return rc;
}

/* A number for people and for the script's JSON: at most 3 decimals, no trailing zeros. */
static void fmt_num(char *b, size_t n, double v)
{
    size_t len;

    if (!isfinite(v))
        v = 0;
    len = (size_t)snprintf(b, n, "%.3f", v);
    if (len >= n)
        len = n - 1;
    while (len > 0 && b[len - 1] == '0')
        len--;
    if (len > 0 && b[len - 1] == '.')
        len--;
    b[len] = '\0';
    if (strcmp(b, "-0") == 0)
        strcpy(b, "0");
}

static int put_num(struct lt_buf *out, double v)
{
    char b[64];

    fmt_num(b, sizeof(b), v);
    return lt_buf_puts(out, b);
}

/* An axis label: 950, 1.5k, 12k, 2.5M. */
static void axis_label(char *b, size_t n, double v)
{
    if (v >= 1e6)
        snprintf(b, n, "%gM", round(v / 1e5) / 10);
    else if (v >= 1e3)
        snprintf(b, n, "%gk", round(v / 1e2) / 10);
    else
        fmt_num(b, n, v);
}

static void time_label(char *b, size_t n, long long t)
{
    if (t >= 3600 && t % 3600 == 0)
        snprintf(b, n, "%lldh", t / 3600);
    else if (t >= 3600)
        snprintf(b, n, "%lldh%02lldm", t / 3600, t % 3600 / 60);
    else if (t >= 60 && t % 60 == 0)
        snprintf(b, n, "%lldm", t / 60);
    else if (t >= 60)
        snprintf(b, n, "%lldm%02llds", t / 60, t % 60);
    else
        snprintf(b, n, "%llds", t);
}

/* 1, 2 or 5 times a power of ten, at least x. */
static double nice_step(double x)
{
    double e, f;

    if (!(x > 0))
        return 1;
    e = pow(10, floor(log10(x)));
    f = x / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

/* ---- what a chart plots ----------------------------------------------------------- */

enum val_kind {
    V_COUNTER, /* arg: LT_RC_*, per second */
    V_FAILED,  /* per second */
    V_LAT,     /* arg: index into lt_report_pcts, ms */
    V_SVC99,   /* ms */
    V_LAG99,   /* ms */
    V_CODE,    /* arg: slot in the point's codes, per second */
};

struct line {
    char name[24];
    const char *color;
    enum val_kind kind;
    size_t arg;
};

static int is_rate(enum val_kind k)
{
    return k == V_COUNTER || k == V_FAILED || k == V_CODE;
}

/* The value of one column (points p[0..n)): a rate over its seconds, or its worst latency. */
static double col_value(const struct lt_report_point *p, size_t n, const struct line *l)
{
    uint64_t count = 0;
    int64_t dur = 0;
    double v = 0;

    for (size_t i = 0; i < n; i++) {
        switch (l->kind) {
        case V_COUNTER:
            count += p[i].c[l->arg];
            break;
        case V_FAILED:
            count += p[i].failed;
            break;
        case V_CODE:
            count += p[i].codes[l->arg];
            break;
        case V_LAT:
            v = fmax(v, p[i].lat_ms[l->arg]);
            break;
        case V_SVC99:
            v = fmax(v, p[i].svc_p99_ms);
            break;
        case V_LAG99:
            v = fmax(v, p[i].lag_p99_ms);
            break;
        }
        dur += p[i].dur_ns;
    }
    if (is_rate(l->kind))
        return dur > 0 ? (double)count * 1e9 / (double)dur : 0;
    return v;
}

/* A chart's columns: seconds grouped so there are at most MAX_COLS. */
struct cols {
    size_t n, per;      /* columns, seconds per column */
    double t_end;       /* seconds covered */
    double t[MAX_COLS]; /* each column's middle, in seconds */
};

static void cols_of(struct cols *c, const struct lt_report_series *s)
{
    size_t i;

    c->per = s->n > MAX_COLS ? (s->n + MAX_COLS - 1) / MAX_COLS : 1;
    c->n = (s->n + c->per - 1) / c->per;
    c->t_end = s->n ? (double)(s->p[s->n - 1].start_ns + s->p[s->n - 1].dur_ns) / 1e9 : 1;
    if (c->t_end <= 0)
        c->t_end = 1;
    for (i = 0; i < c->n; i++) {
        size_t a = i * c->per, b = a + c->per < s->n ? a + c->per : s->n;
        double t0 = (double)s->p[a].start_ns / 1e9;
        double t1 = (double)(s->p[b - 1].start_ns + s->p[b - 1].dur_ns) / 1e9;
        c->t[i] = (t0 + t1) / 2;
    }
}

static double col_at(const struct lt_report_series *s, const struct cols *c, size_t i,
                     const struct line *l)
{
    size_t a = i * c->per, b = a + c->per < s->n ? a + c->per : s->n;
    return col_value(&s->p[a], b - a, l);
}

/* ---- SVG pieces ------------------------------------------------------------------------- */

struct frame {
    double xmax, ymax, ystep;
};

static double fx(const struct frame *f, double x)
{
    return PL + (VW - PL - PR) * (f->xmax > 0 ? x / f->xmax : 0);
}

static double fy(const struct frame *f, double y)
{
    return VH - PB - (VH - PT - PB) * (f->ymax > 0 ? y / f->ymax : 0);
}

static void frame_y(struct frame *f, double vmax)
{
    f->ystep = nice_step((vmax > 0 ? vmax : 1) / 4);
    f->ymax = ceil((vmax > 0 ? vmax : 1) / f->ystep) * f->ystep;
}

/* Legend (HTML, so it wraps on a phone) and the opening of the SVG with its data. */
static int chart_open(struct lt_buf *out, const char *title, const char *unit, const char *kind,
                      const struct line *lines, size_t nl, const struct frame *f)
{
    int rc = lt_buf_puts(out, "<figure class=\"chart\"><h3>");

    rc |= html_esc(out, title);
    rc |= lt_buf_puts(out, "</h3><div class=\"legend\">");
    for (size_t i = 0; i < nl; i++) {
        rc |= lt_buf_printf(out, "<span><i style=\"background:%s\"></i>", lines[i].color);
        rc |= html_esc(out, lines[i].name);
        rc |= lt_buf_puts(out, "</span>");
    }
    rc |= lt_buf_printf(out,
                        "</div><div class=\"plot\"><svg viewBox=\"0 0 %d %d\" role=\"img\" "
                        "data-kind=\"%s\" data-unit=\"%s\" data-x0=\"%d\" data-x1=\"%d\" "
                        "data-xmax=\"",
                        VW, VH, kind, unit, PL, VW - PR);
    rc |= put_num(out, f->xmax);
    rc |= lt_buf_puts(out, "\" data-names='[");
    for (size_t i = 0; i < nl; i++)
        rc |= lt_buf_printf(out, "%s\"%s\"", i ? "," : "", lines[i].name);
    rc |= lt_buf_puts(out, "]'>");
    rc |= lt_buf_puts(out, "<title>");
    rc |= html_esc(out, title);
    return rc | lt_buf_puts(out, "</title>");
}

/* An x label near the right edge ends at its tick, so it is not cut off. */
static const char *xl_class(const struct frame *f, double x)
{
    return fx(f, x) > VW - PR - 30 ? "xl xe" : "xl";
}

/* Grid lines and labels of both axes (time or percentile on x). */
static int chart_axes(struct lt_buf *out, const struct frame *f, int pct_axis)
{
    char b[32];
    int rc = 0;

    for (double y = 0; y <= f->ymax + f->ystep / 2; y += f->ystep) {
        axis_label(b, sizeof(b), y);
        rc |= lt_buf_printf(out,
                            "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                            "<text class=\"yl\" x=\"%d\" y=\"%.1f\">%s</text>",
                            PL, VW - PR, fy(f, y), fy(f, y), PL - 6, fy(f, y) + 4, b);
    }
    if (pct_axis) {
        static const char *const names[] = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
        for (int d = 0; d <= (int)f->xmax && d < 6; d++)
            rc |= lt_buf_printf(out,
                                "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
                                "<text class=\"%s\" x=\"%.1f\" y=\"%d\">%s</text>",
                                fx(f, d), fx(f, d), PT, VH - PB, xl_class(f, d), fx(f, d),
                                VH - PB + 18, names[d]);
    } else {
        static const long long steps[] = {1,   2,   5,    10,   15,   30,    60,    120,  300,
                                          600, 900, 1800, 3600, 7200, 10800, 21600, 43200};
        long long step = steps[sizeof(steps) / sizeof(steps[0]) - 1];
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
            if (f->xmax / (double)steps[i] <= 7) {
                step = steps[i];
                break;
            }
        for (long long t = 0; (double)t <= f->xmax; t += step) {
            time_label(b, sizeof(b), t);
            rc |= lt_buf_printf(out,
                                "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
                                "<text class=\"%s\" x=\"%.1f\" y=\"%d\">%s</text>",
                                fx(f, (double)t), fx(f, (double)t), PT, VH - PB,
                                xl_class(f, (double)t), fx(f, (double)t), VH - PB + 18, b);
        }
    }
    return rc;
}

/* The spike windows [kP + P - D, (k+1)P) of DESIGN.md §4, shaded. */
static int chart_spikes(struct lt_buf *out, const struct frame *f, const struct lt_spike *sp)
{
    int rc = 0;

    if (!sp)
        return 0;
    for (int64_t k = 0; k < MAX_SPIKES; k++) {
        double a = (double)(k * sp->period_ns + sp->period_ns - sp->dur_ns) / 1e9;
        double b = (double)((k + 1) * sp->period_ns) / 1e9;
        if (a >= f->xmax)
            break;
        if (b > f->xmax)
            b = f->xmax;
        rc |= lt_buf_printf(out,
                            "<rect class=\"spike\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                            "height=\"%d\"><title>spike window</title></rect>",
                            fx(f, a), PT, fx(f, b) - fx(f, a), VH - PT - PB);
    }
    return rc;
}

/* The cursor line the script moves, and the end of the chart. */
static int chart_close(struct lt_buf *out)
{
    return lt_buf_printf(out,
                         "<line class=\"cur\" x1=\"0\" x2=\"0\" y1=\"%d\" y2=\"%d\"/>"
                         "</svg></div></figure>\n",
                         PT, VH - PB);
}

/* The columns as JSON for the tooltip: [[x, v1, v2, ...], ...]. */
static int data_attr_open(struct lt_buf *out)
{
    return lt_buf_puts(out, "<desc class=\"data\">[");
}

/*
 * A chart of lines over time. Each line is one polyline with a point per
 * column (and a dot when there is a single column).
 */
static int chart_lines(struct lt_buf *out, const char *title, const char *unit,
                       const struct lt_report_series *s, const struct cols *c,
                       const struct line *lines, size_t nl, const struct lt_spike *sp)
{
    struct frame f = {c->t_end, 0, 0};
    double vmax = 0;
    int rc = 0;

    for (size_t l = 0; l < nl; l++)
        for (size_t i = 0; i < c->n; i++)
            vmax = fmax(vmax, col_at(s, c, i, &lines[l]));
    frame_y(&f, vmax * 1.05);
    rc |= chart_open(out, title, unit, "time", lines, nl, &f);
    rc |= chart_spikes(out, &f, sp);
    rc |= chart_axes(out, &f, 0);
    for (size_t l = 0; l < nl; l++) {
        rc |=
            lt_buf_printf(out, "<polyline class=\"line\" stroke=\"%s\" points=\"", lines[l].color);
        for (size_t i = 0; i < c->n; i++)
            rc |= lt_buf_printf(out, "%s%.1f,%.1f", i ? " " : "", fx(&f, c->t[i]),
                                fy(&f, col_at(s, c, i, &lines[l])));
        rc |= lt_buf_puts(out, "\"/>");
        if (c->n == 1)
            rc |=
                lt_buf_printf(out, "<circle r=\"3\" fill=\"%s\" cx=\"%.1f\" cy=\"%.1f\"/>",
                              lines[l].color, fx(&f, c->t[0]), fy(&f, col_at(s, c, 0, &lines[l])));
    }
    rc |= data_attr_open(out);
    for (size_t i = 0; i < c->n; i++) {
        rc |= lt_buf_puts(out, i ? ",[" : "[");
        rc |= put_num(out, c->t[i]);
        for (size_t l = 0; l < nl; l++) {
            rc |= lt_buf_putc(out, ',');
            rc |= put_num(out, col_at(s, c, i, &lines[l]));
        }
        rc |= lt_buf_putc(out, ']');
    }
    rc |= lt_buf_puts(out, "]</desc>");
    return rc | chart_close(out);
}

/*
 * Layers stacked over time (statuses and error classes, per second): each
 * layer a polygon from its top edge back along the one below it.
 */
static int chart_stack(struct lt_buf *out, const char *title, const struct lt_report_series *s,
                       const struct cols *c, const struct line *lines, size_t nl,
                       const struct lt_spike *sp)
{
    double base[MAX_COLS], top[MAX_COLS];
    struct frame f = {c->t_end, 0, 0};
    double vmax = 0;
    int rc = 0;

    for (size_t i = 0; i < c->n; i++) {
        double sum = 0;
        for (size_t l = 0; l < nl; l++)
            sum += col_at(s, c, i, &lines[l]);
        vmax = fmax(vmax, sum);
        base[i] = 0;
    }
    frame_y(&f, vmax * 1.05);
    rc |= chart_open(out, title, "/s", "time", lines, nl, &f);
    rc |= chart_spikes(out, &f, sp);
    rc |= chart_axes(out, &f, 0);
    for (size_t l = 0; l < nl; l++) {
        for (size_t i = 0; i < c->n; i++)
            top[i] = base[i] + col_at(s, c, i, &lines[l]);
        rc |= lt_buf_printf(out, "<polygon class=\"area\" fill=\"%s\" points=\"", lines[l].color);
        if (c->n == 1) {
            /* one column: a bar across the chart */
            rc |= lt_buf_printf(out, "%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f", fx(&f, 0),
                                fy(&f, top[0]), fx(&f, f.xmax), fy(&f, top[0]), fx(&f, f.xmax),
                                fy(&f, base[0]), fx(&f, 0), fy(&f, base[0]));
        } else {
            for (size_t i = 0; i < c->n; i++)
                rc |= lt_buf_printf(out, "%s%.1f,%.1f", i ? " " : "", fx(&f, c->t[i]),
                                    fy(&f, top[i]));
            for (size_t i = c->n; i-- > 0;)
                rc |= lt_buf_printf(out, " %.1f,%.1f", fx(&f, c->t[i]), fy(&f, base[i]));
        }
        rc |= lt_buf_puts(out, "\"/>");
        memcpy(base, top, c->n * sizeof(base[0]));
    }
    rc |= data_attr_open(out);
    for (size_t i = 0; i < c->n; i++) {
        rc |= lt_buf_puts(out, i ? ",[" : "[");
        rc |= put_num(out, c->t[i]);
        for (size_t l = 0; l < nl; l++) {
            rc |= lt_buf_putc(out, ',');
            rc |= put_num(out, col_at(s, c, i, &lines[l]));
        }
        rc |= lt_buf_putc(out, ']');
    }
    rc |= lt_buf_puts(out, "]</desc>");
    return rc | chart_close(out);
}

/*
 * The latency percentile distribution of the whole run, as HdrHistogram's
 * plotter draws it: x is log10(1/(1-p)), so 90%, 99%, 99.9% are evenly
 * spaced; 20 points per decade, as far as the count of values resolves.
 */
static int chart_distribution(struct lt_buf *out, const struct lt_hist *h)
{
    static const struct line l = {"latency", "#1f6feb", V_LAT, 0};
    struct frame f = {1, 0, 0};
    int decades = 1, rc = 0, n;

    while (decades < 5 && pow(10, decades) < (double)h->count)
        decades++;
    f.xmax = decades;
    n = decades * 20;
    frame_y(&f, (double)h->max / 1e6 * 1.05);
    rc |= chart_open(out, "Latency by percentile", "ms", "pct", &l, 1, &f);
    rc |= chart_axes(out, &f, 1);
    rc |= lt_buf_printf(out, "<polyline class=\"line\" stroke=\"%s\" points=\"", l.color);
    for (int k = 0; k <= n; k++) {
        double x = (double)k / 20, p = 100.0 * (1 - pow(10, -x));
        double v = (double)lt_hist_percentile(h, p) / 1e6;
        rc |= lt_buf_printf(out, "%s%.1f,%.1f", k ? " " : "", fx(&f, x), fy(&f, v));
    }
    rc |= lt_buf_puts(out, "\"/>");
    rc |= data_attr_open(out);
    for (int k = 0; k <= n; k++) {
        double x = (double)k / 20, p = 100.0 * (1 - pow(10, -x));
        rc |= lt_buf_puts(out, k ? ",[" : "[");
        rc |= put_num(out, x);
        rc |= lt_buf_putc(out, ',');
        rc |= put_num(out, (double)lt_hist_percentile(h, p) / 1e6);
        rc |= lt_buf_putc(out, ']');
    }
    rc |= lt_buf_puts(out, "]</desc>");
    return rc | chart_close(out);
}

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
    struct cols c;
    const struct lt_report_series *s = r->series;
    struct lt_spike spike, *sp = NULL;
    struct line rq[4] = {
        {"scheduled", "#8c959f", V_COUNTER, LT_RC_SCHEDULED},
        {"sent", "#1f6feb", V_COUNTER, LT_RC_SENT},
        {"completed", "#2da44e", V_COUNTER, LT_RC_COMPLETED},
        {"failed", "#cf222e", V_FAILED, 0},
    };
    struct line lat[4], svc = {"service p99", "#8250df", V_SVC99, 0},
                        lag = {"lag p99", "#953800", V_LAG99, 0};
    struct line st[LT_REPORT_CODES + 1 + 4];
    static const int latq[4] = {0, 4, 7, 10};
    static const char *const latcol[4] = {"#2da44e", "#1f6feb", "#e8860c", "#cf222e"};
    struct lt_err err;
    size_t nst = 0;
    int rc = 0;

    if (r->meta->spike[0] && lt_spike_parse(r->meta->spike, &spike, &err) == 0)
        sp = &spike;
    for (int i = 0; i < 4; i++) {
        snprintf(lat[i].name, sizeof(lat[i].name), "%s", pnames[latq[i]]);
        lat[i].color = latcol[i];
        lat[i].kind = V_LAT;
        lat[i].arg = (size_t)latq[i];
    }
    for (size_t i = 0; i < s->ncodes; i++) {
        snprintf(st[nst].name, sizeof(st[nst].name), "%d", s->codes[i]);
        st[nst].color = code_color(s->codes[i], i);
        st[nst].kind = V_CODE;
        st[nst++].arg = i;
    }
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].codes[LT_REPORT_CODES]) {
            st[nst] = (struct line){"other status", "#6e7781", V_CODE, LT_REPORT_CODES};
            nst++;
            break;
        }
    for (int e = 0; e < 4; e++) {
        if (!r->total->c[LT_RC_ERR_CONNECT + e])
            continue;
        snprintf(st[nst].name, sizeof(st[nst].name), "%s", ecls[e]);
        st[nst].color = ecolors[e];
        st[nst].kind = V_COUNTER;
        st[nst++].arg = LT_RC_ERR_CONNECT + (size_t)e;
    }
    rc |= lt_buf_puts(out, "<section><h2>Over time</h2>");
    if (sp)
        rc |= lt_buf_puts(out, "<p class=\"note\"><i class=\"sw\"></i> shaded: spike windows</p>");
    if (s->n == 0) {
        rc |= lt_buf_puts(out, "<p>No intervals in the results: nothing to draw over time.</p>");
    } else {
        cols_of(&c, s);
        if (c.per > 1)
            rc |= lt_buf_printf(out,
                                "<p class=\"note\">%zu s per point: rates are averaged, latencies "
                                "show each point's worst second.</p>",
                                c.per);
        rc |= lt_buf_puts(out, "<div class=\"grid\">");
        rc |= chart_lines(out, "Requests per second", "/s", s, &c, rq, 4, sp);
        rc |= chart_lines(out, "Latency (ms)", "ms", s, &c, lat, 4, sp);
        rc |= chart_lines(out, "Service time p99 (ms)", "ms", s, &c, &svc, 1, sp);
        rc |= chart_lines(out, "Scheduler lag p99 (ms)", "ms", s, &c, &lag, 1, sp);
        if (nst)
            rc |= chart_stack(out, "Statuses and errors per second", s, &c, st, nst, sp);
        rc |= lt_buf_puts(out, "</div>");
    }
    rc |= lt_buf_puts(out, "</section>\n<section><h2>Distribution</h2><div class=\"grid\">");
    if (r->total->h[LT_RH_LATENCY].count)
        rc |= chart_distribution(out, &r->total->h[LT_RH_LATENCY]);
    else
        rc |= lt_buf_puts(out, "<p>No latency was measured.</p>");
    return rc | lt_buf_puts(out, "</div></section>\n");
}

/* ---- tables ------------------------------------------------------------------------------ */

static int row_s(struct lt_buf *out, const char *k, const char *v)
{
    int rc = lt_buf_puts(out, "<tr><th>");
    rc |= html_esc(out, k);
    rc |= lt_buf_puts(out, "</th><td>");
    rc |= html_esc(out, v);
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
    fmt_num(n, sizeof(n), v);
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
        rc |= html_esc(out, t->expr);
        rc |= lt_buf_puts(out, "</td><td>");
        rc |= put_num(out, v);
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
            rc |= put_num(out, sum->ms[h][q]);
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
        rc |= html_esc(out, r->groups[i].method);
        rc |= lt_buf_puts(out, "</td><td>");
        rc |= html_esc(out, r->groups[i].name);
        rc |= lt_buf_printf(out, "</td><td>%llu</td><td>%llu</td><td>",
                            (unsigned long long)(g.completed + g.errors),
                            (unsigned long long)g.failed);
        rc |= put_num(out, g.throughput_rps);
        for (int q = 0; qs[q] >= 0; q++) {
            rc |= lt_buf_puts(out, "</td><td>");
            rc |= put_num(out, g.ms[LT_RH_LATENCY][qs[q]]);
        }
        rc |= lt_buf_puts(out, "</td></tr>");
    }
    return rc | lt_buf_puts(out, "</table></div></div>\n");
}

/* ---- the page ------------------------------------------------------------------------------ */

static const char css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;"
    "background:#f6f8fa}"
    "header,main{max-width:1280px;margin:0 auto;padding:12px 24px}"
    "header{background:#fff;border-bottom:1px solid #d0d7de;max-width:none}"
    "h1{font-size:20px;margin:4px 0}h2{font-size:16px;margin:16px 0 8px}"
    "h3{font-size:14px;margin:0 0 4px}.sub{color:#57606a;margin:0;word-break:break-all}"
    ".badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;"
    "font-weight:600;margin:4px 4px 0 0;background:#ddf4ff;color:#0969da}"
    ".badge.bad{background:#ffebe9;color:#cf222e}.badge.warn{background:#fff8c5;color:#7d4e00}"
    ".badge.ok{background:#dafbe1;color:#1a7f37}"
    ".cards{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:16px}"
    ".card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:4px 12px 12px}"
    ".card.wide{grid-column:1/-1}.card h2{margin-top:8px}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{padding:3px 6px;border-bottom:1px solid #eaeef2;text-align:right;"
    "font-variant-numeric:tabular-nums}"
    "th:first-child,td:first-child{text-align:left}"
    "table.kv td{text-align:left;word-break:break-word}table.kv th{font-weight:500;color:#57606a;"
    "white-space:nowrap}"
    "td.pass{color:#1a7f37;font-weight:600}td.fail{color:#cf222e;font-weight:600}"
    ".scroll{overflow-x:auto}"
    ".grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}"
    "figure.chart{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:6px;"
    "padding:8px 10px}"
    ".legend{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:12px;color:#57606a}"
    ".legend i,.note i{display:inline-block;width:10px;height:10px;margin-right:4px;"
    "border-radius:2px;vertical-align:-1px}.note i.sw{background:#fff1b8;border:1px solid #d4a72c}"
    ".note{color:#57606a;font-size:12px;margin:0 0 8px}"
    ".plot{overflow-x:auto}svg{display:block;width:100%;height:auto}"
    "svg text{font-size:13px;fill:#57606a}svg .yl{text-anchor:end}svg .xl{text-anchor:middle}svg "
    ".xe{text-anchor:end}"
    "svg .grid{stroke:#eaeef2;stroke-width:1}"
    "svg .line{fill:none;stroke-width:1.8;stroke-linejoin:round}"
    "svg .area{stroke:none;opacity:.9}svg .spike{fill:#fff1b8;opacity:.8}"
    "svg .cur{stroke:#57606a;stroke-dasharray:3 3;visibility:hidden}"
    "#tip{position:absolute;pointer-events:none;background:#1f2328;color:#fff;font-size:12px;"
    "padding:4px 8px;border-radius:4px;white-space:pre;z-index:2}"
    "@media (max-width:900px){.cards,.grid{grid-template-columns:minmax(0,1fr)}}"
    "@media (max-width:600px){header,main{padding:8px 10px}body{font-size:13px}"
    "svg text{font-size:19px}}";

/* Hover: the nearest column's values in a tooltip, and a cursor line on the chart. */
static const char script[] =
    "(function(){var tip=document.getElementById('tip');"
    "function pct(x){var p=100*(1-Math.pow(10,-x));return (x>=5?p.toFixed(4):p.toFixed(2))+'%';}"
    "document.querySelectorAll('svg[data-kind]').forEach(function(s){"
    "var d=s.querySelector('desc.data'),v=d?JSON.parse(d.textContent):[],"
    "n=JSON.parse(s.getAttribute('data-names')),u=s.getAttribute('data-unit'),"
    "x0=+s.getAttribute('data-x0'),x1=+s.getAttribute('data-x1'),"
    "xm=+s.getAttribute('data-xmax'),k=s.getAttribute('data-kind'),c=s.querySelector('.cur');"
    "function hide(){tip.hidden=true;c.style.visibility='hidden';}"
    "s.addEventListener('mousemove',function(e){var b=s.getBoundingClientRect(),"
    "vb=s.viewBox.baseVal,x=(e.clientX-b.left)*vb.width/b.width;"
    "if(!v.length||x<x0||x>x1){hide();return;}"
    "var t=(x-x0)/(x1-x0)*xm,best=0;"
    "for(var i=1;i<v.length;i++)if(Math.abs(v[i][0]-t)<Math.abs(v[best][0]-t))best=i;"
    "var r=v[best],cx=x0+(x1-x0)*r[0]/xm,lines=[k==='pct'?pct(r[0]):'t = '+r[0]+' s'];"
    "for(var j=0;j<n.length;j++)lines.push(n[j]+': '+r[j+1]+' '+u);"
    "c.setAttribute('x1',cx);c.setAttribute('x2',cx);c.style.visibility='visible';"
    "tip.textContent=lines.join('\\n');tip.hidden=false;"
    "var left=e.pageX+14;if(left+tip.offsetWidth>document.documentElement.clientWidth)"
    "left=e.pageX-14-tip.offsetWidth;tip.style.left=left+'px';tip.style.top=(e.pageY+14)+'px';});"
    "s.addEventListener('mouseleave',hide);});"
    "document.body.setAttribute('data-ready','1');})();";

int lt_report_html(struct lt_buf *out, const struct lt_report *r)
{
    const struct lt_run_meta *m = r->meta;
    const struct lt_summary *sum = r->sum;
    int rc = 0;

    rc |= lt_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                           "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                           "<title>loadtape report: ");
    rc |= html_esc(out, m->tape[0] ? m->tape : m->target);
    rc |= lt_buf_printf(out,
                        "</title><style>%s</style></head><body>\n<header><h1>loadtape report</h1>"
                        "<p class=\"sub\">",
                        css);
    rc |= html_esc(out, m->tape[0] ? m->tape : "(tape unknown)");
    rc |= lt_buf_puts(out, " &rarr; ");
    rc |= html_esc(out, m->target);
    rc |= lt_buf_puts(out, "</p>");
    if (sum->interrupted)
        rc |= lt_buf_puts(out, "<span class=\"badge bad\">INTERRUPTED: the numbers cover part of "
                               "the run</span>");
    if (sum->client_bound) {
        rc |= lt_buf_puts(out, "<span class=\"badge warn\">CLIENT-BOUND: ");
        rc |= html_esc(out, sum->client_bound_reason);
        rc |= lt_buf_puts(out, "</span>");
    }
    if (r->slo && r->slo->n) {
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
    if (r->series)
        rc |= charts(out, r);
    rc |= lt_buf_printf(
        out, "</main><div id=\"tip\" hidden></div><script>%s</script></body></html>\n", script);
    return rc ? LT_E_NOMEM : 0;
}
