/*
 * cmd_suite.c - 'loadtape suite': the five-scenario benchmark in one command.
 * For each of baseline, payload, realistic, burst and errors it synthesizes a
 * tape, replays it (at the tape's own timing) with the scenario's thresholds,
 * and writes the results file, the replay's JSON summary, the HTML report and
 * the CSVs into the output folder; then an index.html with a pass/fail table
 * linking the five, and summary.json. Everything runs in this process through
 * the same code as synth, replay and report (so every number means what it
 * means there); without --target the embedded sink runs in a child process.
 */
#include "lt_cli.h"
#include "lt_formats.h"
#include "lt_replay.h"
#include "lt_synth.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "suite"
#define NSCEN 5
#define JSON_MAX (64u << 20) /* a replay summary read back */

/*
 * The scenarios, as rows: each runs at a share of --rate (baseline at all of
 * it, the heavier bodies at less), and baseline alone has a throughput term.
 */
static const struct scenario {
    const char *name;
    double rate_share;
    int ok_expected;    /* --ok expected: invalid events should get their 400 */
    int throughput_slo; /* baseline: throughput at least THROUGHPUT_SHARE of the rate */
    int spike;          /* 10x for the last sixth of every half of the run */
} scenarios[NSCEN] = {
    {"baseline", 1.0, 0, 1, 0}, {"payload", 0.05, 0, 0, 0}, {"realistic", 0.1, 0, 0, 0},
    {"burst", 0.1, 0, 0, 1},    {"errors", 0.1, 1, 0, 0},
};

#define DEFAULT_RATE 12000.0
#define THROUGHPUT_SHARE (5.0 / 6.0) /* 10k/s of the default 12k/s */
#define DEFAULT_SLO "p50<50ms,p95<100ms,p99<200ms"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

struct outcome {
    int exit;         /* replay's exit status; -1 not run */
    char verdict[16]; /* pass, fail, inconclusive, error, not run */
    char slo[256];
    double rate;
    cJSON *summary; /* replay's --json, NULL when none */
};

static const char *verdict_of(int rc)
{
    return rc == LT_EXIT_OK             ? "pass"
           : rc == LT_EXIT_SLO          ? "fail"
           : rc == LT_EXIT_INCONCLUSIVE ? "inconclusive"
           : rc < 0                     ? "not run"
                                        : "error";
}

/* Runs a command's function in this process with argv (NULL-terminated, argv[0] its name). */
static int run_cmd(int (*fn)(int, char **), const char *const *argv)
{
    char *v[40];
    int n = 0;

    while (argv[n] && n < 39) {
        v[n] = (char *)argv[n];
        n++;
    }
    v[n] = NULL;
    return fn(n, v);
}

/* As run_cmd, with stdout going to path (a replay's --json summary). */
static int run_to_file(int (*fn)(int, char **), const char *const *argv, const char *path)
{
    int fd, saved, rc;

    fflush(stdout);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        lt_cli_error(CMD, "cannot create '%s': %s", path, strerror(errno));
        return LT_EXIT_FAIL;
    }
    saved = dup(STDOUT_FILENO);
    if (saved < 0 || dup2(fd, STDOUT_FILENO) < 0) {
        lt_cli_error(CMD, "cannot redirect the summary to '%s': %s", path, strerror(errno));
        close(fd);
        if (saved >= 0)
            close(saved);
        return LT_EXIT_FAIL;
    }
    close(fd);
    rc = run_cmd(fn, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return rc;
}

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct lt_buf b;
    cJSON *j = NULL;
    char chunk[65536];
    size_t n;

    if (!f)
        return NULL;
    lt_buf_init(&b, JSON_MAX);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (lt_buf_append(&b, chunk, n))
            goto out;
    if (lt_buf_cstr(&b) == 0)
        j = cJSON_Parse((const char *)b.data);
out:
    fclose(f);
    lt_buf_release(&b);
    return j;
}

static double num_at(const cJSON *j, const char *obj, const char *key)
{
    const cJSON *o = obj ? cJSON_GetObjectItemCaseSensitive(j, obj) : j;
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;

    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

/* "DIR/NAME.SUFFIX" into out; -1 when it does not fit. */
static int path_of(char *out, size_t n, const char *dir, const char *name, const char *suffix)
{
    return (size_t)snprintf(out, n, "%s/%s%s", dir, name, suffix) < n ? 0 : -1;
}

/* Synthesizes one scenario's tape: the built-in at its share of the rate, for --duration. */
static int synth_tape(const struct scenario *sc, double rate, int64_t duration, uint64_t seed,
                      const char *path, int show)
{
    struct lt_synth_config cfg;
    struct lt_err err;
    uint64_t count;

    lt_err_clear(&err);
    if (lt_synth_builtin(sc->name, &cfg, &err)) {
        lt_cli_error(CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    cfg.seed = seed;
    for (size_t i = 0; i < cfg.nphases; i++)
        cfg.phases[i].rate_from = cfg.phases[i].rate_to = rate;
    cfg.duration_ns = duration;
    cfg.count = 0;
    if (sc->spike) {
        cfg.has_spike = 1;
        cfg.spike.factor_milli = 10000;
        cfg.spike.period_ns = duration / 2;
        cfg.spike.dur_ns = duration / 6;
    }
    if (lt_synth_config_check(&cfg, &err)) {
        lt_cli_error(CMD, "scenario %s: %s", sc->name, err.msg);
        return LT_EXIT_FAIL;
    }
    return lt_cli_synth_write(CMD, &cfg, path, 0, show, &stop, &count);
}

/* The pass/fail table of the five, linking each one's report and CSVs. */
static int write_index(const char *path, const char *target, double rate, int64_t duration,
                       const struct outcome *o, const char *overall)
{
    struct lt_buf b;
    FILE *f;
    int rc = 0, bad;
    char d[32];

    lt_buf_init(&b, 0);
    lt_format_duration(duration, d, sizeof(d));
    rc |= lt_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                          "<title>loadtape suite</title><style>"
                          "body{font:14px/1.4 system-ui,sans-serif;margin:1em auto;max-width:70em;"
                          "padding:0 1em;color:#222}"
                          ".wrap{overflow-x:auto}table{border-collapse:collapse}"
                          "th,td{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:right}"
                          "th:first-child,td:first-child{text-align:left}"
                          ".pass{color:#070}.fail,.error{color:#b00;font-weight:bold}"
                          ".inconclusive,.not{color:#a60;font-weight:bold}"
                          "</style></head><body>\n<h1>loadtape suite: ");
    rc |= lt_buf_printf(&b, "<span class=\"%s\">%s</span></h1>\n<p>target ", overall, overall);
    rc |= lt_report_html_esc(&b, target);
    rc |= lt_buf_printf(&b, ", baseline at %.0f events/s, %s per scenario, loadtape %s</p>\n", rate,
                        d, LT_VERSION);
    rc |= lt_buf_puts(&b, "<div class=\"wrap\"><table><thead><tr><th>scenario</th><th>verdict</th>"
                          "<th>requests</th><th>failed</th><th>req/s</th><th>events/s</th>"
                          "<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>thresholds</th>"
                          "<th>csv</th></tr></thead><tbody>\n");
    for (int i = 0; i < NSCEN; i++) {
        const char *n = scenarios[i].name;
        const cJSON *j = o[i].summary;
        rc |=
            lt_buf_printf(&b, "<tr><td><a href=\"%s.html\">%s</a></td><td class=\"%s\">%s</td>", n,
                          n, strncmp(o[i].verdict, "not", 3) ? o[i].verdict : "not", o[i].verdict);
        if (j)
            rc |= lt_buf_printf(&b,
                                "<td>%.0f</td><td>%.0f</td><td>%.1f</td><td>%.1f</td><td>%.3f</td>"
                                "<td>%.3f</td><td>%.3f</td>",
                                num_at(j, "requests", "completed"), num_at(j, "requests", "failed"),
                                num_at(j, NULL, "throughput_rps"), num_at(j, NULL, "events_per_s"),
                                num_at(j, "latency_ms", "p50"), num_at(j, "latency_ms", "p95"),
                                num_at(j, "latency_ms", "p99"));
        else
            rc |= lt_buf_puts(&b, "<td colspan=\"7\">no results</td>");
        rc |= lt_buf_puts(&b, "<td>");
        rc |= lt_report_html_esc(&b, o[i].slo);
        rc |= lt_buf_printf(&b,
                            "</td><td><a href=\"%s_stats.csv\">stats</a> "
                            "<a href=\"%s_stats_history.csv\">history</a></td></tr>\n",
                            n, n);
    }
    rc |= lt_buf_puts(&b, "</tbody></table></div>\n<p>Each report holds its run's charts, "
                          "thresholds and per-endpoint table; summary.json has the same "
                          "numbers.</p>\n</body></html>\n");
    f = rc ? NULL : fopen(path, "wb");
    if (!f) {
        lt_cli_error(CMD, "cannot write '%s': %s", path, rc ? "out of memory" : strerror(errno));
        lt_buf_release(&b);
        return -1;
    }
    bad = fwrite(b.data, 1, b.len, f) != b.len;
    bad |= fclose(f) != 0;
    lt_buf_release(&b);
    if (bad)
        lt_cli_error(CMD, "cannot write '%s'", path);
    return bad ? -1 : 0;
}

static int write_summary(const char *path, const char *target, int embedded, double rate,
                         int64_t duration, struct outcome *o, const char *overall, int exit_code)
{
    cJSON *j = cJSON_CreateObject(), *arr;
    char *s;
    FILE *f;
    int bad;

    if (!j)
        return -1;
    cJSON_AddStringToObject(j, "tool", "loadtape");
    cJSON_AddStringToObject(j, "version", LT_VERSION);
    cJSON_AddStringToObject(j, "target", target);
    cJSON_AddBoolToObject(j, "embedded_sink", embedded);
    cJSON_AddNumberToObject(j, "rate", rate);
    cJSON_AddNumberToObject(j, "duration_s", (double)duration / 1e9);
    cJSON_AddStringToObject(j, "verdict", overall);
    cJSON_AddNumberToObject(j, "exit", exit_code);
    arr = cJSON_AddArrayToObject(j, "scenarios");
    for (int i = 0; i < NSCEN; i++) {
        const char *n = scenarios[i].name;
        cJSON *e = cJSON_CreateObject(), *files;
        char p[PATH_MAX];
        cJSON_AddStringToObject(e, "name", n);
        cJSON_AddStringToObject(e, "verdict", o[i].verdict);
        if (o[i].exit >= 0)
            cJSON_AddNumberToObject(e, "exit", o[i].exit);
        else
            cJSON_AddNullToObject(e, "exit");
        cJSON_AddNumberToObject(e, "rate", o[i].rate);
        cJSON_AddStringToObject(e, "slo", o[i].slo);
        cJSON_AddStringToObject(e, "ok", scenarios[i].ok_expected ? "expected" : "2xx");
        files = cJSON_AddObjectToObject(e, "files");
        static const char *const keys[] = {"tape",   "results",   "summary",
                                           "report", "stats_csv", "history_csv"};
        static const char *const sfx[] = {".tape", ".res",       ".json",
                                          ".html", "_stats.csv", "_stats_history.csv"};
        for (int k = 0; k < 6; k++) {
            snprintf(p, sizeof(p), "%s%s", n, sfx[k]);
            cJSON_AddStringToObject(files, keys[k], p);
        }
        if (o[i].summary) {
            cJSON_AddItemToObject(e, "summary", o[i].summary);
            o[i].summary = NULL; /* the tree owns it now */
        } else {
            cJSON_AddNullToObject(e, "summary");
        }
        cJSON_AddItemToArray(arr, e);
    }
    s = cJSON_Print(j);
    cJSON_Delete(j);
    f = s ? fopen(path, "wb") : NULL;
    if (!f) {
        lt_cli_error(CMD, "cannot write '%s': %s", path, s ? strerror(errno) : "out of memory");
        free(s);
        return -1;
    }
    bad = fputs(s, f) < 0 || fputc('\n', f) < 0;
    bad |= fclose(f) != 0;
    free(s);
    if (bad)
        lt_cli_error(CMD, "cannot write '%s'", path);
    return bad ? -1 : 0;
}

/* One suite: its options and what each scenario came to. */
struct suite {
    const char *target, *dir, *slo_arg;
    double rate;
    int64_t duration;
    uint64_t conns, seed;
    int progress, show;
    char url[1024]; /* the target, or the embedded sink's */
    pid_t sink;     /* the embedded sink, -1 when none */
    struct outcome out[NSCEN];
};

/* The usage errors, and the output folder made; -1 to go on, or an exit status. */
static int check_options(const struct suite *st)
{
    struct lt_slo check;
    struct lt_target tg;
    struct lt_err err;

    memset(&check, 0, sizeof(check)); /* lt_slo_parse adds to what is there */
    if (!(st->rate > 0) || st->rate * scenarios[1].rate_share < 1)
        return lt_cli_usage(CMD, "--rate: at least %.0f (payload runs at 1/20 of it)",
                            1 / scenarios[1].rate_share);
    if (st->rate > LT_SYNTH_RATE_MAX)
        return lt_cli_usage(CMD, "--rate: at most 100M events/s");
    if (st->slo_arg && lt_slo_parse(&check, st->slo_arg, &err))
        return lt_cli_usage(CMD, "--slo: %s", err.msg);
    if (st->target && lt_target_parse(&tg, st->target, &err))
        return lt_cli_usage(CMD, "--target: %s", err.msg);
    if (mkdir(st->dir, 0777) != 0 && errno != EEXIST) {
        lt_cli_error(CMD, "cannot create '%s': %s", st->dir, strerror(errno));
        return LT_EXIT_FAIL;
    }
    return -1;
}

/* A scenario's thresholds: --slo, or the defaults (baseline's with its throughput term). */
static void scenario_slo(const struct suite *st, const struct scenario *sc, char *out, size_t n)
{
    if (st->slo_arg)
        snprintf(out, n, "%s", st->slo_arg);
    else if (sc->throughput_slo)
        snprintf(out, n, "%s,throughput>=%.0f", DEFAULT_SLO, st->rate * THROUGHPUT_SHARE);
    else
        snprintf(out, n, "%s", DEFAULT_SLO);
}

/* Replays a scenario's tape with its thresholds, its summary to js; replay's exit status. */
static int replay_scenario(const struct suite *st, const struct scenario *sc,
                           const struct outcome *o, const char *tape, const char *res,
                           const char *js)
{
    char c[32];

    snprintf(c, sizeof(c), "%llu", (unsigned long long)st->conns);
    const char *const rargv[] = {"replay",
                                 tape,
                                 "--target",
                                 st->url,
                                 "-c",
                                 c,
                                 "--slo",
                                 o->slo,
                                 "-o",
                                 res,
                                 "--json",
                                 "--ok",
                                 sc->ok_expected ? "expected" : "2xx",
                                 st->progress ? "--progress" : NULL,
                                 NULL};
    return run_to_file(cmd_replay, rargv, js);
}

/*
 * Scenario i: its tape, its replay, its reports. 0 to go on, 1 when the
 * suite stops here (an error or a signal), -1 after an error that ends it.
 */
static int run_scenario(struct suite *st, int i)
{
    const struct scenario *sc = &scenarios[i];
    struct outcome *o = &st->out[i];
    char tape[PATH_MAX], res[PATH_MAX], js[PATH_MAX], html[PATH_MAX], csv[PATH_MAX], d[32];
    const cJSON *intr;
    int rc;

    if (path_of(tape, sizeof(tape), st->dir, sc->name, ".tape") ||
        path_of(res, sizeof(res), st->dir, sc->name, ".res") ||
        path_of(js, sizeof(js), st->dir, sc->name, ".json") ||
        path_of(html, sizeof(html), st->dir, sc->name, ".html") ||
        path_of(csv, sizeof(csv), st->dir, sc->name, "")) {
        lt_cli_error(CMD, "--out: '%s' is too long", st->dir);
        return -1;
    }
    o->rate = st->rate * sc->rate_share;
    scenario_slo(st, sc, o->slo, sizeof(o->slo));
    lt_format_duration(st->duration, d, sizeof(d));
    if (st->show)
        fprintf(stderr, "suite: [%d/%d] %s: synth %.0f events/s for %s\n", i + 1, NSCEN, sc->name,
                o->rate, d);
    rc = synth_tape(sc, o->rate, st->duration, st->seed, tape, st->show);
    if (rc != LT_EXIT_OK) {
        o->exit = rc;
        snprintf(o->verdict, sizeof(o->verdict), "error");
        return 1;
    }
    if (stop)
        return 1;
    if (st->show)
        fprintf(stderr, "suite: [%d/%d] %s: replay against %s, %s\n", i + 1, NSCEN, sc->name,
                st->url, o->slo);
    rc = replay_scenario(st, sc, o, tape, res, js);
    o->exit = rc;
    snprintf(o->verdict, sizeof(o->verdict), "%s", verdict_of(rc));
    o->summary = read_json(js);
    intr = o->summary ? cJSON_GetObjectItemCaseSensitive(o->summary, "interrupted") : NULL;
    if (cJSON_IsTrue(intr))
        stop = 1; /* a signal stopped the replay: the suite stops with it */
    if (access(res, F_OK) == 0) {
        const char *const h[] = {"report", res,     "--format", "html", "-o",
                                 html,     "--slo", o->slo,     NULL};
        const char *const v[] = {"report", res, "--format", "csv", "-o", csv, NULL};
        int r1 = run_cmd(cmd_report, h), r2 = run_cmd(cmd_report, v);
        /* report judges the same thresholds on the same numbers: only a failure to
         * write matters here */
        if ((r1 == LT_EXIT_FAIL || r2 == LT_EXIT_FAIL) && rc != LT_EXIT_FAIL) {
            o->exit = LT_EXIT_FAIL;
            snprintf(o->verdict, sizeof(o->verdict), "error");
        }
    }
    if (st->show)
        fprintf(stderr, "suite: [%d/%d] %s: %s\n", i + 1, NSCEN, sc->name, o->verdict);
    return 0;
}

/* The worst outcome: a scenario that could not run, then inconclusive, then failed. */
static int overall_exit(const struct suite *st)
{
    int exit_code = LT_EXIT_OK;

    for (int i = 0; i < NSCEN; i++) {
        int e = st->out[i].exit;
        if (e < 0)
            e = stop ? LT_EXIT_INCONCLUSIVE : LT_EXIT_FAIL; /* never reached */
        if (e != LT_EXIT_OK && e != LT_EXIT_SLO && e != LT_EXIT_INCONCLUSIVE)
            exit_code = LT_EXIT_FAIL;
        else if (e == LT_EXIT_INCONCLUSIVE && exit_code != LT_EXIT_FAIL)
            exit_code = LT_EXIT_INCONCLUSIVE;
        else if (e == LT_EXIT_SLO && exit_code == LT_EXIT_OK)
            exit_code = LT_EXIT_SLO;
    }
    return exit_code;
}

/* The table of the five on stdout, then index.html and summary.json; the exit status. */
static int write_outcome(struct suite *st, int exit_code)
{
    const char *overall = exit_code == LT_EXIT_OK             ? "pass"
                          : exit_code == LT_EXIT_SLO          ? "fail"
                          : exit_code == LT_EXIT_INCONCLUSIVE ? "inconclusive"
                                                              : "error";
    char p[PATH_MAX];

    printf("%-10s %-12s %9s %7s %9s %8s %8s %8s\n", "scenario", "verdict", "requests", "failed",
           "req/s", "p50 ms", "p95 ms", "p99 ms");
    for (int i = 0; i < NSCEN; i++) {
        const cJSON *j = st->out[i].summary;
        printf("%-10s %-12s", scenarios[i].name, st->out[i].verdict);
        if (j)
            printf(" %9.0f %7.0f %9.1f %8.3f %8.3f %8.3f", num_at(j, "requests", "completed"),
                   num_at(j, "requests", "failed"), num_at(j, NULL, "throughput_rps"),
                   num_at(j, "latency_ms", "p50"), num_at(j, "latency_ms", "p95"),
                   num_at(j, "latency_ms", "p99"));
        printf("\n");
    }
    if (path_of(p, sizeof(p), st->dir, "index", ".html") ||
        write_index(p, st->url, st->rate, st->duration, st->out, overall))
        exit_code = LT_EXIT_FAIL;
    printf("suite: %s; the reports: %s\n", overall, p);
    if (path_of(p, sizeof(p), st->dir, "summary", ".json") ||
        write_summary(p, st->url, st->sink > 0, st->rate, st->duration, st->out, overall,
                      exit_code))
        exit_code = LT_EXIT_FAIL;
    fflush(stdout);
    return exit_code;
}

int cmd_suite(int argc, char **argv)
{
    struct suite st = {.dir = "loadtape-suite",
                       .rate = DEFAULT_RATE,
                       .duration = 30000000000LL,
                       .conns = 64,
                       .seed = 1,
                       .sink = -1};
    struct lt_opt opts[] = {
        {"target", 0, LT_OPT_STR, "URL",
         "where to send (default: the embedded sink, started on a free port)", &st.target, 0, 0, 0},
        {"out", 0, LT_OPT_STR, "DIR", "where the tapes and reports go (default: loadtape-suite)",
         &st.dir, 0, 0, 0},
        {"duration", 0, LT_OPT_DURATION, "D", "each scenario's length (default: 30s)", &st.duration,
         LT_OPT_POSITIVE, 0, 0},
        {"rate", 0, LT_OPT_RATE, "R",
         "baseline's events/s; the others run at a share of it (default: 12k)", &st.rate, 0, 0, 0},
        {"slo", 0, LT_OPT_STR, "EXPR",
         "every scenario's thresholds, in place of the defaults below", &st.slo_arg, 0, 0, 0},
        {"connections", 'c', LT_OPT_U64, "N", "concurrent connections (default: 64)", &st.conns, 1,
         100000, 0},
        {"seed", 0, LT_OPT_U64, "S", "synth's seed (default: 1)", &st.seed, 0, (1ULL << 53), 0},
        {"progress", 0, LT_OPT_FLAG, NULL,
         "show which scenario runs even when stderr is not a terminal", &st.progress, 0, 0, 0},
        LT_OPT_END,
    };
    struct lt_cmd_spec spec = {
        CMD,
        "[--target URL] [--out DIR] [--duration D] [--rate R] [options]",
        "Synthesize and replay the five scenarios (baseline, payload, realistic,\n"
        "burst, errors) one after another, with thresholds, and write their reports.",
        "Rates: baseline at R (default 12k/s), payload at R/20, realistic, burst and\n"
        "errors at R/10; burst adds 10x spikes in the last sixth of each half of the run.\n"
        "Each tape is replayed at its own timing. Default thresholds: p50<50ms,\n"
        "p95<100ms, p99<200ms, and for baseline throughput>=5/6 of R (10k/s at the\n"
        "default); errors counts a 400 for an invalid event as ok (--ok expected).\n"
        "DIR gets, for each scenario NAME: NAME.tape, NAME.res (results), NAME.json\n"
        "(the replay's summary), NAME.html and NAME_stats.csv, NAME_stats_history.csv;\n"
        "and index.html (the pass/fail table) and summary.json.\n"
        "Exit status: 0 all passed, 1 failure (a scenario could not run), 2 usage,\n"
        "3 a scenario failed its thresholds, 4 one was inconclusive (interrupted, or\n"
        "client-bound with a threshold failed; 4 wins over 3).\n",
        opts,
        0,
        0};
    char **pos;
    int npos, rc, ret = LT_EXIT_FAIL;
    struct sigaction sa, old_int, old_term;

    for (int i = 0; i < NSCEN; i++) {
        st.out[i].exit = -1;
        snprintf(st.out[i].verdict, sizeof(st.out[i].verdict), "not run");
    }
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    if ((rc = check_options(&st)) >= 0)
        return rc;
    st.show = lt_cli_progress_wanted(st.progress);

    stop = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (!st.target) {
        st.sink = lt_cli_sink_start(CMD, NULL, st.url, sizeof(st.url), &stop);
        if (st.sink < 0)
            goto out;
        if (st.show)
            fprintf(stderr, "suite: the embedded sink listens on %s\n", st.url);
    } else {
        snprintf(st.url, sizeof(st.url), "%s", st.target);
    }
    for (int i = 0; i < NSCEN && !stop; i++) {
        if ((rc = run_scenario(&st, i)) < 0)
            goto out;
        if (rc > 0)
            break;
    }
    ret = write_outcome(&st, overall_exit(&st));
out:
    lt_cli_sink_stop(st.sink);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    for (int i = 0; i < NSCEN; i++)
        cJSON_Delete(st.out[i].summary);
    return ret;
}
