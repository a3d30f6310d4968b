/*
 * cmd_replay.c - 'loadtape replay TAPE --target URL': sends a tape at its
 * original, scaled, fixed-rate or burst timing, shows a live status line on
 * a terminal, prints the summary (or --json), writes -o RESULTS and judges
 * --slo thresholds. This file wires it: the options (replay_opts.c), the
 * tape as a record source through its --from/--to window, the plan, the run
 * and what it leaves (replay_out.c), or the --find-max search (cmd_findmax.c).
 */
#include "replay_cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The run a SIGINT stops (the only process-global state, here in the CLI). */
static struct lt_replay *volatile sigint_run;

static void on_sigint(int sig)
{
    (void)sig;
    if (sigint_run)
        lt_replay_stop(sigint_run);
}

/* --schedule-out: a line per request, written by the reader thread (off the send path). */
static void write_scheduled(void *ctx, uint64_t index, uint64_t session, int64_t s_ns)
{
    fprintf(ctx, "%llu %llu %lld\n", (unsigned long long)index, (unsigned long long)session,
            (long long)s_ns);
}

/* A damaged block passed over (--skip-damaged), on the reader thread. */
static void on_skip(void *ctx, size_t block, uint64_t offset, uint64_t records, const char *why)
{
    (void)ctx;
    (void)block;
    (void)offset;
    lt_cli_warn(REPLAY_CMD, "%s; skipped, with its %llu records (--skip-damaged)", why,
                (unsigned long long)records);
}

/* ---- the source ------------------------------------------------------------------------ */

/* The tape, read through its --from/--to window. -1 to go on, or an exit status. */
static int open_tape(struct replay_cmd *c)
{
    struct lt_tape_window win;
    struct lt_err err;
    int rc;

    c->rd = lt_tape_reader_open(c->tape, &err);
    if (!c->rd) {
        lt_cli_error(REPLAY_CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    if (lt_tape_reader_warning(c->rd))
        lt_cli_warn(REPLAY_CMD, "%s", lt_tape_reader_warning(c->rd));
    if (c->a.skip_damaged)
        lt_tape_reader_skip_damaged(c->rd, on_skip, NULL);
    if ((rc = replay_cmd_window(c, lt_tape_reader_info(c->rd), &win)) >= 0)
        return rc;
    if (lt_tape_source(&c->src, c->rd, &win, &err)) {
        lt_cli_error(REPLAY_CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    return -1;
}

/* ---- the plan and --check ---------------------------------------------------------- */

#define LT_PLAN_BUDGET_RUN 1000000ULL     /* records the plan counts before a run */
#define LT_PLAN_BUDGET_CHECK 100000000ULL /* ... and for --check */
#define CHECK_SHOWN 3

/* Prints the plan's lines on out and its warnings on stderr; 0, or -1 after an error. */
static int show_plan(struct replay_cmd *c, FILE *out, uint64_t budget, lt_plan_each_fn each,
                     void *ctx, struct lt_plan *planp)
{
    struct lt_plan plan;
    struct lt_buf b;
    struct lt_err err;
    int rc;

    if (lt_plan_compute(&plan, &c->ro, &c->src, budget, each, ctx, &err)) {
        lt_cli_error(REPLAY_CMD, "%s", err.msg);
        return -1;
    }
    lt_buf_init(&b, 0);
    rc = lt_plan_text(&b, &plan);
    if (!rc)
        fwrite(b.data, 1, b.len, out);
    lt_buf_reset(&b);
    if (!rc)
        rc = lt_plan_warnings(&b, &plan, c->a.spike);
    for (size_t p = 0; !rc && p < b.len;) {
        const char *nl = memchr(b.data + p, '\n', b.len - p);
        size_t l = nl ? (size_t)(nl - (const char *)b.data) - p : b.len - p;
        lt_cli_warn(REPLAY_CMD, "%.*s", (int)l, (const char *)b.data + p);
        p += l + 1;
    }
    lt_buf_release(&b);
    fflush(out);
    if (rc)
        lt_cli_error(REPLAY_CMD, "out of memory");
    if (planp)
        *planp = plan;
    return rc ? -1 : 0;
}

/*
 * The plan before a run, on stderr, with the source rewound after it; -1 to
 * go on, or an exit status. Not before --start-at's wait is reckoned, and not
 * for a tape from a pipe (it can be read only once) or over http(s) (it would
 * be fetched twice).
 */
static int plan_first(struct replay_cmd *c)
{
    struct lt_err err;

    if (lt_tape_reader_info(c->rd)->streamed) {
        fprintf(stderr, "plan: not known before the run: the tape is read from a pipe\n");
        return -1;
    }
    if (lt_tape_reader_fetched(c->rd, &(uint64_t){0}, &(uint64_t){0})) {
        fprintf(stderr, "plan: not counted before the run: the tape is read over the network "
                        "(--check shows it)\n");
        return -1;
    }
    if (show_plan(c, stderr, LT_PLAN_BUDGET_RUN, NULL, NULL, NULL))
        return LT_EXIT_FAIL;
    if (c->src.rewind(c->src.ctx, &err)) {
        lt_cli_error(REPLAY_CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    return -1;
}

struct check_ctx {
    struct lt_rewrite *rw;
    struct lt_request_opts ro;
    uint64_t id_seed;
    struct lt_request rq;
    struct lt_buf out;
    int shown;
};

/* Every record through the rules (so their counts cover the run); the first few built. */
static int check_each(void *ctx, const struct lt_walk_item *it, struct lt_err *err)
{
    struct check_ctx *c = ctx;
    struct lt_record rec;
    uint64_t id_ctr = it->index << 20;
    int rc;

    if ((rc = lt_rewrite_apply(c->rw, &it->rec, &rec, err)))
        return rc;
    if (c->shown == CHECK_SHOWN)
        return 0;
    if ((rc = lt_request_build(&c->rq, &rec, &c->ro, c->id_seed, &id_ctr, err)))
        return rc;
    c->shown++;
    if (lt_buf_printf(&c->out,
                      "--- request %d: record %llu, at %.3fs of the run, session %llu, %zu bytes\n",
                      c->shown, (unsigned long long)it->index, (double)it->s_ns / 1e9,
                      (unsigned long long)it->session, c->rq.wire.len) ||
        lt_buf_append(&c->out, c->rq.wire.p, c->rq.wire.len) ||
        (c->rq.wire.len && c->rq.wire.p[c->rq.wire.len - 1] != '\n' && lt_buf_putc(&c->out, '\n')))
        return lt_error(err, LT_E_NOMEM, "out of memory");
    return 0;
}

/*
 * -o with --check: the results file is not written, but a run would fail at its
 * end if it could not be, so its folder must be there and writable now.
 */
static int check_out(const char *path)
{
    char dir[4096];
    char *slash;

    if (strcmp(path, "-") == 0) {
        printf("--- results: standard output (not written by --check)\n");
        return 0;
    }
    if (strlen(path) >= sizeof(dir)) {
        lt_cli_error(REPLAY_CMD, "-o '%s': the path is too long", path);
        return -1;
    }
    strcpy(dir, path);
    slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else
        slash[slash == dir ? 1 : 0] = '\0';
    if (access(dir, W_OK | X_OK) != 0) {
        lt_cli_error(REPLAY_CMD, "-o '%s': cannot write in '%s': %s", path, dir, strerror(errno));
        return -1;
    }
    printf("--- results: %s (not written by --check)\n", path);
    return 0;
}

/*
 * --check: the plan and the first requests exactly as they would be sent, after
 * every rule, on stdout; the plan's warnings and the rules that never matched on
 * stderr. No engine is made, so no connection is opened.
 */
static int check_run(struct replay_cmd *rc)
{
    struct check_ctx c;
    struct lt_plan plan;
    int ret = LT_EXIT_FAIL;

    memset(&c, 0, sizeof(c));
    c.rw = rc->ro.rewrite;
    c.ro = rc->ro.req;
    c.ro.want_wire = 1;
    c.id_seed = rc->ro.id_seed;
    lt_request_init(&c.rq);
    lt_buf_init(&c.out, 0);
    if (show_plan(rc, stdout, LT_PLAN_BUDGET_CHECK, check_each, &c, &plan))
        goto out;
    fwrite(c.out.data, 1, c.out.len, stdout);
    if (c.shown == 0)
        printf("--- no request to show\n");
    fflush(stdout);
    if (plan.records)
        replay_report_rules(c.rw);
    if (rc->a.out && check_out(rc->a.out))
        goto out;
    ret = LT_EXIT_OK;
out:
    lt_request_release(&c.rq);
    lt_buf_release(&c.out);
    return ret;
}

/* ---- the run ---------------------------------------------------------------------------- */

/*
 * The status line, the length it is measured against, and --start-at as an
 * instant of the monotonic clock. Returns the run's start in Unix ns.
 */
static int64_t set_timing(struct replay_cmd *c, int show)
{
    const struct replay_args *a = &c->a;
    const struct lt_tape_info *info = lt_tape_reader_info(c->rd);
    struct lt_replay_opts *ro = &c->ro;
    int64_t start_unix = c->start_unix;

    ro->progress_ns = show ? 200000000 : 0;
    ro->total_hint_ns =
        lt_replay_length_hint(ro, info->nrecords, info->last_ts_ns - info->first_ts_ns);
    if (a->start_at) {
        int64_t wall = lt_wall_ns(), mono = lt_mono_ns();
        if (start_unix < wall)
            lt_cli_warn(REPLAY_CMD, "--start-at is %.3fs in the past: starting now",
                        (double)(wall - start_unix) / 1e9);
        else
            ro->start_mono_ns = mono + (start_unix - wall);
    }
    if (!start_unix || !ro->start_mono_ns)
        start_unix = lt_wall_ns();
    return start_unix;
}

/* -o (its metadata written first) and --schedule-out; -1 to go on, or an exit status. */
static int open_outputs(struct replay_cmd *c, int64_t start_unix)
{
    const struct replay_args *a = &c->a;
    struct lt_err err;

    if (a->out) {
        c->meta_s = replay_meta_json(c, start_unix, lt_tape_reader_info(c->rd));
        c->out_existed = strcmp(a->out, "-") != 0 && access(a->out, F_OK) == 0;
        c->w = lt_results_writer_open(a->out, c->meta_s, &err);
        if (!c->w) {
            lt_cli_error(REPLAY_CMD, "%s", err.msg);
            return LT_EXIT_FAIL;
        }
    }
    if (a->schedule_out) {
        c->sched_f = lt_cli_open_out(REPLAY_CMD, a->schedule_out, 0);
        if (!c->sched_f)
            return LT_EXIT_FAIL;
        c->ro.scheduled = write_scheduled;
        c->ro.scheduled_ctx = c->sched_f;
    }
    return -1;
}

/* --find-max: the steps at the options' base speed or rate; the search closes -o. */
static int find_max(struct replay_cmd *c, int show)
{
    const struct replay_args *a = &c->a;
    struct lt_cli_findmax fm;
    struct lt_run_meta meta;
    int rate = c->ro.sched.mode == LT_MODE_RATE;

    memset(&fm, 0, sizeof(fm));
    replay_fill_meta(&meta, c, (int)a->threads);
    fm.cmd = REPLAY_CMD;
    fm.ro = &c->ro;
    fm.src = &c->src;
    fm.slo = &c->slo;
    fm.w = c->w;
    c->w = NULL;
    fm.meta = &meta;
    fm.json = a->json;
    fm.progress = show;
    fm.rate_mode = rate;
    fm.start = rate ? a->rate : a->speed;
    fm.max = rate ? a->rate * a->max_speed : a->max_speed;
    fm.require = rate ? a->rate * a->require : a->require;
    fm.precision = a->precision;
    fm.step_ns = a->step;
    /* the first 10%, in whole seconds: the intervals it is judged on */
    fm.warmup_ns = (a->step / 10 + 999999999LL) / 1000000000LL * 1000000000LL;
    fm.cooldown_ns = a->cooldown;
    return lt_cli_find_max(&fm);
}

/* One run of the tape, SIGINT and SIGTERM stopping it, and what it leaves. */
static int run_once(struct replay_cmd *c, int show)
{
    struct lt_replay *run;
    struct lt_replay_cbs cbs;
    struct sigaction sa, old_sa;
    struct lt_err err;
    uint64_t skipped0;
    int run_rc, ret;

    run = lt_replay_new(&c->ro, &c->src, &err);
    if (!run) {
        lt_cli_error(REPLAY_CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    memset(&cbs, 0, sizeof(cbs));
    cbs.ctx = c->w;
    cbs.interval = replay_write_interval;
    cbs.progress = show ? replay_show_progress : NULL;
    sigint_run = run;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND; /* a second ^C ends the process */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    sigaction(SIGTERM, &sa, NULL);
    skipped0 = lt_tape_reader_skipped(c->rd, NULL); /* a plan pass may have read the tape */
    run_rc = lt_replay_run(run, &cbs, &err);
    sigaction(SIGINT, &old_sa, NULL);
    signal(SIGTERM, SIG_DFL);
    sigint_run = NULL;
    if (show)
        fprintf(stderr, "\r\033[K");
    if (run_rc)
        lt_cli_error(REPLAY_CMD, "%s", err.msg);
    /* a tape from a pipe says whether it was closed only at its end */
    if (lt_tape_reader_info(c->rd)->streamed && lt_tape_reader_warning(c->rd))
        lt_cli_warn(REPLAY_CMD, "%s", lt_tape_reader_warning(c->rd));
    ret = replay_report(c, run, run_rc, lt_tape_reader_skipped(c->rd, NULL) - skipped0);
    lt_replay_free(run);
    return ret;
}

int cmd_replay(int argc, char **argv)
{
    struct replay_cmd c;
    int rc, show;
    int64_t start_unix;

    replay_cmd_init(&c);
    if ((rc = replay_cmd_parse(&c, argc, argv)) >= 0 || (rc = open_tape(&c)) >= 0)
        return replay_cmd_release(&c, rc);
    if (c.a.check)
        return replay_cmd_release(&c, check_run(&c));
    if ((rc = plan_first(&c)) >= 0)
        return replay_cmd_release(&c, rc);
    show = lt_cli_progress_wanted(c.a.progress); /* on stderr: --json on stdout is unaffected */
    start_unix = set_timing(&c, show);
    if ((rc = open_outputs(&c, start_unix)) >= 0)
        return replay_cmd_release(&c, rc);
    rc = c.a.find_max ? find_max(&c, show) : run_once(&c, show);
    return replay_cmd_release(&c, rc);
}
