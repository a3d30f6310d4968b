/*
 * cmd_replay.c - 'loadtape replay TAPE --target URL': sends a tape at its
 * original, scaled, fixed-rate or burst timing, shows a live status line on
 * a terminal, prints the summary (or --json), writes -o RESULTS and judges
 * --slo thresholds.
 */
#include "lt_cli.h"
#include "lt_formats.h"
#include "lt_replay.h"

#include <cjson/cJSON.h>
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

/* ---- the tape as a record source, with --from/--to ------------------------ */

struct tape_src {
    struct lt_tape_reader *rd;
    uint64_t from_ts, to_ts; /* to_ts 0: to the end */
    int has_from;
};

static int tape_next(void *ctx, struct lt_record *rec, struct lt_err *err)
{
    struct tape_src *t = ctx;
    int rc = lt_tape_reader_next(t->rd, rec, err);

    if (rc == 1 && t->to_ts && rec->ts_ns >= t->to_ts)
        return 0;
    return rc;
}

static int tape_rewind(void *ctx, struct lt_err *err)
{
    struct tape_src *t = ctx;

    if (t->has_from)
        return lt_tape_reader_seek_ts(t->rd, t->from_ts, err);
    return lt_tape_reader_seek_block(t->rd, 0, err);
}

/* --from/--to: an offset from the tape's first record ("30s") or an instant. */
static int parse_tape_time(const char *s, const struct lt_tape_info *info, uint64_t *ts,
                           struct lt_err *err)
{
    int64_t v;
    struct lt_err e2;

    if (strchr(s, 'T') || (strlen(s) == 10 && s[4] == '-')) {
        if (lt_parse_iso8601(s, &v, err))
            return LT_E_USAGE;
        *ts = v > (int64_t)info->origin_ns ? (uint64_t)v - info->origin_ns : 0;
        return 0;
    }
    if (lt_parse_duration(s, &v, &e2) || v < 0)
        return lt_error(err, LT_E_USAGE, "'%s' is neither a duration (30s) nor an ISO 8601 time",
                        s);
    *ts = info->first_ts_ns + (uint64_t)v;
    return 0;
}

/* ---- progress ------------------------------------------------------------------ */

/*
 * The status line: fields in order of importance, so a narrow terminal drops
 * the last ones rather than wrapping (lt_cli_status fits it in place).
 */
static void show_progress(void *ctx, const struct lt_replay_progress *p)
{
    char el[32], tot[32], t[72], sent[32], rps[32], p50[40], p99[40], errs[32], fl[40];
    const char *f[] = {t, sent, rps, p99, errs, p50, fl};

    (void)ctx;
    lt_format_duration(p->elapsed_ns, el, sizeof(el));
    lt_format_duration(p->total_ns, tot, sizeof(tot));
    snprintf(t, sizeof(t), "%s%s%s", el, p->total_ns ? "/" : "", p->total_ns ? tot : "");
    snprintf(sent, sizeof(sent), "sent %llu", (unsigned long long)p->sent);
    snprintf(rps, sizeof(rps), "%.0f req/s", p->rps_last);
    lt_format_duration((int64_t)p->p99_last_ns, tot, sizeof(tot));
    snprintf(p99, sizeof(p99), "p99 %s", tot);
    lt_format_duration((int64_t)p->p50_last_ns, tot, sizeof(tot));
    snprintf(p50, sizeof(p50), "p50 %s", tot);
    snprintf(errs, sizeof(errs), "errors %llu", (unsigned long long)p->errors);
    snprintf(fl, sizeof(fl), "in flight %llu", (unsigned long long)(p->in_flight + p->queued));
    lt_cli_status(f, sizeof(f) / sizeof(f[0]));
}

static int write_interval(void *ctx, const struct lt_results_section *sec, struct lt_err *err)
{
    struct lt_results_writer *w = ctx;

    return w ? lt_results_writer_add(w, sec, err) : 0;
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
    lt_cli_warn("replay", "%s; skipped, with its %llu records (--skip-damaged)", why,
                (unsigned long long)records);
}

/* ---- options ---------------------------------------------------------------------- */

struct replay_args {
    const char *target, *arrivals, *spike, *slo, *out, *from, *to, *shard, *start_at, *engine, *ok;
    const char *schedule_out;
    uint64_t threads;
    double speed, rate, max_speed, precision, require;
    int find_max;
    int64_t step, cooldown;
    int burst, keep_order, keep_host, fresh_ids, json, progress, insecure, check;
    uint64_t conns, loops, limit, seed, max_groups;
    int64_t timeout, duration;
    struct lt_strlist headers, drops; /* from rules, in their order */
    struct lt_optseq rules;           /* every rewrite rule, in command-line order */
    int skip_damaged;
};

/*
 * The tape's identity for report's merge check: its origin, records and time span, the
 * same wherever the tape was copied to; none for a tape read from a pipe (not known yet).
 */
static void add_tape_id(cJSON *m, const struct lt_tape_info *info)
{
    char id[24];
    uint64_t h;

    if (info->streamed)
        return;
    h = lt_splitmix64(info->origin_ns);
    h = lt_splitmix64(h ^ info->nrecords);
    h = lt_splitmix64(h ^ info->first_ts_ns);
    h = lt_splitmix64(h ^ info->last_ts_ns);
    snprintf(id, sizeof(id), "%016llx", (unsigned long long)h);
    cJSON_AddStringToObject(m, "tape_id", id);
}

static char *meta_json(const struct replay_args *a, const char *tape, const char *mode,
                       int64_t start_unix_ns, unsigned shard_i, unsigned shard_n,
                       const char *engine, int threads, const struct lt_tape_info *info)
{
    cJSON *m = cJSON_CreateObject();
    char *s;

    cJSON_AddStringToObject(m, "tool", "loadtape");
    cJSON_AddStringToObject(m, "version", LT_VERSION);
    cJSON_AddStringToObject(m, "mode", mode);
    cJSON_AddStringToObject(m, "target", a->target);
    cJSON_AddStringToObject(m, "tape", tape);
    /* exact: a double would lose the nanoseconds (DESIGN.md §3's u64 rule) */
    cJSON_AddItemToObject(m, "start_unix_ns", lt_json_u64((uint64_t)start_unix_ns));
    cJSON_AddNumberToObject(m, "connections", (double)a->conns);
    cJSON_AddStringToObject(m, "engine", engine);
    cJSON_AddStringToObject(m, "ok", a->ok ? a->ok : "2xx");
    cJSON_AddNumberToObject(m, "threads", threads);
    if (strcmp(mode, "speed") == 0)
        cJSON_AddNumberToObject(m, "speed", a->speed);
    if (strcmp(mode, "rate") == 0) {
        cJSON_AddNumberToObject(m, "rate", a->rate);
        cJSON_AddStringToObject(m, "arrivals", a->arrivals ? a->arrivals : "constant");
    }
    if (a->spike)
        cJSON_AddStringToObject(m, "spike", a->spike);
    add_tape_id(m, info);
    /* the rest of the schedule: what makes two results files parts of one run */
    if (a->loops > 1)
        cJSON_AddNumberToObject(m, "loop", (double)a->loops);
    if (a->limit)
        cJSON_AddNumberToObject(m, "limit", (double)a->limit);
    if (a->from)
        cJSON_AddStringToObject(m, "from", a->from);
    if (a->to)
        cJSON_AddStringToObject(m, "to", a->to);
    if (a->arrivals && strcmp(a->arrivals, "poisson") == 0)
        cJSON_AddNumberToObject(m, "seed", (double)a->seed);
    if (a->duration)
        cJSON_AddNumberToObject(m, "duration_s", (double)a->duration / 1e9);
    if (a->find_max) {
        cJSON *f = cJSON_AddObjectToObject(m, "find_max");
        cJSON_AddNumberToObject(f, "step_s", (double)a->step / 1e9);
        cJSON_AddNumberToObject(f, "cooldown_s", (double)a->cooldown / 1e9);
        cJSON_AddNumberToObject(f, "max_speed", a->max_speed);
        cJSON_AddNumberToObject(f, "precision", a->precision);
        cJSON_AddNumberToObject(f, "require", a->require);
    }
    if (shard_n > 1) {
        char sh[48];
        snprintf(sh, sizeof(sh), "%u/%u", shard_i, shard_n);
        cJSON_AddStringToObject(m, "shard", sh);
    }
    s = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return s;
}

static void fill_meta(struct lt_run_meta *meta, const struct replay_args *a, const char *mode,
                      const char *tape, const char *engine, int threads)
{
    snprintf(meta->mode, sizeof(meta->mode), "%s", mode);
    snprintf(meta->target, sizeof(meta->target), "%s", a->target);
    snprintf(meta->tape, sizeof(meta->tape), "%s", tape);
    snprintf(meta->engine, sizeof(meta->engine), "%s", engine);
    snprintf(meta->spike, sizeof(meta->spike), "%s", a->spike ? a->spike : "");
    meta->speed = a->speed;
    meta->rate = a->rate;
    meta->connections = a->conns;
    meta->threads = threads;
}

/* --find-max: its options, and the ones it cannot go with (0, or a usage error printed). */
static int check_find_max(struct lt_cmd_spec *spec, const struct replay_args *a)
{
    static const char *const own[] = {"step", "cooldown", "max-speed", "precision", "require"};
    static const char *const excl[] = {"burst", "spike", "loop",    "duration",
                                       "limit", "shard", "start-at"};

    if (!a->find_max) {
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
            if (lt_cli_opt(spec, own[i])->seen)
                return lt_cli_usage(spec->name, "--%s needs --find-max", own[i]);
        return 0;
    }
    for (size_t i = 0; i < sizeof(excl) / sizeof(excl[0]); i++)
        if (lt_cli_opt(spec, excl[i])->seen)
            return lt_cli_usage(spec->name, "--find-max sets the load of each step itself: no --%s",
                                excl[i]);
    if (!a->slo)
        return lt_cli_usage(spec->name, "--find-max needs --slo: the terms a step must meet");
    if (a->step < 2000000000LL)
        return lt_cli_usage(spec->name, "--step: at least 2s (a warm-up and a judged second)");
    if (!(a->precision > 0 && a->precision < 1))
        return lt_cli_usage(spec->name, "--precision: above 0 and below 100%%");
    if (a->max_speed < (lt_cli_opt(spec, "rate")->seen ? 1 : a->speed))
        return lt_cli_usage(spec->name, "--max-speed: below the speed the search starts at");
    return 0;
}

static int parse_shard(const char *s, uint32_t *i, uint32_t *n)
{
    char *end;
    unsigned long a, b;

    a = strtoul(s, &end, 10);
    if (end == s || *end != '/')
        return -1;
    b = strtoul(end + 1, &end, 10);
    if (*end || b < 1 || b > 65536 || a >= b)
        return -1;
    *i = (uint32_t)a;
    *n = (uint32_t)b;
    return 0;
}

/* ---- rewrite rules --------------------------------------------------------------- */

static const struct {
    const char *opt;
    enum lt_rule_kind kind;
} rule_opts[] = {
    {"rewrite-path", LT_RULE_REWRITE_PATH}, {"set-query", LT_RULE_SET_QUERY},
    {"drop-query", LT_RULE_DROP_QUERY},     {"header", LT_RULE_HEADER},
    {"drop-header", LT_RULE_DROP_HEADER},   {"set-field", LT_RULE_SET_FIELD},
    {"drop-field", LT_RULE_DROP_FIELD},
};

static int push(struct lt_strlist *l, const char *v)
{
    const char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

    if (!nv)
        return -1;
    nv[l->n++] = v;
    l->v = nv;
    return 0;
}

/*
 * The rules in command-line order into rw, and --header/--drop-header also into the
 * lists lt_request_build applies. Returns -1 to go on, or an exit status.
 */
static int add_rules(const char *cmd, struct replay_args *a, struct lt_rewrite *rw)
{
    struct lt_err err;

    for (size_t i = 0; i < a->rules.n; i++) {
        const struct lt_optseq_item *it = &a->rules.v[i];
        size_t k = 0;
        while (strcmp(rule_opts[k].opt, it->opt) != 0)
            k++;
        if (lt_rewrite_add(rw, rule_opts[k].kind, it->val, &err))
            return lt_cli_usage(cmd, "%s", err.msg);
        if ((rule_opts[k].kind == LT_RULE_HEADER && push(&a->headers, it->val)) ||
            (rule_opts[k].kind == LT_RULE_DROP_HEADER && push(&a->drops, it->val))) {
            lt_cli_error(cmd, "out of memory");
            return LT_EXIT_FAIL;
        }
    }
    return -1;
}

static const char *added_what(enum lt_rule_kind k)
{
    return k == LT_RULE_SET_QUERY ? "the parameter"
           : k == LT_RULE_HEADER  ? "the header"
                                  : "the field";
}

/* "rule 2 (--set-field writeKey) never matched", for each such rule, on stderr. */
static void report_rules(const char *cmd, const struct lt_rewrite *rw)
{
    for (size_t i = 0; i < lt_rewrite_count(rw); i++) {
        struct lt_rule_stat st;
        lt_rewrite_stat(rw, i, &st);
        if (st.matched)
            continue;
        if (st.added)
            lt_cli_warn(cmd, "rule %zu (%s %s) never matched: it added %s to %llu request%s", i + 1,
                        st.option, st.subject, added_what(st.kind), (unsigned long long)st.added,
                        st.added == 1 ? "" : "s");
        else
            lt_cli_warn(cmd, "rule %zu (%s %s) never matched", i + 1, st.option, st.subject);
    }
}

static cJSON *rules_json(const struct lt_rewrite *rw)
{
    cJSON *arr = cJSON_CreateArray();

    for (size_t i = 0; i < lt_rewrite_count(rw); i++) {
        struct lt_rule_stat st;
        cJSON *o = cJSON_CreateObject();
        lt_rewrite_stat(rw, i, &st);
        cJSON_AddNumberToObject(o, "rule", (double)(i + 1));
        cJSON_AddStringToObject(o, "option", st.option);
        cJSON_AddStringToObject(o, "subject", st.subject);
        cJSON_AddItemToObject(o, "matched", lt_json_u64(st.matched));
        cJSON_AddItemToObject(o, "added", lt_json_u64(st.added));
        cJSON_AddBoolToObject(o, "never_matched", st.matched == 0);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* ---- the plan and --check ---------------------------------------------------------- */

#define LT_PLAN_BUDGET_RUN 1000000ULL     /* records the plan counts before a run */
#define LT_PLAN_BUDGET_CHECK 100000000ULL /* ... and for --check */
#define CHECK_SHOWN 3

/* Prints the plan's lines on out and its warnings on stderr; 0, or -1 after an error. */
static int show_plan(const char *cmd, const struct replay_args *a, const struct lt_replay_opts *ro,
                     struct lt_source *src, FILE *out, uint64_t budget, lt_plan_each_fn each,
                     void *ctx, struct lt_plan *planp)
{
    struct lt_plan plan;
    struct lt_buf b;
    struct lt_err err;
    int rc;

    if (lt_plan_compute(&plan, ro, src, budget, each, ctx, &err)) {
        lt_cli_error(cmd, "%s", err.msg);
        return -1;
    }
    lt_buf_init(&b, 0);
    rc = lt_plan_text(&b, &plan);
    if (!rc)
        fwrite(b.data, 1, b.len, out);
    lt_buf_reset(&b);
    if (!rc)
        rc = lt_plan_warnings(&b, &plan, a->spike);
    for (size_t p = 0; !rc && p < b.len;) {
        const char *nl = memchr(b.data + p, '\n', b.len - p);
        size_t l = nl ? (size_t)(nl - (const char *)b.data) - p : b.len - p;
        lt_cli_warn(cmd, "%.*s", (int)l, (const char *)b.data + p);
        p += l + 1;
    }
    lt_buf_release(&b);
    fflush(out);
    if (rc)
        lt_cli_error(cmd, "out of memory");
    if (planp)
        *planp = plan;
    return rc ? -1 : 0;
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
 * --check: the plan and the first requests exactly as they would be sent, after
 * every rule, on stdout; the plan's warnings and the rules that never matched on
 * stderr. No engine is made, so no connection is opened.
 */
static int check_run(const char *cmd, const struct replay_args *a, const struct lt_replay_opts *ro,
                     struct lt_source *src)
{
    struct check_ctx c;
    struct lt_plan plan;
    int ret = LT_EXIT_FAIL;

    memset(&c, 0, sizeof(c));
    c.rw = ro->rewrite;
    c.ro = ro->req;
    c.ro.want_wire = 1;
    c.id_seed = ro->id_seed;
    lt_request_init(&c.rq);
    lt_buf_init(&c.out, 0);
    if (show_plan(cmd, a, ro, src, stdout, LT_PLAN_BUDGET_CHECK, check_each, &c, &plan))
        goto out;
    fwrite(c.out.data, 1, c.out.len, stdout);
    if (c.shown == 0)
        printf("--- no request to show\n");
    fflush(stdout);
    if (plan.records)
        report_rules(cmd, c.rw);
    ret = LT_EXIT_OK;
out:
    lt_request_release(&c.rq);
    lt_buf_release(&c.out);
    return ret;
}

int cmd_replay(int argc, char **argv)
{
    static const char cmd[] = "replay";
    struct replay_args a;
    struct lt_opt opts[] = {
        {"target", 0, LT_OPT_STR, "URL", "where to send: http(s)://HOST[:PORT][/PREFIX] (required)",
         &a.target, 0, 0, 0},
        {"speed", 0, LT_OPT_FACTOR, "X",
         "trace time scaled: 1 (or 1x) = original timing, 2x = twice as fast (default: 1)",
         &a.speed, 0, 0, 0},
        {"rate", 0, LT_OPT_RATE, "R", "ignore recorded times: R requests per second", &a.rate, 0, 0,
         0},
        {"arrivals", 0, LT_OPT_STR, "constant|poisson", "with --rate: the gaps (default: constant)",
         &a.arrivals, 0, 0, 0},
        {"burst", 0, LT_OPT_FLAG, NULL, "closed loop: as fast as the connections allow", &a.burst,
         0, 0, 0},
        {"spike", 0, LT_OPT_STR, "FACTORx:DUR/PERIOD",
         "FACTOR times the rate in the last DUR of every PERIOD (e.g. 10x:5s/30s)", &a.spike, 0, 0,
         0},
        {"connections", 'c', LT_OPT_U64, "N", "concurrent connections (default: 64)", &a.conns, 1,
         100000, 0},
        {"keep-order", 0, LT_OPT_FLAG, NULL, "send each session's requests in order, one at a time",
         &a.keep_order, 0, 0, 0},
        {"timeout", 0, LT_OPT_DURATION, "D", "per request (default: 30s)", &a.timeout, 0, 0, 0},
        {"loop", 0, LT_OPT_U64, "N", "replay the tape N times, fresh sessions each pass", &a.loops,
         1, 1000000, 0},
        {"duration", 0, LT_OPT_DURATION, "D", "stop after D", &a.duration, LT_OPT_POSITIVE, 0, 0},
        {"from", 0, LT_OPT_STR, "T", "start at T into the tape (30s) or at an ISO 8601 time",
         &a.from, 0, 0, 0},
        {"to", 0, LT_OPT_STR, "T", "stop at T into the tape (or an ISO 8601 time)", &a.to, 0, 0, 0},
        {"limit", 0, LT_OPT_U64, "N", "replay at most N records (per pass)", &a.limit, 1,
         UINT64_MAX, 0},
        {"header", 'H', LT_OPT_SEQ, "'K: V'", "add or replace a header (repeatable)", &a.rules, 0,
         0, 0},
        {"drop-header", 0, LT_OPT_SEQ, "K", "remove a recorded header (repeatable)", &a.rules, 0, 0,
         0},
        {"rewrite-path", 0, LT_OPT_SEQ, "'RE=>REPL'",
         "rewrite the path: POSIX extended regex, \\1..\\9 in REPL (repeatable)", &a.rules, 0, 0,
         0},
        {"set-query", 0, LT_OPT_SEQ, "NAME=VALUE", "set a query parameter, or add it (repeatable)",
         &a.rules, 0, 0, 0},
        {"drop-query", 0, LT_OPT_SEQ, "NAME", "remove a query parameter (repeatable)", &a.rules, 0,
         0, 0},
        {"set-field", 0, LT_OPT_SEQ, "PATH=VALUE",
         "set a JSON body field at a dotted path, also in each batch[] element; VALUE is a JSON "
         "literal if it reads as one, else a string (repeatable)",
         &a.rules, 0, 0, 0},
        {"drop-field", 0, LT_OPT_SEQ, "PATH",
         "remove a JSON body field, also from each batch[] element (repeatable)", &a.rules, 0, 0,
         0},
        {"check", 0, LT_OPT_FLAG, NULL,
         "print the plan and the first 3 requests as they would be sent; send nothing", &a.check, 0,
         0, 0},
        {"keep-host", 0, LT_OPT_FLAG, NULL, "send the recorded Host header, not the target's",
         &a.keep_host, 0, 0, 0},
        {"fresh-ids", 0, LT_OPT_FLAG, NULL, "give every event a new messageId (JSON bodies)",
         &a.fresh_ids, 0, 0, 0},
        {"shard", 0, LT_OPT_STR, "I/N", "send only the sessions of shard I of N", &a.shard, 0, 0,
         0},
        {"start-at", 0, LT_OPT_STR, "UNIX_TIME",
         "start at this wall-clock instant (seconds or ISO 8601)", &a.start_at, 0, 0, 0},
        {"seed", 0, LT_OPT_U64, "S", "seed of --arrivals poisson (default: 1)", &a.seed, 0, 0, 0},
        {"slo", 0, LT_OPT_STR, "EXPR",
         "thresholds, e.g. 'p99<200ms,error_rate<1%' (exit 3 when one fails)", &a.slo, 0, 0, 0},
        {"output", 'o', LT_OPT_STR, "RESULTS", "write the results file", &a.out, 0, 0, 0},
        {"json", 0, LT_OPT_FLAG, NULL, "print the summary as JSON", &a.json, 0, 0, 0},
        {"progress", 0, LT_OPT_FLAG, NULL,
         "show the status line even when stderr is not a terminal", &a.progress, 0, 0, 0},
        {"insecure", 'k', LT_OPT_FLAG, NULL, "https: do not verify the certificate", &a.insecure, 0,
         0, 0},
        {"engine", 0, LT_OPT_STR, "KIND",
         "auto, native or curl (default: auto: native for http://, libcurl for https://)",
         &a.engine, 0, 0, 0},
        {"ok", 0, LT_OPT_STR, "2xx|expected|LIST",
         "what counts as ok: 2xx (default), expected (the recorded status, 400 for an invalid "
         "synth event, else 2xx), or codes and classes like 200,202,4xx",
         &a.ok, 0, 0, 0},
        {"threads", 0, LT_OPT_U64, "N",
         "worker threads, each with its share of -c (default: the online CPUs)", &a.threads, 1, 256,
         0},
        {"find-max", 0, LT_OPT_FLAG, NULL,
         "find the highest speed (or --rate) at which every --slo term holds", &a.find_max, 0, 0,
         0},
        {"step", 0, LT_OPT_DURATION, "D",
         "--find-max: length of each step; its first 10% is warm-up (default: 30s)", &a.step,
         LT_OPT_POSITIVE, 0, 0},
        {"cooldown", 0, LT_OPT_DURATION, "D", "--find-max: pause between steps (default: 5s)",
         &a.cooldown, 0, 0, 0},
        {"max-speed", 0, LT_OPT_FACTOR, "X",
         "--find-max: highest speed tried, or factor of --rate (default: 64)", &a.max_speed, 0, 0,
         0},
        {"precision", 0, LT_OPT_FRACTION, "P",
         "--find-max: stop when pass and breach are this close (default: 5%)", &a.precision, 0, 0,
         0},
        {"require", 0, LT_OPT_FACTOR, "X",
         "--find-max: exit 0 only if it holds this speed, or factor of --rate (default: 1)",
         &a.require, 0, 0, 0},
        {"schedule-out", 0, LT_OPT_STR, "FILE",
         "write 'INDEX SESSION INTENDED_NS' for every request sent (a check that shards share "
         "one schedule)",
         &a.schedule_out, 0, 0, 0},
        {"max-groups", 0, LT_OPT_U64, "N",
         "per-endpoint groups (method and path) before the rest go to (other) (default: 64)",
         &a.max_groups, 1, LT_GROUPS_MAX, 0},
        {"skip-damaged", 0, LT_OPT_FLAG, NULL,
         "pass over corrupt tape blocks (the run is then inconclusive, exit 4)", &a.skip_damaged, 0,
         0, 0},
        LT_OPT_END,
    };
    struct lt_cmd_spec spec = {
        cmd,
        "TAPE --target URL [options]",
        "Send a tape's requests to a target and measure latency.",
        "TAPE is a file, - (standard input) or an http(s):// URL read with range requests.\n"
        "Latency counts from each request's intended send time, so a stalled target cannot\n"
        "hide its stall; service time counts from the actual send.\n"
        "A run that could not keep its schedule (scheduler lag p99 over 1 ms, or over 1%\n"
        "of requests waiting over 1 ms for a free connection) is flagged client-bound.\n"
        "Rewrite rules (--rewrite-path, --set-query, --drop-query, -H, --drop-header,\n"
        "--set-field, --drop-field) apply in the order given, once per record before it is\n"
        "sent; Content-Length follows the new body. A rule that never matched is reported.\n"
        "The plan (records, trace span and rates, wall-clock length and peak rate, spike\n"
        "windows) is printed on stderr before every run, with its warnings; --check prints\n"
        "it and the first 3 requests as they would be sent, and sends nothing.\n"
        "Exit status: 0 ok, 1 failure (or not one request reached the target), 2 usage,\n"
        "3 a --slo threshold failed, 4 inconclusive (interrupted, or client-bound with a\n"
        "latency or throughput threshold failed).\n"
        "\n"
        "--find-max answers \"how far above production does the target hold?\": steps of\n"
        "--step through the tape at speeds 1x, 2x, 4x ... until a --slo term fails, then\n"
        "halves the gap down to --precision, and prints each step and one answer line:\n"
        "  holds 3.4x (17,000 req/s: p99 142 ms); breaks at 3.6x (p99 231 ms fails p99<200ms)\n"
        "It stops at a step loadtape cannot keep up with (the answer is then \"at least\"),\n"
        "at one where over half the requests fail, and at --max-speed. Exit status: 0 it\n"
        "holds --require, 3 it does not, 4 inconclusive (interrupted, client-bound, or the\n"
        "limit found is that of -c connections).\n",
        opts,
        1,
        1};
    struct lt_replay_opts ro;
    struct lt_replay *run = NULL;
    struct lt_rewrite *rw = NULL;
    struct lt_tape_reader *rd = NULL;
    struct lt_results_writer *w = NULL;
    int out_existed = 0;
    uint64_t skipped0 = 0;
    struct lt_target target;
    struct lt_slo slo;
    struct lt_err err;
    struct tape_src ts;
    struct lt_source src;
    struct lt_replay_cbs cbs;
    struct lt_run_meta meta;
    struct lt_summary sum;
    const struct lt_tape_info *info;
    const struct lt_groups *groups;
    struct lt_report_group *rows = NULL;
    size_t nrows = 0;
    char **pos, *meta_s = NULL;
    FILE *sched_f = NULL;
    int npos, rc, ret = LT_EXIT_FAIL, show, run_rc;
    const char *mode;
    int64_t start_unix = 0;
    struct sigaction sa, old_sa;

    memset(&a, 0, sizeof(a));
    a.speed = 1;
    a.step = 30000000000LL;
    a.cooldown = 5000000000LL;
    a.max_speed = 64;
    a.precision = 0.05;
    a.require = 1;
    a.conns = 64;
    a.timeout = 30000000000LL;
    a.loops = 1;
    a.seed = 1;
    memset(&ro, 0, sizeof(ro));
    memset(&slo, 0, sizeof(slo));
    lt_err_clear(&err);
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        goto out_rc;

    /* -- usage checks -- */
    if (!a.target) {
        rc = lt_cli_usage(cmd, "--target URL is required");
        goto out_rc;
    }
    if (lt_target_parse(&target, a.target, &err)) {
        rc = lt_cli_usage(cmd, "--target: %s", err.msg);
        goto out_rc;
    }
    if ((lt_cli_opt(&spec, "speed")->seen != 0) + (lt_cli_opt(&spec, "rate")->seen != 0) + a.burst >
        1) {
        rc = lt_cli_usage(cmd, "--speed, --rate and --burst exclude each other");
        goto out_rc;
    }
    if (a.arrivals && strcmp(a.arrivals, "constant") != 0 && strcmp(a.arrivals, "poisson") != 0) {
        rc = lt_cli_usage(cmd, "--arrivals: expected constant or poisson, not '%s'", a.arrivals);
        goto out_rc;
    }
    if (a.arrivals && !lt_cli_opt(&spec, "rate")->seen) {
        rc = lt_cli_usage(cmd, "--arrivals needs --rate");
        goto out_rc;
    }
    if (a.check && (a.out || a.json)) {
        rc = lt_cli_usage(cmd, "--check sends nothing and prints text: %s does not go with it",
                          a.out ? "-o" : "--json");
        goto out_rc;
    }
    if (a.spike && a.burst) {
        rc = lt_cli_usage(cmd, "--spike cannot be used with --burst (it has no rate to multiply)");
        goto out_rc;
    }
    if (a.spike && lt_spike_parse(a.spike, &ro.sched.spike, &err)) {
        rc = lt_cli_usage(cmd, "--spike: %s", err.msg);
        goto out_rc;
    }
    if (a.slo && lt_slo_parse(&slo, a.slo, &err)) {
        rc = lt_cli_usage(cmd, "--slo: %s", err.msg);
        goto out_rc;
    }
    if (lt_ok_parse(&ro.ok, a.ok, &err)) {
        rc = lt_cli_usage(cmd, "--ok: %s", err.msg);
        goto out_rc;
    }
    if (lt_cli_opt(&spec, "speed")->seen && !(a.speed > 0 && a.speed <= 1e6)) {
        rc = lt_cli_usage(cmd, "--speed: must be above 0 and at most 1000000");
        goto out_rc;
    }
    if (a.timeout <= 0) {
        rc = lt_cli_usage(cmd, "--timeout: must be above 0");
        goto out_rc;
    }
    if ((rc = check_find_max(&spec, &a)) != 0)
        goto out_rc;
    if (a.shard && parse_shard(a.shard, &ro.shard_i, &ro.shard_n)) {
        rc = lt_cli_usage(cmd, "--shard: expected I/N with 0 <= I < N, not '%s'", a.shard);
        goto out_rc;
    }
    rw = lt_rewrite_new();
    if (!rw) {
        lt_cli_error(cmd, "out of memory");
        goto out;
    }
    if ((rc = add_rules(cmd, &a, rw)) >= 0)
        goto out_rc;
    for (size_t i = 0; i < a.headers.n; i++)
        if (lt_request_header_check(a.headers.v[i], &err)) {
            rc = lt_cli_usage(cmd, "--header: %s", err.msg);
            goto out_rc;
        }
    if (a.start_at) {
        double secs;
        if (strchr(a.start_at, 'T') ? lt_parse_iso8601(a.start_at, &start_unix, &err)
                                    : lt_parse_double(a.start_at, &secs, &err)) {
            rc = lt_cli_usage(
                cmd, "--start-at: expected Unix seconds or an ISO 8601 time, not '%s'", a.start_at);
            goto out_rc;
        }
        if (!strchr(a.start_at, 'T'))
            start_unix = (int64_t)(secs * 1e9);
    }
    mode = a.burst ? "burst" : lt_cli_opt(&spec, "rate")->seen ? "rate" : "speed";
    if (!a.engine || strcmp(a.engine, "auto") == 0)
        ro.engine = target.https ? &lt_engine_curl : &lt_engine_native;
    else if (strcmp(a.engine, "native") == 0)
        ro.engine = &lt_engine_native;
    else if (strcmp(a.engine, "curl") == 0)
        ro.engine = &lt_engine_curl;
    else {
        rc = lt_cli_usage(cmd, "--engine: expected auto, native or curl, not '%s'", a.engine);
        goto out_rc;
    }
    if (ro.engine == &lt_engine_native && target.https) {
        rc = lt_cli_usage(cmd, "--engine native speaks http:// only; https:// needs --engine curl");
        goto out_rc;
    }
    if (!a.threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        a.threads = n > 0 ? (uint64_t)(n < 256 ? n : 256) : 1;
    }
    if (a.threads > a.conns)
        a.threads = a.conns; /* each thread needs a connection of its own */

    /* -- the tape -- */
    rd = lt_tape_reader_open(pos[0], &err);
    if (!rd) {
        lt_cli_error(cmd, "%s", err.msg);
        goto out;
    }
    if (lt_tape_reader_warning(rd))
        lt_cli_warn(cmd, "%s", lt_tape_reader_warning(rd));
    if (a.skip_damaged)
        lt_tape_reader_skip_damaged(rd, on_skip, NULL);
    info = lt_tape_reader_info(rd);
    memset(&ts, 0, sizeof(ts));
    ts.rd = rd;
    if (a.from && parse_tape_time(a.from, info, &ts.from_ts, &err)) {
        rc = lt_cli_usage(cmd, "--from: %s", err.msg);
        goto out_rc;
    }
    if (a.to && parse_tape_time(a.to, info, &ts.to_ts, &err)) {
        rc = lt_cli_usage(cmd, "--to: %s", err.msg);
        goto out_rc;
    }
    if (a.to && a.from && ts.to_ts <= ts.from_ts) {
        rc = lt_cli_usage(cmd, "--to must be after --from");
        goto out_rc;
    }
    ts.has_from = a.from != NULL;
    if (ts.has_from && lt_tape_reader_seek_ts(rd, ts.from_ts, &err)) {
        lt_cli_error(cmd, "%s", err.msg);
        goto out;
    }
    src.ctx = &ts;
    src.next = tape_next;
    src.rewind = tape_rewind;

    /* -- the run -- */
    ro.sched.mode = a.burst                           ? LT_MODE_BURST
                    : lt_cli_opt(&spec, "rate")->seen ? LT_MODE_RATE
                                                      : LT_MODE_SPEED;
    ro.sched.speed = a.speed;
    ro.sched.rate = a.rate;
    ro.sched.poisson = a.arrivals && strcmp(a.arrivals, "poisson") == 0;
    ro.sched.seed = a.seed;
    ro.sched.has_spike = a.spike != NULL;
    ro.engine_conf.conns = (int)a.conns;
    ro.engine_conf.target = &target;
    ro.threads = (int)a.threads;
    ro.engine_conf.timeout_ns = a.timeout;
    ro.engine_conf.insecure = a.insecure;
    ro.req.target = &target;
    ro.req.add_headers = a.headers.v;
    ro.req.nadd = a.headers.n;
    ro.req.drop_headers = a.drops.v;
    ro.req.ndrop = a.drops.n;
    ro.req.keep_host = a.keep_host;
    ro.req.fresh_ids = a.fresh_ids;
    ro.keep_order = a.keep_order;
    ro.loops = a.loops;
    ro.duration_ns = a.duration;
    ro.limit = a.limit;
    ro.max_groups = (size_t)a.max_groups;
    ro.grace_ns = a.timeout < 2000000000LL ? a.timeout : 2000000000LL;
    ro.id_seed = (uint64_t)lt_wall_ns() ^ ((uint64_t)getpid() << 32);
    ro.rewrite = lt_rewrite_count(rw) ? rw : NULL;
    if (a.check) {
        ret = check_run(cmd, &a, &ro, &src);
        goto out;
    }
    /* the plan first, before --start-at's wait is reckoned (a tape from a pipe can be
     * read only once, and one over http(s) would be fetched twice: no plan then) */
    if (info->streamed) {
        fprintf(stderr, "plan: not known before the run: the tape is read from a pipe\n");
    } else if (lt_tape_reader_fetched(rd, &(uint64_t){0}, &(uint64_t){0})) {
        fprintf(stderr, "plan: not counted before the run: the tape is read over the network "
                        "(--check shows it)\n");
    } else {
        int prc = show_plan(cmd, &a, &ro, &src, stderr, LT_PLAN_BUDGET_RUN, NULL, NULL, NULL);
        if (prc == 0)
            prc = src.rewind(src.ctx, &err) ? (lt_cli_error(cmd, "%s", err.msg), -1) : 0;
        if (prc)
            goto out;
    }
    show = lt_cli_progress_wanted(a.progress); /* on stderr: --json on stdout is unaffected */
    ro.progress_ns = show ? 200000000 : 0;
    if (ro.sched.mode == LT_MODE_SPEED && info->nrecords)
        ro.total_hint_ns =
            (int64_t)((double)(info->last_ts_ns - info->first_ts_ns) / a.speed) * (int64_t)a.loops;
    else if (ro.sched.mode == LT_MODE_RATE)
        ro.total_hint_ns = (int64_t)((double)info->nrecords * (double)a.loops / a.rate * 1e9);
    if (a.duration && (ro.total_hint_ns == 0 || a.duration < ro.total_hint_ns))
        ro.total_hint_ns = a.duration;
    if (a.start_at) {
        int64_t wall = lt_wall_ns(), mono = lt_mono_ns();
        if (start_unix < wall)
            lt_cli_warn(cmd, "--start-at is %.3fs in the past: starting now",
                        (double)(wall - start_unix) / 1e9);
        else
            ro.start_mono_ns = mono + (start_unix - wall);
    }
    if (!start_unix)
        start_unix = lt_wall_ns();
    else if (!ro.start_mono_ns)
        start_unix = lt_wall_ns();

    if (a.out) {
        meta_s = meta_json(&a, pos[0], mode, start_unix, ro.shard_i, ro.shard_n, ro.engine->name,
                           (int)a.threads, info);
        out_existed = strcmp(a.out, "-") != 0 && access(a.out, F_OK) == 0;
        w = lt_results_writer_open(a.out, meta_s, &err);
        if (!w) {
            lt_cli_error(cmd, "%s", err.msg);
            goto out;
        }
    }
    if (a.schedule_out) {
        sched_f = lt_cli_open_out(cmd, a.schedule_out, 0);
        if (!sched_f)
            goto out;
        ro.scheduled = write_scheduled;
        ro.scheduled_ctx = sched_f;
    }
    if (a.find_max) {
        struct lt_cli_findmax fm;
        int rate = ro.sched.mode == LT_MODE_RATE;
        memset(&fm, 0, sizeof(fm));
        memset(&meta, 0, sizeof(meta));
        fill_meta(&meta, &a, mode, pos[0], ro.engine->name, (int)a.threads);
        fm.cmd = cmd;
        fm.ro = &ro;
        fm.src = &src;
        fm.slo = &slo;
        fm.w = w;
        w = NULL; /* the search closes it */
        fm.meta = &meta;
        fm.json = a.json;
        fm.progress = show;
        fm.rate_mode = rate;
        fm.start = rate ? a.rate : a.speed;
        fm.max = rate ? a.rate * a.max_speed : a.max_speed;
        fm.require = rate ? a.rate * a.require : a.require;
        fm.precision = a.precision;
        fm.step_ns = a.step;
        /* the first 10%, in whole seconds: the intervals it is judged on */
        fm.warmup_ns = (a.step / 10 + 999999999LL) / 1000000000LL * 1000000000LL;
        fm.cooldown_ns = a.cooldown;
        rc = lt_cli_find_max(&fm);
        goto out_rc;
    }
    run = lt_replay_new(&ro, &src, &err);
    if (!run) {
        lt_cli_error(cmd, "%s", err.msg);
        goto out;
    }
    memset(&cbs, 0, sizeof(cbs));
    cbs.ctx = w;
    cbs.interval = write_interval;
    cbs.progress = show ? show_progress : NULL;
    sigint_run = run;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND; /* a second ^C ends the process */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    sigaction(SIGTERM, &sa, NULL);
    skipped0 = lt_tape_reader_skipped(rd, NULL); /* a plan pass may have read the tape */
    run_rc = lt_replay_run(run, &cbs, &err);
    sigaction(SIGINT, &old_sa, NULL);
    signal(SIGTERM, SIG_DFL);
    sigint_run = NULL;
    if (show)
        fprintf(stderr, "\r\033[K");
    if (run_rc)
        lt_cli_error(cmd, "%s", err.msg);
    /* a tape from a pipe says whether it was closed only at its end */
    if (lt_tape_reader_info(rd)->streamed && lt_tape_reader_warning(rd))
        lt_cli_warn(cmd, "%s", lt_tape_reader_warning(rd));
    {
        static const char *const cls[] = {"", "connect", "timeout", "reset", "other"};
        const struct lt_stats *t = lt_replay_totals(run);
        for (int c = LT_XERR_CONNECT; c <= LT_XERR_OTHER; c++)
            if (t->c[LT_RC_ERR_CONNECT + c - 1])
                lt_cli_warn(cmd, "%llu %s error%s, the first: %s",
                            (unsigned long long)t->c[LT_RC_ERR_CONNECT + c - 1], cls[c],
                            t->c[LT_RC_ERR_CONNECT + c - 1] == 1 ? "" : "s",
                            lt_replay_first_error(run, (enum lt_xfer_err)c));
    }

    /* -- results -- */
    lt_summary_compute(&sum, lt_replay_totals(run));
    groups = lt_replay_groups(run);
    rows = calloc(groups->n + 1, sizeof(*rows));
    if (!rows) {
        lt_cli_error(cmd, "out of memory");
        goto out;
    }
    nrows = lt_groups_rows(groups, rows);
    sum.tape_skipped = lt_tape_reader_skipped(rd, NULL) - skipped0;
    memset(&meta, 0, sizeof(meta));
    fill_meta(&meta, &a, mode, pos[0], ro.engine->name, lt_replay_threads(run));
    if (sum.interrupted)
        lt_cli_warn(cmd, "interrupted: the numbers cover part of the run, and no threshold passes");
    if (sum.not_sent)
        lt_cli_warn(cmd,
                    "%llu requests were never sent: every connection was still busy when the "
                    "run ended (the target stalled); they count as failures",
                    (unsigned long long)sum.not_sent);
    if (sum.client_bound)
        lt_cli_warn(cmd,
                    "client-bound: %s; latency includes loadtape's own delay (try --threads, a "
                    "higher -c, or --shard across machines)",
                    sum.client_bound_reason);
    if (w && lt_results_writer_failed(w)) {
        /* the error was said when the write failed; what is there is not whole */
        lt_results_writer_close(w, NULL);
        w = NULL;
        if (out_existed)
            lt_cli_warn(cmd, "'%s' was left as it was", a.out);
        else if (access(a.out, F_OK) == 0)
            lt_cli_warn(cmd,
                        "'%s' holds only the first part of the run (report calls it incomplete)",
                        a.out);
    }
    if (w) {
        struct lt_results_section sec;
        void *scratch = malloc(lt_stats_scratch_size());
        if (!scratch) {
            lt_cli_error(cmd, "out of memory");
            goto out;
        }
        lt_stats_to_section(lt_replay_totals(run), LT_RESULTS_TOTAL, scratch, &sec);
        sec.c[LT_RC_TAPE_SKIPPED] = sum.tape_skipped;
        rc = lt_results_writer_add(w, &sec, &err);
        /* after the total, so a reader before 1.2 skips them */
        for (size_t i = 0; !rc && i < groups->n; i++)
            if (groups->g[i]->st) {
                lt_group_to_section(groups->g[i], scratch, &sec);
                rc = lt_results_writer_add(w, &sec, &err);
            }
        free(scratch);
        if (!rc)
            rc = lt_results_writer_close(w, &err);
        else
            lt_results_writer_close(w, NULL);
        w = NULL;
        if (rc) {
            lt_cli_error(cmd, "%s", err.msg);
            run_rc = rc;
        }
    }
    if (sum.scheduled)
        report_rules(cmd, rw);
    if (a.json) {
        cJSON *j = lt_summary_json(&sum, lt_replay_totals(run), &meta, &slo);
        char *s;
        if (j)
            lt_summary_groups_json(j, rows, nrows);
        if (j && lt_rewrite_count(rw))
            cJSON_AddItemToObject(j, "rules", rules_json(rw));
        s = j ? cJSON_PrintUnformatted(j) : NULL;
        if (s)
            printf("%s\n", s);
        free(s);
        cJSON_Delete(j);
    } else {
        struct lt_buf b;
        lt_buf_init(&b, 0);
        if (lt_summary_text(&b, &sum, lt_replay_totals(run), &meta, &slo) == 0 &&
            lt_summary_groups_text(&b, rows, nrows) == 0)
            fwrite(b.data, 1, b.len, stdout);
        lt_buf_release(&b);
    }
    fflush(stdout);
    if (run_rc)
        goto out;
    if (sum.completed == 0) {
        lt_cli_error(cmd,
                     sum.scheduled ? "not one request reached the target '%s'"
                                   : "nothing was sent to '%s' (no records to replay)",
                     a.target);
        goto out;
    }
    ret = lt_cli_verdict_exit(lt_summary_verdict(&sum, &slo));
    if (ret == LT_EXIT_SLO)
        lt_cli_warn(cmd, "a threshold of --slo failed");
    else if (ret == LT_EXIT_INCONCLUSIVE)
        lt_cli_warn(cmd, "inconclusive: %s",
                    sum.interrupted ? "the run was interrupted"
                    : sum.tape_skipped
                        ? "damaged tape blocks were skipped, so not the whole tape was sent"
                        : "a threshold failed while the client could not keep up");
out:
    rc = ret;
out_rc:
    free(rows);
    lt_replay_free(run);
    lt_rewrite_free(rw);
    free(a.rules.v);
    if (w)
        lt_results_writer_close(w, NULL);
    if (sched_f && (fflush(sched_f) != 0 || ferror(sched_f))) {
        lt_cli_error(cmd, "cannot write '%s'", a.schedule_out);
        rc = LT_EXIT_FAIL;
    }
    if (sched_f)
        lt_cli_close_out(sched_f);
    lt_cli_note_fetched(cmd, rd);
    lt_tape_reader_free(rd);
    free(meta_s);
    free(a.headers.v);
    free(a.drops.v);
    return rc;
}
