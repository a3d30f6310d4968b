/*
 * report_svg.h - private to replay/report_*.c: the SVG charts and the pieces
 * the HTML pages share (report_svg.c).
 */
#ifndef LT_REPORT_SVG_H
#define LT_REPORT_SVG_H

#include "lt_replay.h"

#define RS_MAX_COLS 1000 /* points per line at most */

/* What a line plots, from the points of a series. */
enum rs_val {
    RS_COUNTER, /* arg: LT_RC_*, per second */
    RS_FAILED,  /* per second */
    RS_LAT,     /* arg: index into lt_report_pcts, ms */
    RS_SVC99,   /* ms */
    RS_LAG99,   /* ms */
    RS_CODE,    /* arg: slot in the point's codes, per second */
};

/* A series' seconds grouped into columns (per seconds each). */
struct rs_cols {
    size_t n, per;
    double t_end;          /* seconds covered */
    double t[RS_MAX_COLS]; /* each column's middle, in seconds */
};

struct rs_line {
    char name[32];
    const char *color;
    enum rs_val kind;
    size_t arg;
    const struct lt_report_series *s; /* borrowed */
    const struct rs_cols *c;          /* columns of s */
    int dashed;
};

/* A curve of the percentile distribution chart. */
struct rs_curve {
    const char *name, *color;
    const struct lt_hist *h;
    int dashed;
};

/* Seconds per column for a run of n seconds; the columns of s at that grouping. */
size_t rs_cols_per(size_t n);
void rs_cols_of(struct rs_cols *c, const struct lt_report_series *s, size_t per);

/* Appends s with &, <, >, " and ' escaped: safe in element text and quoted attributes. */
int rs_html_esc(struct lt_buf *out, const char *s);
/* At most 3 decimals, no trailing zeros ("1.5", "2"); "null" for NaN in rs_put_num. */
void rs_fmt_num(char *b, size_t n, double v);
int rs_put_num(struct lt_buf *out, double v);

/* What a time chart shades: spike windows, and windows of its own (a search's steps). */
struct rs_shade {
    const struct lt_spike *sp; /* NULL: none */
    const double *a, *b;       /* n windows [a, b), seconds */
    size_t n;
    const char *what; /* their tooltip */
};

/* Lines over time; sh (or NULL) says what to shade. */
int rs_chart_lines(struct lt_buf *out, const char *title, const char *unit,
                   const struct rs_line *lines, size_t nl, const struct rs_shade *sh);
/* Layers stacked over time (all lines of one series), per second. */
int rs_chart_stack(struct lt_buf *out, const char *title, const struct rs_line *lines, size_t nl,
                   const struct rs_shade *sh);
/*
 * A search's knee: p99 (ms) against throughput (req/s), a point per step,
 * passes and failures told apart, with the limit as a dashed line when it
 * is a latency (limit_ms > 0).
 */
int rs_chart_knee(struct lt_buf *out, const char *title, const struct lt_report_find_max *fm,
                  double limit_ms);
/* Latency by percentile on HdrHistogram's axis, log10(1/(1-p)). */
int rs_chart_distribution(struct lt_buf *out, const char *title, const struct rs_curve *cv,
                          size_t n);

extern const char rs_css[];    /* the pages' stylesheet */
extern const char rs_script[]; /* hover tooltips; sets data-ready="1" on body when done */

#endif
