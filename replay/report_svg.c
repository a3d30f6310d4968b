/*
 * report_svg.c - the charts of the HTML reports, drawn as inline SVG, and
 * what the pages share (escaping, numbers, the stylesheet and the hover
 * script). Private to replay/report_*.c (report_svg.h).
 *
 * Charts take their numbers from struct lt_report_series (one point per
 * second). Past RS_MAX_COLS points the seconds are grouped into columns:
 * rates are summed over a column's seconds, latencies take the column's
 * largest value (a chart must not hide a bad second). Every SVG has a viewBox
 * and width 100%, so a page reads at 1280 px and, through a media query (one
 * column, larger chart text), at 390 px. Each chart carries its columns as
 * JSON in a <desc> for the script, which draws a cursor and a tooltip.
 */
#include "report_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
int rs_html_esc(struct lt_buf *out, const char *s)
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
void rs_fmt_num(char *b, size_t n, double v)
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

int rs_put_num(struct lt_buf *out, double v)
{
    char b[64];

    if (isnan(v))
        return lt_buf_puts(out, "null");
    rs_fmt_num(b, sizeof(b), v);
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
        rs_fmt_num(b, n, v);
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

/* ---- what a chart plots ---------------------------------------------------------- */

static int is_rate(enum rs_val k)
{
    return k == RS_COUNTER || k == RS_FAILED || k == RS_CODE;
}

/* The value of one column (points p[0..n)): a rate over its seconds, or its worst latency. */
static double col_value(const struct lt_report_point *p, size_t n, const struct rs_line *l)
{
    uint64_t count = 0;
    int64_t dur = 0;
    double v = 0;

    for (size_t i = 0; i < n; i++) {
        switch (l->kind) {
        case RS_COUNTER:
            count += p[i].c[l->arg];
            break;
        case RS_FAILED:
            count += p[i].failed;
            break;
        case RS_CODE:
            count += p[i].codes[l->arg];
            break;
        case RS_LAT:
            v = fmax(v, p[i].lat_ms[l->arg]);
            break;
        case RS_SVC99:
            v = fmax(v, p[i].svc_p99_ms);
            break;
        case RS_LAG99:
            v = fmax(v, p[i].lag_p99_ms);
            break;
        }
        dur += p[i].dur_ns;
    }
    if (is_rate(l->kind))
        return dur > 0 ? (double)count * 1e9 / (double)dur : 0;
    return v;
}

size_t rs_cols_per(size_t n)
{
    return n > RS_MAX_COLS ? (n + RS_MAX_COLS - 1) / RS_MAX_COLS : 1;
}

void rs_cols_of(struct rs_cols *c, const struct lt_report_series *s, size_t per)
{
    c->per = per ? per : 1;
    c->n = (s->n + c->per - 1) / c->per;
    if (c->n > RS_MAX_COLS)
        c->n = RS_MAX_COLS;
    c->t_end = s->n ? (double)(s->p[s->n - 1].start_ns + s->p[s->n - 1].dur_ns) / 1e9 : 1;
    if (c->t_end <= 0)
        c->t_end = 1;
    for (size_t i = 0; i < c->n; i++) {
        size_t a = i * c->per, b = a + c->per < s->n ? a + c->per : s->n;
        double t0 = (double)s->p[a].start_ns / 1e9;
        double t1 = (double)(s->p[b - 1].start_ns + s->p[b - 1].dur_ns) / 1e9;
        c->t[i] = (t0 + t1) / 2;
    }
}

/* Column i of a line, NaN past the end of its series. */
static double col_at(const struct rs_line *l, size_t i)
{
    size_t a, b;

    if (i >= l->c->n)
        return NAN;
    a = i * l->c->per;
    b = a + l->c->per < l->s->n ? a + l->c->per : l->s->n;
    return col_value(&l->s->p[a], b - a, l);
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
                      const struct rs_line *lines, size_t nl, const struct frame *f)
{
    int rc = lt_buf_puts(out, "<figure class=\"chart\"><h3>");

    rc |= rs_html_esc(out, title);
    rc |= lt_buf_puts(out, "</h3><div class=\"legend\">");
    for (size_t i = 0; i < nl; i++) {
        rc |= lt_buf_printf(out, "<span><i style=\"background:%s\"></i>", lines[i].color);
        rc |= rs_html_esc(out, lines[i].name);
        rc |= lt_buf_puts(out, "</span>");
    }
    rc |= lt_buf_printf(out,
                        "</div><div class=\"plot\"><svg viewBox=\"0 0 %d %d\" role=\"img\" "
                        "data-kind=\"%s\" data-unit=\"%s\" data-x0=\"%d\" data-x1=\"%d\" "
                        "data-xmax=\"",
                        VW, VH, kind, unit, PL, VW - PR);
    rc |= rs_put_num(out, f->xmax);
    rc |= lt_buf_puts(out, "\" data-names='[");
    for (size_t i = 0; i < nl; i++)
        rc |= lt_buf_printf(out, "%s\"%s\"", i ? "," : "", lines[i].name);
    rc |= lt_buf_puts(out, "]'>");
    rc |= lt_buf_puts(out, "<title>");
    rc |= rs_html_esc(out, title);
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

/* The spike windows [kP + P - D, (k+1)P) of DESIGN.md §4, and the caller's windows, shaded. */
static int chart_shade(struct lt_buf *out, const struct frame *f, const struct rs_shade *sh)
{
    int rc = 0;

    if (!sh)
        return 0;
    for (int64_t k = 0; sh->sp && k < MAX_SPIKES; k++) {
        double a = (double)(k * sh->sp->period_ns + sh->sp->period_ns - sh->sp->dur_ns) / 1e9;
        double b = (double)((k + 1) * sh->sp->period_ns) / 1e9;
        if (a >= f->xmax)
            break;
        if (b > f->xmax)
            b = f->xmax;
        rc |= lt_buf_printf(out,
                            "<rect class=\"spike\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                            "height=\"%d\"><title>spike window</title></rect>",
                            fx(f, a), PT, fx(f, b) - fx(f, a), VH - PT - PB);
    }
    for (size_t i = 0; i < sh->n && i < MAX_SPIKES; i++) {
        double a = sh->a[i], b = sh->b[i] < f->xmax ? sh->b[i] : f->xmax;
        if (a >= b)
            continue;
        rc |= lt_buf_printf(out,
                            "<rect class=\"band\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                            "height=\"%d\"><title>",
                            fx(f, a), PT, fx(f, b) - fx(f, a), VH - PT - PB);
        rc |= rs_html_esc(out, sh->what ? sh->what : "");
        rc |= lt_buf_printf(out, " %zu</title></rect>", i + 1);
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

/* The tooltip's rows: [[x, v1, v2, ...], ...] over the columns of the longest line. */
static int data_rows(struct lt_buf *out, const struct rs_line *lines, size_t nl)
{
    const struct rs_line *base = &lines[0];
    int rc = lt_buf_puts(out, "<desc class=\"data\">[");

    for (size_t l = 1; l < nl; l++)
        if (lines[l].c->n > base->c->n)
            base = &lines[l];
    for (size_t i = 0; i < base->c->n; i++) {
        rc |= lt_buf_puts(out, i ? ",[" : "[");
        rc |= rs_put_num(out, base->c->t[i]);
        for (size_t l = 0; l < nl; l++) {
            rc |= lt_buf_putc(out, ',');
            rc |= rs_put_num(out, col_at(&lines[l], i));
        }
        rc |= lt_buf_putc(out, ']');
    }
    return rc | lt_buf_puts(out, "]</desc>");
}

static const char *dash(int dashed)
{
    return dashed ? " stroke-dasharray=\"6 4\"" : "";
}

/*
 * A chart of lines over time. Each line is one polyline with a point per
 * column (and a dot when there is a single column).
 */
int rs_chart_lines(struct lt_buf *out, const char *title, const char *unit,
                   const struct rs_line *lines, size_t nl, const struct rs_shade *sh)
{
    struct frame f = {0, 0, 0};
    double vmax = 0;
    int rc = 0;

    for (size_t l = 0; l < nl; l++) {
        f.xmax = fmax(f.xmax, lines[l].c->t_end);
        for (size_t i = 0; i < lines[l].c->n; i++)
            vmax = fmax(vmax, col_at(&lines[l], i));
    }
    frame_y(&f, vmax * 1.05);
    rc |= chart_open(out, title, unit, "time", lines, nl, &f);
    rc |= chart_shade(out, &f, sh);
    rc |= chart_axes(out, &f, 0);
    for (size_t l = 0; l < nl; l++) {
        const struct rs_line *ln = &lines[l];
        rc |= lt_buf_printf(out, "<polyline class=\"line\" stroke=\"%s\"%s points=\"", ln->color,
                            dash(ln->dashed));
        for (size_t i = 0; i < ln->c->n; i++)
            rc |= lt_buf_printf(out, "%s%.1f,%.1f", i ? " " : "", fx(&f, ln->c->t[i]),
                                fy(&f, col_at(ln, i)));
        rc |= lt_buf_puts(out, "\"/>");
        if (ln->c->n == 1)
            rc |= lt_buf_printf(out, "<circle r=\"3\" fill=\"%s\" cx=\"%.1f\" cy=\"%.1f\"/>",
                                ln->color, fx(&f, ln->c->t[0]), fy(&f, col_at(ln, 0)));
    }
    rc |= data_rows(out, lines, nl);
    return rc | chart_close(out);
}

/*
 * Layers stacked over time (statuses and error classes, per second): each
 * layer a polygon from its top edge back along the one below it. Every
 * line is of the same series.
 */
int rs_chart_stack(struct lt_buf *out, const char *title, const struct rs_line *lines, size_t nl,
                   const struct rs_shade *sh)
{
    const struct rs_cols *c = lines[0].c;
    double base[RS_MAX_COLS], top[RS_MAX_COLS];
    struct frame f = {c->t_end, 0, 0};
    double vmax = 0;
    int rc = 0;

    for (size_t i = 0; i < c->n; i++) {
        double sum = 0;
        for (size_t l = 0; l < nl; l++)
            sum += col_at(&lines[l], i);
        vmax = fmax(vmax, sum);
        base[i] = 0;
    }
    frame_y(&f, vmax * 1.05);
    rc |= chart_open(out, title, "/s", "time", lines, nl, &f);
    rc |= chart_shade(out, &f, sh);
    rc |= chart_axes(out, &f, 0);
    for (size_t l = 0; l < nl; l++) {
        for (size_t i = 0; i < c->n; i++)
            top[i] = base[i] + col_at(&lines[l], i);
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
    rc |= data_rows(out, lines, nl);
    return rc | chart_close(out);
}

/* p of the k-th point of the distribution: 20 points per decade of 1/(1-p). */
static double dist_p(int k)
{
    return 100.0 * (1 - pow(10, -(double)k / 20));
}

/*
 * The latency percentile distribution of whole runs, as HdrHistogram's
 * plotter draws it: x is log10(1/(1-p)), so 90%, 99%, 99.9% are evenly
 * spaced; as many decades (at most 5) as the largest count resolves.
 */
int rs_chart_distribution(struct lt_buf *out, const char *title, const struct rs_curve *cv,
                          size_t n)
{
    struct rs_line names[4];
    struct frame f = {1, 0, 0};
    uint64_t count = 0, max = 0;
    int decades = 1, rc = 0, npts;

    if (n > 4)
        n = 4;
    for (size_t i = 0; i < n; i++) {
        count = cv[i].h->count > count ? cv[i].h->count : count;
        max = cv[i].h->max > max ? cv[i].h->max : max;
        memset(&names[i], 0, sizeof(names[i]));
        snprintf(names[i].name, sizeof(names[i].name), "%s", cv[i].name);
        names[i].color = cv[i].color;
    }
    while (decades < 5 && pow(10, decades) < (double)count)
        decades++;
    f.xmax = decades;
    npts = decades * 20;
    frame_y(&f, (double)max / 1e6 * 1.05);
    rc |= chart_open(out, title, "ms", "pct", names, n, &f);
    rc |= chart_axes(out, &f, 1);
    for (size_t i = 0; i < n; i++) {
        rc |= lt_buf_printf(out, "<polyline class=\"line\" stroke=\"%s\"%s points=\"", cv[i].color,
                            dash(cv[i].dashed));
        for (int k = 0; k <= npts; k++)
            rc |= lt_buf_printf(out, "%s%.1f,%.1f", k ? " " : "", fx(&f, (double)k / 20),
                                fy(&f, (double)lt_hist_percentile(cv[i].h, dist_p(k)) / 1e6));
        rc |= lt_buf_puts(out, "\"/>");
    }
    rc |= lt_buf_puts(out, "<desc class=\"data\">[");
    for (int k = 0; k <= npts; k++) {
        rc |= lt_buf_puts(out, k ? ",[" : "[");
        rc |= rs_put_num(out, (double)k / 20);
        for (size_t i = 0; i < n; i++) {
            rc |= lt_buf_putc(out, ',');
            rc |= rs_put_num(out, (double)lt_hist_percentile(cv[i].h, dist_p(k)) / 1e6);
        }
        rc |= lt_buf_putc(out, ']');
    }
    rc |= lt_buf_puts(out, "]</desc>");
    return rc | chart_close(out);
}

/* A search's knee: p99 over req/s, one point a step (sorted by req/s for the line). */
int rs_chart_knee(struct lt_buf *out, const char *title, const struct lt_report_find_max *fm,
                  double limit_ms)
{
    size_t n = fm->nsteps, order[LT_FM_MAX_STEPS];
    struct frame f = {0, 0, 0};
    double vmax = limit_ms > 0 ? limit_ms : 0, xstep;
    char b[32];
    int rc = 0;

    if (n > LT_FM_MAX_STEPS)
        n = LT_FM_MAX_STEPS;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        order[i] = i;
        while (j > 0 && fm->steps[order[j - 1]].rps > fm->steps[order[j]].rps) {
            size_t t = order[j - 1];
            order[j - 1] = order[j];
            order[j] = t;
            j--;
        }
        f.xmax = fmax(f.xmax, fm->steps[i].rps);
        vmax = fmax(vmax, fm->steps[i].p99_ms);
    }
    xstep = nice_step((f.xmax > 0 ? f.xmax : 1) * 1.05 / 5);
    f.xmax = ceil((f.xmax > 0 ? f.xmax : 1) * 1.05 / xstep) * xstep;
    frame_y(&f, vmax * 1.1);
    rc |= lt_buf_puts(out, "<figure class=\"chart\"><h3>");
    rc |= rs_html_esc(out, title);
    rc |= lt_buf_puts(out, "</h3><div class=\"legend\"><span><i style=\"background:#2da44e\"></i>"
                           "pass</span><span><i style=\"background:#cf222e\"></i>fail</span>");
    if (limit_ms > 0)
        rc |= lt_buf_puts(out, "<span><i style=\"background:#57606a\"></i>limit</span>");
    rc |= lt_buf_printf(out,
                        "</div><div class=\"plot\"><svg viewBox=\"0 0 %d %d\" role=\"img\" "
                        "data-kind=\"knee\" data-unit=\"ms\" data-x0=\"%d\" data-x1=\"%d\" "
                        "data-xmax=\"",
                        VW, VH, PL, VW - PR);
    rc |= rs_put_num(out, f.xmax);
    rc |= lt_buf_puts(out, "\" data-names='[\"p99\"]'><title>");
    rc |= rs_html_esc(out, title);
    rc |= lt_buf_puts(out, "</title>");
    for (double y = 0; y <= f.ymax + f.ystep / 2; y += f.ystep) {
        axis_label(b, sizeof(b), y);
        rc |= lt_buf_printf(out,
                            "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                            "<text class=\"yl\" x=\"%d\" y=\"%.1f\">%s</text>",
                            PL, VW - PR, fy(&f, y), fy(&f, y), PL - 6, fy(&f, y) + 4, b);
    }
    for (double x = 0; x <= f.xmax + xstep / 2; x += xstep) {
        axis_label(b, sizeof(b), x);
        rc |= lt_buf_printf(out,
                            "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
                            "<text class=\"%s\" x=\"%.1f\" y=\"%d\">%s</text>",
                            fx(&f, x), fx(&f, x), PT, VH - PB, xl_class(&f, x), fx(&f, x),
                            VH - PB + 18, b);
    }
    if (limit_ms > 0)
        rc |= lt_buf_printf(out,
                            "<line class=\"line\" stroke=\"#57606a\" stroke-dasharray=\"6 4\" "
                            "x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>",
                            PL, VW - PR, fy(&f, limit_ms), fy(&f, limit_ms));
    rc |= lt_buf_puts(out, "<polyline class=\"line\" stroke=\"#1f6feb\" points=\"");
    for (size_t i = 0; i < n; i++)
        rc |= lt_buf_printf(out, "%s%.1f,%.1f", i ? " " : "", fx(&f, fm->steps[order[i]].rps),
                            fy(&f, fm->steps[order[i]].p99_ms));
    rc |= lt_buf_puts(out, "\"/>");
    for (size_t i = 0; i < n; i++) {
        const struct lt_report_step *st = &fm->steps[i];
        int pass = strcmp(st->verdict, "pass") == 0;
        rc |=
            lt_buf_printf(out,
                          "<circle class=\"step\" r=\"5\" fill=\"%s\" cx=\"%.1f\" "
                          "cy=\"%.1f\"><title>step %zu: ",
                          pass ? "#2da44e" : "#cf222e", fx(&f, st->rps), fy(&f, st->p99_ms), i + 1);
        rs_fmt_num(b, sizeof(b), st->point);
        rc |= lt_buf_printf(out, fm->rate_mode ? "--rate %s, " : "%sx, ", b);
        rs_fmt_num(b, sizeof(b), st->rps);
        rc |= lt_buf_printf(out, "%s req/s, p99 ", b);
        rs_fmt_num(b, sizeof(b), st->p99_ms);
        rc |= lt_buf_printf(out, "%s ms: ", b);
        rc |= rs_html_esc(out, st->verdict);
        rc |= lt_buf_puts(out, "</title></circle>");
    }
    rc |= lt_buf_puts(out, "<desc class=\"data\">[");
    for (size_t i = 0; i < n; i++) {
        rc |= lt_buf_puts(out, i ? ",[" : "[");
        rc |= rs_put_num(out, fm->steps[order[i]].rps);
        rc |= lt_buf_putc(out, ',');
        rc |= rs_put_num(out, fm->steps[order[i]].p99_ms);
        rc |= lt_buf_putc(out, ']');
    }
    rc |= lt_buf_puts(out, "]</desc>");
    return rc | chart_close(out);
}

const char rs_css[] =
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
    "border-radius:2px;vertical-align:-1px}.note i.sw{background:#fff1b8;border:1px solid "
    "#d4a72c}.note i.bw{background:#ddf4ff;border:1px solid #54aeff}"
    ".note{color:#57606a;font-size:12px;margin:0 0 8px}"
    ".plot{overflow-x:auto}svg{display:block;width:100%;height:auto}"
    "svg text{font-size:13px;fill:#57606a}svg .yl{text-anchor:end}svg .xl{text-anchor:middle}svg "
    ".xe{text-anchor:end}"
    "svg .grid{stroke:#eaeef2;stroke-width:1}"
    "svg .line{fill:none;stroke-width:1.8;stroke-linejoin:round}"
    "svg .area{stroke:none;opacity:.9}svg .spike{fill:#fff1b8;opacity:.8}svg "
    ".band{fill:#ddf4ff;opacity:.8}"
    "svg .cur{stroke:#57606a;stroke-dasharray:3 3;visibility:hidden}"
    "#tip{position:absolute;pointer-events:none;background:#1f2328;color:#fff;font-size:12px;"
    "padding:4px 8px;border-radius:4px;white-space:pre;z-index:2}"
    "@media (max-width:900px){.cards,.grid{grid-template-columns:minmax(0,1fr)}}"
    "@media (max-width:600px){header,main{padding:8px 10px}body{font-size:13px}"
    "svg text{font-size:19px}}";

/* Hover: the nearest column's values in a tooltip, and a cursor line on the chart. */
const char rs_script[] =
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
    "var r=v[best],cx=x0+(x1-x0)*r[0]/xm,lines=[k==='pct'?pct(r[0]):k==='knee'?r[0]+' req/s':'t = "
    "'+r[0]+' s'];"
    "for(var j=0;j<n.length;j++)lines.push(n[j]+': '+(r[j+1]===null?'-':r[j+1]+' '+u));"
    "c.setAttribute('x1',cx);c.setAttribute('x2',cx);c.style.visibility='visible';"
    "tip.textContent=lines.join('\\n');tip.hidden=false;"
    "var left=e.pageX+14;if(left+tip.offsetWidth>document.documentElement.clientWidth)"
    "left=e.pageX-14-tip.offsetWidth;tip.style.left=left+'px';tip.style.top=(e.pageY+14)+'px';});"
    "s.addEventListener('mouseleave',hide);});"
    "document.body.setAttribute('data-ready','1');})();";
