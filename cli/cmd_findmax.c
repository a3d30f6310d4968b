/*
 * cmd_findmax.c - 'loadtape replay TAPE --find-max --slo EXPR': steps of
 * successive windows of the tape at rising speeds (or rates), each judged on
 * its numbers after a warm-up, until the highest one that meets every term is
 * known within the precision. cmd_replay parses and checks the options and
 * opens the tape; this file runs the steps, prints the table and the answer,
 * and writes one results file for the whole search.
 */
#include "lt_cli.h"
#include "lt_formats.h"
#include "lt_replay.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t fm_stopped;
static struct lt_replay *volatile fm_run;

static void on_signal(int sig)
{
    (void)sig;
    fm_stopped = 1;
    if (fm_run)
        lt_replay_stop(fm_run);
}

/* ---- one step -------------------------------------------------------------------- */

struct fm_step {
    struct lt_results_writer *w;
    int64_t offset_ns; /* the step's start on the search's clock */
    int64_t warmup_ns; /* intervals starting before this are not judged */
    struct lt_stats judged;
    struct lt_err werr;
    int wfailed;
    char label[48]; /* of the status line */
};

/* A step's times are since its own start; the results file has the search's clock. */
static void shift_counters(uint64_t *c, int64_t off)
{
    if (c[LT_RC_FIRST_SEND_NS])
        c[LT_RC_FIRST_SEND_NS] += (uint64_t)off;
    if (c[LT_RC_LAST_SEND_NS])
        c[LT_RC_LAST_SEND_NS] += (uint64_t)off;
    if (c[LT_RC_WINDOW_END_NS])
        c[LT_RC_WINDOW_END_NS] += (uint64_t)off;
}

static int step_interval(void *ctx, const struct lt_results_section *sec, struct lt_err *err)
{
    struct fm_step *st = ctx;
    struct lt_results_section out = *sec;

    if ((int64_t)sec->start_ns >= st->warmup_ns && lt_stats_add_section(&st->judged, sec, err))
        return err->code;
    if (!st->w || st->wfailed)
        return 0;
    out.start_ns += (uint64_t)st->offset_ns;
    shift_counters(out.c, st->offset_ns);
    if (lt_results_writer_add(st->w, &out, &st->werr))
        st->wfailed = 1; /* said once at the end; the search goes on */
    return 0;
}

static void step_progress(void *ctx, const struct lt_replay_progress *p)
{
    const char *label = ((const struct fm_step *)ctx)->label;
    char el[32], tot[32], t[72], sent[32], rps[32], p99[40];
    const char *f[] = {label, t, sent, rps, p99};

    lt_format_duration(p->elapsed_ns, el, sizeof(el));
    lt_format_duration(p->total_ns, tot, sizeof(tot));
    snprintf(t, sizeof(t), "%s/%s", el, tot);
    snprintf(sent, sizeof(sent), "sent %llu", (unsigned long long)p->sent);
    snprintf(rps, sizeof(rps), "%.0f req/s", p->rps_last);
    lt_format_duration((int64_t)p->p99_last_ns, tot, sizeof(tot));
    snprintf(p99, sizeof(p99), "p99 %s", tot);
    lt_cli_status(f, sizeof(f) / sizeof(f[0]));
}

/* ---- words ------------------------------------------------------------------------- */

/* 17000 -> "17,000" */
static void thousands(double v, char *out, size_t n)
{
    char d[32];
    size_t len, o = 0;

    snprintf(d, sizeof(d), "%.0f", v < 0 ? 0 : v);
    len = strlen(d);
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = d[i];
    }
    out[o] = '\0';
}

/* A point of the search: a speed ("3.4x") or a rate ("--rate 170"). */
static void fmt_point(const struct lt_cli_findmax *fm, double x, char *out, size_t n)
{
    if (fm->rate_mode)
        snprintf(out, n, x >= 100 ? "--rate %.0f" : "--rate %.4g", x);
    else
        snprintf(out, n, "%.3gx", x);
}

/* "p99 142 ms", "error_rate 9.1%", "throughput 950 req/s" */
static void term_value(const struct lt_slo_term *t, const struct lt_summary *sum, char *out,
                       size_t n)
{
    size_t name = strcspn(t->expr, "<>=");
    double v = lt_slo_value(t, sum);

    if (t->metric == LT_SLO_ERROR_RATE)
        snprintf(out, n, "%.*s %.3g%%", (int)name, t->expr, v * 100);
    else if (t->metric == LT_SLO_THROUGHPUT)
        snprintf(out, n, "%.*s %.4g req/s", (int)name, t->expr, v);
    else if (sum->hist_count[LT_RH_LATENCY] == 0)
        snprintf(out, n, "%.*s: no data", (int)name, t->expr);
    else
        snprintf(out, n, "%.*s %.3g ms", (int)name, t->expr, v);
}

/* "p99 231 ms, over p99<200ms" */
static void term_failure(const struct lt_slo_term *t, const struct lt_summary *sum, char *out,
                         size_t n)
{
    char v[96];

    term_value(t, sum, v, sizeof(v));
    if (t->metric != LT_SLO_ERROR_RATE && t->metric != LT_SLO_THROUGHPUT &&
        sum->hist_count[LT_RH_LATENCY] && lt_slo_pass(t, sum) == 0 &&
        (t->op == '<' || t->op == 'l') && !(lt_slo_value(t, sum) >= t->limit))
        snprintf(out, n, "%s, but %.3g%% failed, past its tail: fails %s", v, sum->error_rate * 100,
                 t->expr);
    else
        snprintf(out, n, "%s fails %s", v, t->expr);
}

/* ---- the search ------------------------------------------------------------------------ */

struct fm_row {
    double factor;
    enum lt_fm_outcome how;
    int term;
    struct lt_summary sum;
    int64_t start_ns, dur_ns;
};

/* A line of the step table, from a live step or from a results file's note. */
struct fm_line {
    double point, rps, p50, p99, error_rate, lag_p99;
    const char *verdict; /* lt_findmax_outcome_name */
    const char *failed;  /* the first failing term, or NULL */
};

static void print_head(FILE *out, int rate_mode, double step_s, double warmup_s, double cooldown_s,
                       const char *max, double precision)
{
    char st[32], wu[32], cd[32];

    lt_format_duration((int64_t)(step_s * 1e9), st, sizeof(st));
    lt_format_duration((int64_t)(warmup_s * 1e9), wu, sizeof(wu));
    lt_format_duration((int64_t)(cooldown_s * 1e9), cd, sizeof(cd));
    fprintf(out,
            "find-max: steps of %s (the first %s of each is warm-up, not judged), %s cooldown "
            "between steps, up to %s, precision %.3g%%\n",
            st, wu, cd, max, precision * 100);
    fprintf(out, "%4s %8s %10s %10s %10s %8s %9s  %s\n", "step", rate_mode ? "rate" : "speed",
            "req/s", "p50 ms", "p99 ms", "errors", "lag p99", "verdict");
}

static void print_line(FILE *out, int rate_mode, unsigned k, const struct fm_line *l)
{
    static const struct {
        const char *name, *text;
    } words[] = {{"pass", "pass"},
                 {"breach", "FAIL"},
                 {"connections", "FAIL (-c limits)"},
                 {"errors", "FAIL (over 50% failed: stop)"},
                 {"client-bound", "client-bound: stop"},
                 {"interrupted", "interrupted"}};
    const char *v = l->verdict;
    char pt[32];

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(words[i].name, l->verdict) == 0)
            v = words[i].text;
    snprintf(pt, sizeof(pt), !rate_mode ? "%.3gx" : l->point >= 100 ? "%.0f" : "%.4g", l->point);
    fprintf(out, "%4u %8s %10.1f %10.3f %10.3f %7.2f%% %6.3f ms  %s%s%s\n", k, pt, l->rps, l->p50,
            l->p99, l->error_rate * 100, l->lag_p99, v, l->failed ? " " : "",
            l->failed ? l->failed : "");
}

static void print_row(const struct lt_cli_findmax *fm, unsigned k, const struct fm_row *r,
                      const struct lt_slo *slo)
{
    struct fm_line l = {r->factor,
                        r->sum.throughput_rps,
                        r->sum.ms[LT_RH_LATENCY][LT_Q_P50],
                        r->sum.ms[LT_RH_LATENCY][LT_Q_P99],
                        r->sum.error_rate,
                        r->sum.ms[LT_RH_LAG][LT_Q_P99],
                        lt_findmax_outcome_name(r->how),
                        r->term >= 0 && r->how != LT_FM_PASS ? slo->t[r->term].expr : NULL};

    print_line(stderr, fm->rate_mode, k, &l);
}

static const struct fm_row *row_at(const struct fm_row *rows, size_t n, double factor, int pass)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].factor == factor && (rows[i].how == LT_FM_PASS) == pass)
            return &rows[i];
    return NULL;
}

/* The term the answer speaks of: the one that failed at the break, else the first latency one. */
static int limit_term(const struct fm_row *brk, const struct lt_slo *slo)
{
    if (brk && brk->term >= 0)
        return brk->term;
    for (size_t i = 0; i < slo->n; i++)
        if (slo->t[i].metric != LT_SLO_ERROR_RATE && slo->t[i].metric != LT_SLO_THROUGHPUT)
            return (int)i;
    return slo->n ? 0 : -1;
}

static void answer_line(const struct lt_cli_findmax *fm, const struct lt_findmax *f,
                        const struct fm_row *hold, const struct fm_row *brk,
                        const struct fm_row *last, const struct lt_slo *slo, char *out, size_t n)
{
    char hx[32], bx[32], rps[32], v[160], b[200];
    int lt = limit_term(brk, slo);
    size_t o = 0;

    fmt_point(fm, f->holds, hx, sizeof(hx));
    fmt_point(fm, f->breaks, bx, sizeof(bx));
    if (hold) {
        thousands(hold->sum.throughput_rps, rps, sizeof(rps));
        if (lt >= 0)
            term_value(&slo->t[lt], &hold->sum, v, sizeof(v));
        else
            v[0] = '\0';
        o += (size_t)snprintf(out + o, n - o, "holds %s%s (%s req/s: %s)",
                              f->end == LT_FM_AT_MAX || f->end == LT_FM_END_CLIENT ||
                                      f->end == LT_FM_END_STOPPED
                                  ? "at least "
                                  : "",
                              hx, rps, v);
    } else if (brk) {
        o += (size_t)snprintf(out + o, n - o, "does not hold %s", bx);
    } else if (f->end == LT_FM_END_CLIENT || f->end == LT_FM_END_STOPPED) {
        o += (size_t)snprintf(out + o, n - o, "no speed was proven");
    } else {
        o += (size_t)snprintf(out + o, n - o, "no step was judged");
    }
    if (o >= n)
        return;
    if (brk && brk->term >= 0)
        term_failure(&slo->t[brk->term], &brk->sum, b, sizeof(b));
    else if (brk)
        snprintf(b, sizeof(b), "%.3g%% of requests failed", brk->sum.error_rate * 100);
    if (brk && hold)
        o += (size_t)snprintf(out + o, n - o, "; breaks at %s (%s)", bx, b);
    else if (brk)
        o += (size_t)snprintf(out + o, n - o, " (%s)", b);
    if (o >= n)
        return;
    if (brk && brk->how == LT_FM_CONNS)
        o += (size_t)snprintf(out + o, n - o,
                              ", where -c %llu connections cannot carry it: the target's own time "
                              "was within, so raise -c to look further",
                              (unsigned long long)fm->ro->engine_conf.conns);
    else if (brk && brk->how == LT_FM_BROKEN)
        o += (size_t)snprintf(out + o, n - o, ": over half failed, the search stopped there");
    if (o >= n)
        return;
    switch (f->end) {
    case LT_FM_AT_MAX:
        snprintf(out + o, n - o, ": the search stops there (--max-speed)");
        break;
    case LT_FM_END_CLIENT:
        if (!last)
            break;
        fmt_point(fm, last->factor, bx, sizeof(bx));
        snprintf(out + o, n - o,
                 "; the client could not go further: at %s loadtape could not keep the schedule "
                 "(lag p99 %.3g ms; try --threads, or --shard across machines)",
                 bx, last->sum.ms[LT_RH_LAG][LT_Q_P99]);
        break;
    case LT_FM_END_STOPPED:
        snprintf(out + o, n - o, "; interrupted before the search ended");
        break;
    case LT_FM_END_STEPS:
        snprintf(out + o, n - o, "; stopped after %d steps", LT_FM_MAX_STEPS);
        break;
    default:
        break;
    }
}

static cJSON *step_json(const struct lt_cli_findmax *fm, unsigned k, const struct fm_row *r,
                        const struct lt_stats *judged, const struct lt_slo *slo)
{
    cJSON *o = lt_summary_json(&r->sum, judged, fm->meta, slo);

    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "step", k);
    cJSON_AddNumberToObject(o, fm->rate_mode ? "step_rate" : "step_speed", r->factor);
    cJSON_AddStringToObject(o, "verdict", lt_findmax_outcome_name(r->how));
    if (r->term >= 0)
        cJSON_AddStringToObject(o, "failed", slo->t[r->term].expr);
    else
        cJSON_AddNullToObject(o, "failed");
    cJSON_AddNumberToObject(o, "start_s", (double)r->start_ns / 1e9);
    cJSON_AddNumberToObject(o, "duration_step_s", (double)r->dur_ns / 1e9);
    cJSON_AddNumberToObject(o, "warmup_s", (double)fm->warmup_ns / 1e9);
    return o;
}

static void add_factor(cJSON *o, const char *key, double v)
{
    if (v > 0)
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* {"find_max": answer} with its steps, on one line; takes both. */
static void print_json(FILE *out, cJSON *answer, cJSON *steps)
{
    cJSON *o = cJSON_CreateObject();
    char *s;

    cJSON_AddItemToObject(answer, "steps", steps);
    cJSON_AddItemToObject(o, "find_max", answer);
    s = cJSON_PrintUnformatted(o);
    if (s)
        fprintf(out, "%s\n", s);
    free(s);
    cJSON_Delete(o);
}

static void sleep_ns(int64_t ns)
{
    int64_t end = lt_mono_ns() + ns;

    while (!fm_stopped) {
        int64_t left = end - lt_mono_ns();
        struct timespec ts;
        if (left <= 0)
            break;
        if (left > 100000000)
            left = 100000000; /* a signal is seen within 0.1 s */
        ts.tv_sec = (time_t)(left / 1000000000);
        ts.tv_nsec = (long)(left % 1000000000);
        nanosleep(&ts, NULL);
    }
}

/* A search under way: the stream its steps read and what they leave. */
struct fm_search {
    const struct lt_cli_findmax *fm;
    struct lt_fm_stream stream;
    struct lt_record_source src;
    struct lt_findmax f;
    struct fm_row rows[LT_FM_MAX_STEPS];
    size_t nrows;
    struct lt_stats total; /* every step's, on the search's clock */
    cJSON *steps;          /* each step's summary */
    int64_t t0;
    int failed, werr_said;
};

/* The run options of the step at factor x, its window of the stream and its status label. */
static void step_opts(struct fm_search *s, double x, struct lt_replay_opts *ro, char *label,
                      size_t n)
{
    const struct lt_cli_findmax *fm = s->fm;
    char fx[32];

    *ro = *fm->ro;
    if (fm->rate_mode) {
        ro->sched.rate = x;
        lt_fm_stream_window(&s->stream, (uint64_t)llround(x * (double)fm->step_ns / 1e9), 0);
    } else {
        ro->sched.speed = x;
        lt_fm_stream_window(&s->stream, 0, (uint64_t)((double)fm->step_ns * x));
    }
    ro->loops = 1;
    ro->limit = 0;
    ro->duration_ns = fm->step_ns;
    ro->total_hint_ns = fm->step_ns;
    fmt_point(fm, x, fx, sizeof(fx));
    if (fm->rate_mode)
        snprintf(label, n, "step %zu: %.4g req/s", s->nrows + 1, x);
    else
        snprintf(label, n, "step %zu: %s", s->nrows + 1, fx);
}

/* Adds a step's totals into the search's, moved to the search's clock. */
static void add_step_total(struct fm_search *s, const struct lt_stats *t, int64_t offset_ns)
{
    struct lt_stats tot;

    if (lt_stats_init(&tot))
        return;
    lt_stats_merge(&tot, t);
    tot.start_ns += offset_ns;
    shift_counters(tot.c, offset_ns);
    lt_stats_merge(&s->total, &tot);
    lt_stats_release(&tot);
}

/* A judged step: its row on stderr, its summary in the steps and as a note in -o. */
static void note_step(struct fm_search *s, const struct fm_row *r, struct fm_step *st)
{
    const struct lt_cli_findmax *fm = s->fm;
    unsigned k = (unsigned)s->nrows + 1;
    cJSON *sj;

    print_row(fm, k, r, fm->slo);
    sj = step_json(fm, k, r, &st->judged, fm->slo);
    if (fm->w && sj && !st->wfailed) {
        cJSON *note = cJSON_CreateObject();
        char *j;
        cJSON_AddItemToObject(note, "find_max_step", cJSON_Duplicate(sj, 1));
        j = cJSON_PrintUnformatted(note);
        if (j && lt_results_writer_note(fm->w, j, &st->werr))
            st->wfailed = 1;
        free(j);
        cJSON_Delete(note);
    }
    if (sj)
        cJSON_AddItemToArray(s->steps, sj);
    if (st->wfailed && !s->werr_said) {
        lt_cli_error(fm->cmd, "%s", st->werr.msg);
        s->werr_said = 1;
        s->failed = 1;
    }
}

/* Runs, judges and notes the step at factor x; s->failed after an error (printed). */
static void run_step(struct fm_search *s, double x)
{
    const struct lt_cli_findmax *fm = s->fm;
    struct fm_row *r = &s->rows[s->nrows];
    struct lt_replay_opts ro;
    struct lt_replay_cbs cbs;
    struct lt_replay *run;
    struct fm_step st;
    struct lt_err err;
    int rc;

    memset(&st, 0, sizeof(st));
    if (lt_stats_init(&st.judged)) {
        lt_cli_error(fm->cmd, "out of memory");
        s->failed = 1;
        return;
    }
    st.w = fm->w;
    st.warmup_ns = fm->warmup_ns;
    lt_err_clear(&st.werr);
    step_opts(s, x, &ro, st.label, sizeof(st.label));
    run = lt_replay_new(&ro, &s->src, &err);
    if (!run) {
        lt_cli_error(fm->cmd, "%s", err.msg);
        s->failed = 1;
        goto out;
    }
    memset(&cbs, 0, sizeof(cbs));
    cbs.ctx = &st;
    cbs.interval = step_interval;
    cbs.progress = fm->progress ? step_progress : NULL;
    st.offset_ns = lt_mono_ns() - s->t0;
    fm_run = run;
    if (fm_stopped)
        lt_replay_stop(run);
    rc = lt_replay_run(run, &cbs, &err);
    fm_run = NULL;
    if (fm->progress)
        lt_cli_status_clear();
    if (rc) {
        lt_cli_error(fm->cmd, "%s", err.msg);
        s->failed = 1;
        goto out;
    }
    add_step_total(s, lt_replay_totals(run), st.offset_ns);
    /* an interrupted step's counters say so in the judged numbers too */
    st.judged.c[LT_RC_INTERRUPTED] |= lt_replay_totals(run)->c[LT_RC_INTERRUPTED];
    lt_replay_free(run);
    run = NULL;
    lt_summary_compute(&r->sum, &st.judged);
    r->factor = x;
    r->how = lt_findmax_judge(&r->sum, fm->slo, &r->term);
    r->start_ns = st.offset_ns;
    r->dur_ns = lt_mono_ns() - s->t0 - st.offset_ns;
    lt_findmax_note(&s->f, x, r->how);
    note_step(s, r, &st);
    s->nrows++;
out:
    lt_replay_free(run);
    lt_stats_release(&st.judged);
}

/* The steps, until the search knows its answer, fails or is stopped (SIGINT, SIGTERM). */
static void run_steps(struct fm_search *s)
{
    const struct lt_cli_findmax *fm = s->fm;
    struct sigaction sa, old_int, old_term;
    char mx[32];
    double x;

    fm_stopped = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second ^C ends the process */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    fmt_point(fm, fm->max, mx, sizeof(mx));
    print_head(stderr, fm->rate_mode, (double)fm->step_ns / 1e9, (double)fm->warmup_ns / 1e9,
               (double)fm->cooldown_ns / 1e9, mx, fm->precision);
    while (!fm_stopped && (x = lt_findmax_next(&s->f)) > 0) {
        if (s->nrows && fm->cooldown_ns) {
            sleep_ns(fm->cooldown_ns);
            if (fm_stopped)
                break;
        }
        run_step(s, x);
        if (s->failed)
            break;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (fm_stopped && s->f.end == LT_FM_SEARCHING)
        s->f.end = LT_FM_END_STOPPED;
    if (fm_stopped)
        s->total.c[LT_RC_INTERRUPTED] = 1;
}

/* The answer and what it rests on (a new cJSON tree; NULL without memory). */
static cJSON *answer_json(const struct fm_search *s, const struct fm_row *brk, const char *line)
{
    const struct lt_slo *slo = s->fm->slo;
    const struct lt_findmax *f = &s->f;
    cJSON *res = cJSON_CreateObject();
    int lt = limit_term(brk, slo);

    if (!res)
        return NULL;
    add_factor(res, "holds", f->holds);
    add_factor(res, "breaks", f->breaks);
    cJSON_AddStringToObject(res, "searched", s->fm->rate_mode ? "rate" : "speed");
    if (lt >= 0 && brk)
        cJSON_AddStringToObject(res, "limit", slo->t[lt].expr);
    else
        cJSON_AddNullToObject(res, "limit");
    cJSON_AddBoolToObject(res, "client_bound",
                          f->end == LT_FM_END_CLIENT || (brk && brk->how == LT_FM_CONNS));
    cJSON_AddBoolToObject(res, "interrupted", f->end == LT_FM_END_STOPPED);
    cJSON_AddStringToObject(res, "end", lt_findmax_end_name(f->end));
    cJSON_AddNumberToObject(res, "require", s->fm->require);
    cJSON_AddStringToObject(res, "answer", line);
    return res;
}

/* The search's exit status: it holds --require, it does not, or it cannot say. */
static int search_exit(const struct fm_search *s, const struct fm_row *brk)
{
    const struct lt_findmax *f = &s->f;

    if (f->end == LT_FM_END_STOPPED || f->end == LT_FM_END_CLIENT ||
        (brk && brk->how == LT_FM_CONNS && f->end != LT_FM_FIRST))
        return LT_EXIT_INCONCLUSIVE;
    return f->holds >= s->fm->require ? LT_EXIT_OK : LT_EXIT_SLO;
}

/* Ends -o: the answer as a note, then the search's total; 0, or -1 after an error. */
static int finish_results(struct fm_search *s, const cJSON *res)
{
    const struct lt_cli_findmax *fm = s->fm;
    cJSON *note = cJSON_CreateObject();
    struct lt_err err;
    char *j = NULL;
    int rc = LT_E_NOMEM;

    if (note && res) {
        cJSON_AddItemToObject(note, "find_max", cJSON_Duplicate(res, 1));
        j = cJSON_PrintUnformatted(note);
        rc = j ? lt_results_writer_note(fm->w, j, &err) : LT_E_NOMEM;
    }
    if (!rc)
        rc = lt_stats_close_results(fm->w, &s->total, s->total.c[LT_RC_TAPE_SKIPPED], NULL, &err);
    else
        lt_results_writer_close(fm->w, NULL);
    if (rc)
        lt_cli_error(fm->cmd, "%s", rc == LT_E_NOMEM ? "out of memory" : err.msg);
    free(j);
    cJSON_Delete(note);
    return rc ? -1 : 0;
}

/* The answer on stdout (the line, or --json's object, which takes res), and why it exits so. */
static void print_answer(struct fm_search *s, cJSON **res, const char *line, int ret)
{
    const struct lt_cli_findmax *fm = s->fm;
    char req[64];

    if (fm->json && *res) {
        print_json(stdout, *res, s->steps);
        *res = s->steps = NULL;
    } else {
        printf("%s\n", line);
    }
    fflush(stdout);
    if (ret == LT_EXIT_INCONCLUSIVE)
        lt_cli_warn(fm->cmd, "inconclusive: %s",
                    s->f.end == LT_FM_END_STOPPED ? "the search was interrupted"
                    : s->f.end == LT_FM_END_CLIENT
                        ? "the client could not keep up before the knee was found"
                        : "the knee found is that of -c connections, not of the target");
    else if (ret == LT_EXIT_SLO)
        lt_cli_warn(fm->cmd, "the target does not hold %s (--require)",
                    (fmt_point(fm, fm->require, req, sizeof(req)), req));
}

int lt_cli_find_max(const struct lt_cli_findmax *fm)
{
    struct fm_search s;
    const struct fm_row *hold, *brk;
    cJSON *res;
    char line[1024];
    int ret;

    memset(&s, 0, sizeof(s));
    s.fm = fm;
    s.steps = cJSON_CreateArray();
    if (!s.steps || lt_stats_init(&s.total)) {
        cJSON_Delete(s.steps);
        lt_cli_error(fm->cmd, "out of memory");
        return LT_EXIT_FAIL;
    }
    lt_fm_stream_init(&s.stream, fm->src, fm->rate_mode);
    lt_fm_stream_source(&s.stream, &s.src);
    lt_findmax_init(&s.f, fm->start, fm->max, fm->precision);
    s.t0 = lt_mono_ns();
    run_steps(&s);

    hold = s.f.holds > 0 ? row_at(s.rows, s.nrows, s.f.holds, 1) : NULL;
    brk = s.f.breaks > 0 ? row_at(s.rows, s.nrows, s.f.breaks, 0) : NULL;
    answer_line(fm, &s.f, hold, brk, s.nrows ? &s.rows[s.nrows - 1] : NULL, fm->slo, line,
                sizeof(line));
    res = answer_json(&s, brk, line);
    ret = s.failed || !res ? LT_EXIT_FAIL : search_exit(&s, brk);
    if (res)
        cJSON_AddNumberToObject(res, "exit", ret);
    if (fm->w && finish_results(&s, res))
        ret = LT_EXIT_FAIL;
    print_answer(&s, &res, line, ret);
    cJSON_Delete(s.steps);
    cJSON_Delete(res);
    lt_stats_release(&s.total);
    return ret;
}

/* ---- report of a find-max results file ----------------------------------------------- */

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static double num2(const cJSON *o, const char *obj, const char *key)
{
    return num(cJSON_GetObjectItemCaseSensitive(o, obj), key);
}

int lt_cli_find_max_meta(const char *meta_json)
{
    cJSON *m = meta_json ? cJSON_Parse(meta_json) : NULL;
    int yes = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "find_max"));

    cJSON_Delete(m);
    return yes;
}

/*
 * Reads a search's results file: its metadata, the steps' notes (a cJSON
 * array) and the answer note (made up as "unfinished" when the writer never
 * wrote it). 0, or -1 after printing the error.
 */
static int read_search(const char *cmd, const char *path, cJSON **meta, cJSON **steps,
                       cJSON **answer)
{
    struct lt_results_reader *r;
    struct lt_results_section sec;
    struct lt_err err;
    int rc;
    size_t n;

    *meta = *answer = NULL;
    *steps = cJSON_CreateArray();
    lt_err_clear(&err);
    r = lt_results_reader_open(path, &err);
    if (!r || !*steps) {
        lt_cli_error(cmd, "%s", r ? "out of memory" : err.msg);
        goto bad;
    }
    while ((rc = lt_results_reader_next(r, &sec, &err)) == 1)
        ;
    if (rc < 0 && rc != LT_E_TRUNCATED) {
        lt_cli_error(cmd, "%s", err.msg);
        goto bad;
    }
    if (rc < 0)
        lt_cli_warn(cmd, "%s: the steps it holds are shown, and the search counts as interrupted",
                    err.msg);
    *meta = cJSON_Parse(lt_results_reader_meta(r));
    n = lt_results_reader_nnotes(r);
    for (size_t i = 0; i < n; i++) {
        cJSON *note = cJSON_Parse(lt_results_reader_note(r, i));
        cJSON *v;
        if ((v = cJSON_DetachItemFromObjectCaseSensitive(note, "find_max_step")) != NULL)
            cJSON_AddItemToArray(*steps, v);
        else if ((v = cJSON_DetachItemFromObjectCaseSensitive(note, "find_max")) != NULL) {
            cJSON_Delete(*answer);
            *answer = v;
        }
        cJSON_Delete(note);
    }
    if (!*answer) {
        /* the search never wrote its answer: killed, or a disk filled up */
        *answer = cJSON_CreateObject();
        cJSON_AddNullToObject(*answer, "holds");
        cJSON_AddNullToObject(*answer, "breaks");
        cJSON_AddNullToObject(*answer, "limit");
        cJSON_AddBoolToObject(*answer, "client_bound", 0);
        cJSON_AddBoolToObject(*answer, "interrupted", 1);
        cJSON_AddStringToObject(*answer, "end", "unfinished");
        cJSON_AddStringToObject(*answer, "answer",
                                "the search did not finish: no answer was written (the steps it "
                                "holds are above)");
        cJSON_AddNumberToObject(*answer, "exit", LT_EXIT_INCONCLUSIVE);
    }
    lt_results_reader_free(r);
    return 0;
bad:
    lt_results_reader_free(r);
    cJSON_Delete(*steps);
    *steps = NULL;
    return -1;
}

static int is_rate(const cJSON *meta)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(meta, "mode");

    return cJSON_IsString(m) && strcmp(m->valuestring, "rate") == 0;
}

static void str_into(char *dst, size_t n, const cJSON *v)
{
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int lt_cli_find_max_load(const char *cmd, const char *path, struct lt_report_find_max *fm,
                         int *exit_status)
{
    cJSON *meta, *steps, *answer;
    const cJSON *st;
    struct lt_report_step *v;
    size_t k = 0, n;

    memset(fm, 0, sizeof(*fm));
    if (read_search(cmd, path, &meta, &steps, &answer))
        return -1;
    n = (size_t)cJSON_GetArraySize(steps);
    v = calloc(n ? n : 1, sizeof(*v));
    if (!v) {
        lt_cli_error(cmd, "out of memory");
        cJSON_Delete(meta);
        cJSON_Delete(steps);
        cJSON_Delete(answer);
        return -1;
    }
    fm->rate_mode = is_rate(meta);
    cJSON_ArrayForEach(st, steps)
    {
        v[k].point = num(st, fm->rate_mode ? "step_rate" : "step_speed");
        v[k].rps = num(st, "throughput_rps");
        v[k].p50_ms = num2(st, "latency_ms", "p50");
        v[k].p99_ms = num2(st, "latency_ms", "p99");
        v[k].error_rate = num(st, "error_rate");
        v[k].start_s = num(st, "start_s");
        v[k].dur_s = num(st, "duration_step_s");
        v[k].warmup_s = num(st, "warmup_s");
        str_into(v[k].verdict, sizeof(v[k].verdict),
                 cJSON_GetObjectItemCaseSensitive(st, "verdict"));
        str_into(v[k].failed, sizeof(v[k].failed), cJSON_GetObjectItemCaseSensitive(st, "failed"));
        k++;
    }
    fm->steps = v;
    fm->nsteps = k;
    str_into(fm->limit, sizeof(fm->limit), cJSON_GetObjectItemCaseSensitive(answer, "limit"));
    str_into(fm->answer, sizeof(fm->answer), cJSON_GetObjectItemCaseSensitive(answer, "answer"));
    *exit_status = (int)num(answer, "exit");
    cJSON_Delete(meta);
    cJSON_Delete(steps);
    cJSON_Delete(answer);
    return 0;
}

int lt_cli_report_find_max(const char *cmd, const char *path, int json, FILE *out)
{
    cJSON *meta = NULL, *steps = NULL, *answer = NULL;
    int ret, rate_mode;

    if (read_search(cmd, path, &meta, &steps, &answer))
        return LT_EXIT_FAIL;
    rate_mode = is_rate(meta);
    ret = (int)num(answer, "exit");
    if (json) {
        print_json(out, answer, steps);
        answer = steps = NULL;
    } else {
        const cJSON *fp = cJSON_GetObjectItemCaseSensitive(meta, "find_max");
        const cJSON *st, *a = cJSON_GetObjectItemCaseSensitive(answer, "answer");
        char mx[32];
        unsigned k = 0;
        double maxv = num(fp, "max_speed") * (rate_mode ? num(meta, "rate") : 1);
        snprintf(mx, sizeof(mx),
                 !rate_mode    ? "%.3gx"
                 : maxv >= 100 ? "--rate %.0f"
                               : "--rate %.4g",
                 maxv);
        print_head(out, rate_mode, num(fp, "step_s"),
                   cJSON_GetArraySize(steps) ? num(cJSON_GetArrayItem(steps, 0), "warmup_s") : 0,
                   num(fp, "cooldown_s"), mx, num(fp, "precision"));
        cJSON_ArrayForEach(st, steps)
        {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, "verdict");
            const cJSON *fl = cJSON_GetObjectItemCaseSensitive(st, "failed");
            struct fm_line l = {num(st, rate_mode ? "step_rate" : "step_speed"),
                                num(st, "throughput_rps"),
                                num2(st, "latency_ms", "p50"),
                                num2(st, "latency_ms", "p99"),
                                num(st, "error_rate"),
                                num2(st, "lag_ms", "p99"),
                                cJSON_IsString(v) ? v->valuestring : "?",
                                cJSON_IsString(fl) ? fl->valuestring : NULL};
            print_line(out, rate_mode, ++k, &l);
        }
        fprintf(out, "%s\n", cJSON_IsString(a) ? a->valuestring : "?");
    }
    cJSON_Delete(meta);
    cJSON_Delete(steps);
    cJSON_Delete(answer);
    return ret;
}
