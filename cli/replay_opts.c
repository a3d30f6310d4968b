/*
 * replay_opts.c - the options of 'loadtape replay': the table that parses
 * them and prints --help, the checks a usage error comes from (in the order
 * they are made, so a command line with two mistakes is told the same one
 * first), and the run's settings they give (schedule, engine, requests,
 * rewrite rules, shard, start instant, the tape's --from/--to window).
 */
#include "replay_cmd.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char details[] =
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
    "limit found is that of -c connections).\n";

void replay_cmd_init(struct replay_cmd *c)
{
    struct replay_args *a = &c->a;
    const struct lt_opt opts[] = {
        {"target", 0, LT_OPT_STR, "URL", "where to send: http(s)://HOST[:PORT][/PREFIX] (required)",
         &a->target, 0, 0, 0},
        {"speed", 0, LT_OPT_FACTOR, "X",
         "trace time scaled: 1 (or 1x) = original timing, 2x = twice as fast (default: 1)",
         &a->speed, 0, 0, 0},
        {"rate", 0, LT_OPT_RATE, "R", "ignore recorded times: R requests per second", &a->rate, 0,
         0, 0},
        {"arrivals", 0, LT_OPT_STR, "constant|poisson", "with --rate: the gaps (default: constant)",
         &a->arrivals, 0, 0, 0},
        {"burst", 0, LT_OPT_FLAG, NULL, "closed loop: as fast as the connections allow", &a->burst,
         0, 0, 0},
        {"spike", 0, LT_OPT_STR, "FACTORx:DUR/PERIOD",
         "FACTOR times the rate in the last DUR of every PERIOD (e.g. 10x:5s/30s)", &a->spike, 0, 0,
         0},
        {"connections", 'c', LT_OPT_U64, "N", "concurrent connections (default: 64)", &a->conns, 1,
         100000, 0},
        {"keep-order", 0, LT_OPT_FLAG, NULL, "send each session's requests in order, one at a time",
         &a->keep_order, 0, 0, 0},
        {"timeout", 0, LT_OPT_DURATION, "D", "per request (default: 30s)", &a->timeout, 0, 0, 0},
        {"loop", 0, LT_OPT_U64, "N", "replay the tape N times, fresh sessions each pass", &a->loops,
         1, 1000000, 0},
        {"duration", 0, LT_OPT_DURATION, "D", "stop after D", &a->duration, LT_OPT_POSITIVE, 0, 0},
        {"from", 0, LT_OPT_STR, "T", "start at T into the tape (30s) or at an ISO 8601 time",
         &a->from, 0, 0, 0},
        {"to", 0, LT_OPT_STR, "T", "stop at T into the tape (or an ISO 8601 time)", &a->to, 0, 0,
         0},
        {"limit", 0, LT_OPT_U64, "N", "replay at most N records (per pass)", &a->limit, 1,
         UINT64_MAX, 0},
        {"header", 'H', LT_OPT_SEQ, "'K: V'", "add or replace a header (repeatable)", &a->rules, 0,
         0, 0},
        {"drop-header", 0, LT_OPT_SEQ, "K", "remove a recorded header (repeatable)", &a->rules, 0,
         0, 0},
        {"rewrite-path", 0, LT_OPT_SEQ, "'RE=>REPL'",
         "rewrite the path: POSIX extended regex, \\1..\\9 in REPL (repeatable)", &a->rules, 0, 0,
         0},
        {"set-query", 0, LT_OPT_SEQ, "NAME=VALUE", "set a query parameter, or add it (repeatable)",
         &a->rules, 0, 0, 0},
        {"drop-query", 0, LT_OPT_SEQ, "NAME", "remove a query parameter (repeatable)", &a->rules, 0,
         0, 0},
        {"set-field", 0, LT_OPT_SEQ, "PATH=VALUE",
         "set a JSON body field at a dotted path, also in each batch[] element; VALUE is a JSON "
         "literal if it reads as one, else a string (repeatable)",
         &a->rules, 0, 0, 0},
        {"drop-field", 0, LT_OPT_SEQ, "PATH",
         "remove a JSON body field, also from each batch[] element (repeatable)", &a->rules, 0, 0,
         0},
        {"check", 0, LT_OPT_FLAG, NULL,
         "print the plan and the first 3 requests as they would be sent; send nothing", &a->check,
         0, 0, 0},
        {"keep-host", 0, LT_OPT_FLAG, NULL, "send the recorded Host header, not the target's",
         &a->keep_host, 0, 0, 0},
        {"fresh-ids", 0, LT_OPT_FLAG, NULL, "give every event a new messageId (JSON bodies)",
         &a->fresh_ids, 0, 0, 0},
        {"shard", 0, LT_OPT_STR, "I/N", "send only the sessions of shard I of N", &a->shard, 0, 0,
         0},
        {"start-at", 0, LT_OPT_STR, "UNIX_TIME",
         "start at this wall-clock instant (seconds or ISO 8601)", &a->start_at, 0, 0, 0},
        {"seed", 0, LT_OPT_U64, "S", "seed of --arrivals poisson (default: 1)", &a->seed, 0, 0, 0},
        {"slo", 0, LT_OPT_STR, "EXPR",
         "thresholds, e.g. 'p99<200ms,error_rate<1%' (exit 3 when one fails)", &a->slo, 0, 0, 0},
        {"output", 'o', LT_OPT_STR, "RESULTS", "write the results file", &a->out, 0, 0, 0},
        {"json", 0, LT_OPT_FLAG, NULL, "print the summary as JSON", &a->json, 0, 0, 0},
        {"progress", 0, LT_OPT_FLAG, NULL,
         "show the status line even when stderr is not a terminal", &a->progress, 0, 0, 0},
        {"insecure", 'k', LT_OPT_FLAG, NULL, "https: do not verify the certificate", &a->insecure,
         0, 0, 0},
        {"engine", 0, LT_OPT_STR, "KIND",
         "auto, native or curl (default: auto: native for http://, libcurl for https://)",
         &a->engine, 0, 0, 0},
        {"ok", 0, LT_OPT_STR, "2xx|expected|LIST",
         "what counts as ok: 2xx (default), expected (the recorded status, 400 for an invalid "
         "synth event, else 2xx), or codes and classes like 200,202,4xx",
         &a->ok, 0, 0, 0},
        {"threads", 0, LT_OPT_U64, "N",
         "worker threads, each with its share of -c (default: the online CPUs)", &a->threads, 1,
         256, 0},
        {"find-max", 0, LT_OPT_FLAG, NULL,
         "find the highest speed (or --rate) at which every --slo term holds", &a->find_max, 0, 0,
         0},
        {"step", 0, LT_OPT_DURATION, "D",
         "--find-max: length of each step; its first 10% is warm-up (default: 30s)", &a->step,
         LT_OPT_POSITIVE, 0, 0},
        {"cooldown", 0, LT_OPT_DURATION, "D", "--find-max: pause between steps (default: 5s)",
         &a->cooldown, 0, 0, 0},
        {"max-speed", 0, LT_OPT_FACTOR, "X",
         "--find-max: highest speed tried, or factor of --rate (default: 64)", &a->max_speed, 0, 0,
         0},
        {"precision", 0, LT_OPT_FRACTION, "P",
         "--find-max: stop when pass and breach are this close (default: 5%)", &a->precision, 0, 0,
         0},
        {"require", 0, LT_OPT_FACTOR, "X",
         "--find-max: exit 0 only if it holds this speed, or factor of --rate (default: 1)",
         &a->require, 0, 0, 0},
        {"schedule-out", 0, LT_OPT_STR, "FILE",
         "write 'INDEX SESSION INTENDED_NS' for every request sent (a check that shards share "
         "one schedule)",
         &a->schedule_out, 0, 0, 0},
        {"max-groups", 0, LT_OPT_U64, "N",
         "per-endpoint groups (method and path) before the rest go to (other) (default: 64)",
         &a->max_groups, 1, LT_GROUPS_MAX, 0},
        {"skip-damaged", 0, LT_OPT_FLAG, NULL,
         "pass over corrupt tape blocks (the run is then inconclusive, exit 4)", &a->skip_damaged,
         0, 0, 0},
        LT_OPT_END,
    };
    const struct lt_cmd_spec spec = {REPLAY_CMD,
                                     "TAPE --target URL [options]",
                                     "Send a tape's requests to a target and measure latency.",
                                     details,
                                     c->opts,
                                     1,
                                     1};

    _Static_assert(sizeof(opts) <= sizeof(c->opts), "REPLAY_MAX_OPTS is too small");
    memset(c, 0, sizeof(*c));
    memcpy(c->opts, opts, sizeof(opts));
    c->spec = spec;
    a->speed = 1;
    a->step = 30000000000LL;
    a->cooldown = 5000000000LL;
    a->max_speed = 64;
    a->precision = 0.05;
    a->require = 1;
    a->conns = 64;
    a->timeout = 30000000000LL;
    a->loops = 1;
    a->seed = 1;
}

static int seen(struct replay_cmd *c, const char *opt)
{
    return lt_cli_opt(&c->spec, opt)->seen != 0;
}

/* ---- the checks ---------------------------------------------------------------------- */

/* The target, and the timing options that exclude each other. */
static int check_modes(struct replay_cmd *c)
{
    const struct replay_args *a = &c->a;
    struct lt_err err;

    if (!a->target)
        return lt_cli_usage(REPLAY_CMD, "--target URL is required");
    if (lt_target_parse(&c->target, a->target, &err))
        return lt_cli_usage(REPLAY_CMD, "--target: %s", err.msg);
    if (seen(c, "speed") + seen(c, "rate") + a->burst > 1)
        return lt_cli_usage(REPLAY_CMD, "--speed, --rate and --burst exclude each other");
    if (a->arrivals && strcmp(a->arrivals, "constant") != 0 && strcmp(a->arrivals, "poisson") != 0)
        return lt_cli_usage(REPLAY_CMD, "--arrivals: expected constant or poisson, not '%s'",
                            a->arrivals);
    if (a->arrivals && !seen(c, "rate"))
        return lt_cli_usage(REPLAY_CMD, "--arrivals needs --rate");
    if (a->check && a->json)
        return lt_cli_usage(REPLAY_CMD, "--check sends nothing and prints text: --json does not "
                                        "go with it");
    if (a->spike && a->burst)
        return lt_cli_usage(REPLAY_CMD,
                            "--spike cannot be used with --burst (it has no rate to multiply)");
    return -1;
}

/* --find-max: its options, and the ones it cannot go with (0, or a usage error printed). */
static int check_find_max(struct replay_cmd *c)
{
    static const char *const own[] = {"step", "cooldown", "max-speed", "precision", "require"};
    static const char *const excl[] = {"burst", "spike", "loop",    "duration",
                                       "limit", "shard", "start-at"};
    const struct replay_args *a = &c->a;

    if (!a->find_max) {
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
            if (seen(c, own[i]))
                return lt_cli_usage(REPLAY_CMD, "--%s needs --find-max", own[i]);
        return 0;
    }
    for (size_t i = 0; i < sizeof(excl) / sizeof(excl[0]); i++)
        if (seen(c, excl[i]))
            return lt_cli_usage(REPLAY_CMD, "--find-max sets the load of each step itself: no --%s",
                                excl[i]);
    if (!a->slo)
        return lt_cli_usage(REPLAY_CMD, "--find-max needs --slo: the terms a step must meet");
    if (a->step < 2000000000LL)
        return lt_cli_usage(REPLAY_CMD, "--step: at least 2s (a warm-up and a judged second)");
    if (!(a->precision > 0 && a->precision < 1))
        return lt_cli_usage(REPLAY_CMD, "--precision: above 0 and below 100%%");
    if (a->max_speed < (seen(c, "rate") ? 1 : a->speed))
        return lt_cli_usage(REPLAY_CMD, "--max-speed: below the speed the search starts at");
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

/* The values that are parsed further: --spike, --slo, --ok, --speed, --timeout, --shard. */
static int parse_values(struct replay_cmd *c)
{
    const struct replay_args *a = &c->a;
    struct lt_err err;
    int rc;

    if (a->spike && lt_spike_parse(a->spike, &c->ro.sched.spike, &err))
        return lt_cli_usage(REPLAY_CMD, "--spike: %s", err.msg);
    if (a->slo && lt_slo_parse(&c->slo, a->slo, &err))
        return lt_cli_usage(REPLAY_CMD, "--slo: %s", err.msg);
    if (lt_ok_parse(&c->ro.ok, a->ok, &err))
        return lt_cli_usage(REPLAY_CMD, "--ok: %s", err.msg);
    if (seen(c, "speed") && !(a->speed > 0 && a->speed <= 1e6))
        return lt_cli_usage(REPLAY_CMD, "--speed: must be above 0 and at most 1000000");
    if (a->timeout <= 0)
        return lt_cli_usage(REPLAY_CMD, "--timeout: must be above 0");
    if ((rc = check_find_max(c)) != 0)
        return rc;
    if (a->shard && parse_shard(a->shard, &c->ro.shard_i, &c->ro.shard_n))
        return lt_cli_usage(REPLAY_CMD, "--shard: expected I/N with 0 <= I < N, not '%s'",
                            a->shard);
    return -1;
}

/* ---- rewrite rules ------------------------------------------------------------------- */

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
 * The rules in command-line order into c->rw, and --header/--drop-header also into
 * the lists lt_request_build applies. Returns -1 to go on, or an exit status.
 */
static int parse_rules(struct replay_cmd *c)
{
    struct replay_args *a = &c->a;
    struct lt_err err;

    c->rw = lt_rewrite_new();
    if (!c->rw) {
        lt_cli_error(REPLAY_CMD, "out of memory");
        return LT_EXIT_FAIL;
    }
    for (size_t i = 0; i < a->rules.n; i++) {
        const struct lt_optseq_item *it = &a->rules.v[i];
        size_t k = 0;
        while (strcmp(rule_opts[k].opt, it->opt) != 0)
            k++;
        if (lt_rewrite_add(c->rw, rule_opts[k].kind, it->val, &err))
            return lt_cli_usage(REPLAY_CMD, "%s", err.msg);
        if ((rule_opts[k].kind == LT_RULE_HEADER && push(&a->headers, it->val)) ||
            (rule_opts[k].kind == LT_RULE_DROP_HEADER && push(&a->drops, it->val))) {
            lt_cli_error(REPLAY_CMD, "out of memory");
            return LT_EXIT_FAIL;
        }
    }
    for (size_t i = 0; i < a->headers.n; i++)
        if (lt_request_header_check(a->headers.v[i], &err))
            return lt_cli_usage(REPLAY_CMD, "--header: %s", err.msg);
    return -1;
}

/* ---- when, and through which engine -------------------------------------------------- */

/* --start-at: Unix seconds or an ISO 8601 time, into c->start_unix (ns). */
static int parse_start_at(struct replay_cmd *c)
{
    const char *s = c->a.start_at;
    struct lt_err err;
    double secs;

    if (!s)
        return -1;
    if (strchr(s, 'T') ? lt_parse_iso8601(s, &c->start_unix, &err)
                       : lt_parse_double(s, &secs, &err))
        return lt_cli_usage(REPLAY_CMD,
                            "--start-at: expected Unix seconds or an ISO 8601 time, not '%s'", s);
    if (!strchr(s, 'T'))
        c->start_unix = (int64_t)(secs * 1e9);
    return -1;
}

/* --engine (auto: native for http://, libcurl for https://) and --threads. */
static int pick_engine(struct replay_cmd *c)
{
    struct replay_args *a = &c->a;

    if (!a->engine || strcmp(a->engine, "auto") == 0)
        c->ro.engine = c->target.https ? &lt_engine_curl : &lt_engine_native;
    else if (strcmp(a->engine, "native") == 0)
        c->ro.engine = &lt_engine_native;
    else if (strcmp(a->engine, "curl") == 0)
        c->ro.engine = &lt_engine_curl;
    else
        return lt_cli_usage(REPLAY_CMD, "--engine: expected auto, native or curl, not '%s'",
                            a->engine);
    if (c->ro.engine == &lt_engine_native && c->target.https)
        return lt_cli_usage(REPLAY_CMD,
                            "--engine native speaks http:// only; https:// needs --engine curl");
    if (!a->threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        a->threads = n > 0 ? (uint64_t)(n < 256 ? n : 256) : 1;
    }
    if (a->threads > a->conns)
        a->threads = a->conns; /* each thread needs a connection of its own */
    return -1;
}

/* The run's settings from the checked options. */
static void fill_run_opts(struct replay_cmd *c)
{
    const struct replay_args *a = &c->a;
    struct lt_replay_opts *ro = &c->ro;

    ro->sched.mode = a->burst ? LT_MODE_BURST : seen(c, "rate") ? LT_MODE_RATE : LT_MODE_SPEED;
    ro->sched.speed = a->speed;
    ro->sched.rate = a->rate;
    ro->sched.poisson = a->arrivals && strcmp(a->arrivals, "poisson") == 0;
    ro->sched.seed = a->seed;
    ro->sched.has_spike = a->spike != NULL;
    ro->engine_conf.conns = (int)a->conns;
    ro->engine_conf.target = &c->target;
    ro->threads = (int)a->threads;
    ro->engine_conf.timeout_ns = a->timeout;
    ro->engine_conf.insecure = a->insecure;
    ro->req.target = &c->target;
    ro->req.add_headers = a->headers.v;
    ro->req.nadd = a->headers.n;
    ro->req.drop_headers = a->drops.v;
    ro->req.ndrop = a->drops.n;
    ro->req.keep_host = a->keep_host;
    ro->req.fresh_ids = a->fresh_ids;
    ro->keep_order = a->keep_order;
    ro->loops = a->loops;
    ro->duration_ns = a->duration;
    ro->limit = a->limit;
    ro->max_groups = (size_t)a->max_groups;
    ro->grace_ns = a->timeout < 2000000000LL ? a->timeout : 2000000000LL;
    ro->id_seed = (uint64_t)lt_wall_ns() ^ ((uint64_t)getpid() << 32);
    ro->rewrite = lt_rewrite_count(c->rw) ? c->rw : NULL;
}

int replay_cmd_parse(struct replay_cmd *c, int argc, char **argv)
{
    char **pos;
    int npos, rc;

    rc = lt_cli_parse(&c->spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    c->tape = pos[0];
    if ((rc = check_modes(c)) >= 0 || (rc = parse_values(c)) >= 0 || (rc = parse_rules(c)) >= 0 ||
        (rc = parse_start_at(c)) >= 0)
        return rc;
    c->mode = c->a.burst ? "burst" : seen(c, "rate") ? "rate" : "speed";
    if ((rc = pick_engine(c)) >= 0)
        return rc;
    fill_run_opts(c);
    return -1;
}

/* ---- the tape's window --------------------------------------------------------------- */

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

int replay_cmd_window(struct replay_cmd *c, const struct lt_tape_info *info,
                      struct lt_tape_window *w)
{
    const struct replay_args *a = &c->a;
    struct lt_err err;

    memset(w, 0, sizeof(*w));
    if (a->from && parse_tape_time(a->from, info, &w->from_ts, &err))
        return lt_cli_usage(REPLAY_CMD, "--from: %s", err.msg);
    if (a->to && parse_tape_time(a->to, info, &w->to_ts, &err))
        return lt_cli_usage(REPLAY_CMD, "--to: %s", err.msg);
    if (a->to && a->from && w->to_ts <= w->from_ts)
        return lt_cli_usage(REPLAY_CMD, "--to must be after --from");
    w->has_from = a->from != NULL;
    return -1;
}

int replay_cmd_release(struct replay_cmd *c, int rc)
{
    lt_rewrite_free(c->rw);
    free(c->a.rules.v);
    if (c->w)
        lt_results_writer_close(c->w, NULL);
    if (c->sched_f && (fflush(c->sched_f) != 0 || ferror(c->sched_f))) {
        lt_cli_error(REPLAY_CMD, "cannot write '%s'", c->a.schedule_out);
        rc = LT_EXIT_FAIL;
    }
    if (c->sched_f)
        lt_cli_close_out(c->sched_f);
    lt_record_source_release(&c->src);
    lt_cli_note_fetched(REPLAY_CMD, c->rd);
    lt_tape_reader_free(c->rd);
    free(c->meta_s);
    free(c->a.headers.v);
    free(c->a.drops.v);
    return rc;
}
