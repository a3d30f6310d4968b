/*
 * cmd_synth.c - 'loadtape synth': a synthetic event tape from a built-in
 * scenario or a scenario file, with command-line overrides. Wiring: the
 * scenario's generator as a source, pumped into a tape sink.
 */
#include "lt_cli.h"
#include "lt_formats.h"
#include "lt_synth.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "synth"

static const char *out_path, *arrivals_arg, *spike_arg, *origin_arg;
static struct lt_strlist streams_arg;
static double rate_arg;
static int64_t duration_arg;
static uint64_t count_arg, seed_arg, users_arg, level_arg;
static int quiet, progress;

static struct lt_opt opts[] = {
    {"output", 'o', LT_OPT_STR, "TAPE", "the tape to write ('-' for standard output; required)",
     &out_path, 0, 0, 0},
    {"rate", 0, LT_OPT_RATE, "R", "events per second (a one-phase scenario's rate)", &rate_arg, 0,
     0, 0},
    {"duration", 0, LT_OPT_DURATION, "D", "length of the tape in time (30s, 5m, 1h)", &duration_arg,
     LT_OPT_POSITIVE, 0, 0},
    {"count", 0, LT_OPT_U64, "N", "number of events (instead of --duration)", &count_arg, 1,
     1000000000000ULL, 0},
    {"seed", 0, LT_OPT_U64, "S", "random seed: the same seed gives the same tape (default: 1)",
     &seed_arg, 0, (1ULL << 53), 0},
    {"arrivals", 0, LT_OPT_STR, "constant|poisson", "arrival process of every phase", &arrivals_arg,
     0, 0, 0},
    {"streams", 0, LT_OPT_STRLIST, "a,b,c", "stream names: records go to /collect/{stream}",
     &streams_arg, 0, 0, 0},
    {"users", 0, LT_OPT_U64, "N", "size of the user population", &users_arg, 1, LT_SYNTH_USERS_MAX,
     0},
    {"spike", 0, LT_OPT_STR, "FACTORx:DUR/PERIOD",
     "FACTOR times the rate in the last DUR of every PERIOD (10x:5s/30s)", &spike_arg, 0, 0, 0},
    {"origin", 0, LT_OPT_STR, "ISO8601|now",
     "time of the first instant (default: 2026-01-01T00:00:00Z)", &origin_arg, 0, 0, 0},
    {"level", 0, LT_OPT_U64, "N", "zstd compression level, 1..19 (default: 3)", &level_arg, 1,
     LT_TAPE_LEVEL_MAX, 0},
    {"progress", 0, LT_OPT_FLAG, NULL, "show progress even when stderr is not a terminal",
     &progress, 0, 0, 0},
    {"quiet", 'q', LT_OPT_FLAG, NULL, "print nothing but errors", &quiet, 0, 0, 0},
    LT_OPT_END,
};

static char details[8192];
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static struct lt_cmd_spec spec = {
    CMD,
    "SCENARIO -o TAPE [--rate R] [--duration D | --count N] [--seed S]\n"
    "               [--arrivals constant|poisson] [--streams a,b,c] [--users N]\n"
    "               [--spike FACTORx:DUR/PERIOD] [--origin ISO8601|now] [--level N]",
    "Generate a tape of synthetic Segment-style events (track, identify, page, ...) from\n"
    "users with Zipf-skewed activity and sessions, at a chosen arrival process. The same\n"
    "arguments and seed give a byte-identical tape.",
    details,
    opts,
    1,
    1,
};

/* --help lists every built-in with its defaults, taken from the scenarios themselves. */
static void build_details(void)
{
    size_t n = 0;
    struct lt_err err;

    n += (size_t)snprintf(details + n, sizeof(details) - n,
                          "SCENARIO is a built-in or a scenario file (FILE.json, see "
                          "examples/scenarios/):\n");
    for (size_t i = 0; lt_synth_builtin_names[i] && n < sizeof(details); i++) {
        struct lt_synth_config c;
        char d[512];
        if (lt_synth_builtin(lt_synth_builtin_names[i], &c, &err) ||
            lt_synth_describe(&c, d, sizeof(d)))
            continue;
        /* wrapped at 80 columns under a 13-column indent */
        {
            const char *p = d, *name = lt_synth_builtin_names[i];
            while (*p && n < sizeof(details)) {
                size_t len = strlen(p), cut = len;
                if (len > 66) {
                    cut = 66;
                    while (cut > 0 && p[cut] != ' ')
                        cut--;
                    if (cut == 0)
                        cut = 66;
                }
                n += (size_t)snprintf(details + n, sizeof(details) - n, "  %-10s %.*s\n", name,
                                      (int)cut, p);
                name = "";
                p += cut;
                while (*p == ' ')
                    p++;
            }
        }
    }
    if (n < sizeof(details))
        snprintf(details + n, sizeof(details) - n,
                 "\nOptions override the scenario. --spike means what it means in replay: the\n"
                 "spike windows are [k*P + P - D, (k+1)*P), in which events come FACTOR times\n"
                 "as fast. Records are POST /collect/{stream} with the headers an SDK sends;\n"
                 "invalid events (scenario errors) carry 'X-Loadtape-Invalid: KIND' and the\n"
                 "record flag 'invalid'. The tape's metadata holds the scenario, its\n"
                 "parameters, the origin and the seed.\n");
}

static int is_builtin(const char *name)
{
    for (size_t i = 0; lt_synth_builtin_names[i]; i++)
        if (strcmp(lt_synth_builtin_names[i], name) == 0)
            return 1;
    return 0;
}

/* Applies the command line over the scenario; returns an exit code or -1. */
static int apply_overrides(struct lt_synth_config *c)
{
    struct lt_err err;

    lt_err_clear(&err);
    if (lt_cli_opt(&spec, "seed")->seen)
        c->seed = seed_arg;
    if (lt_cli_opt(&spec, "rate")->seen) {
        if (c->nphases != 1)
            return lt_cli_usage(CMD,
                                "--rate: scenario '%s' has %zu phases; change their rates in the "
                                "file",
                                c->name, c->nphases);
        if (rate_arg > LT_SYNTH_RATE_MAX)
            return lt_cli_usage(CMD, "--rate: at most 100M events/s");
        c->phases[0].rate_from = c->phases[0].rate_to = rate_arg;
    }
    if (arrivals_arg) {
        int poisson;
        if (strcmp(arrivals_arg, "constant") == 0)
            poisson = 0;
        else if (strcmp(arrivals_arg, "poisson") == 0)
            poisson = 1;
        else
            return lt_cli_usage(CMD, "--arrivals: expected 'constant' or 'poisson', not '%s'",
                                arrivals_arg);
        for (size_t i = 0; i < c->nphases; i++)
            c->phases[i].poisson = poisson;
    }
    if (lt_cli_opt(&spec, "duration")->seen && lt_cli_opt(&spec, "count")->seen)
        return lt_cli_usage(CMD, "give --duration or --count, not both");
    if (lt_cli_opt(&spec, "duration")->seen) {
        c->duration_ns = duration_arg;
        c->count = 0;
    }
    if (lt_cli_opt(&spec, "count")->seen) {
        c->count = count_arg;
        c->duration_ns = 0;
    }
    if (streams_arg.n) {
        c->nstreams = 0;
        for (size_t i = 0; i < streams_arg.n; i++) {
            const char *p = streams_arg.v[i];
            while (*p) {
                size_t len = strcspn(p, ",");
                if (len == 0 || len >= LT_SYNTH_STREAM_MAX)
                    return lt_cli_usage(CMD, "--streams: stream names are 1 to %d characters",
                                        LT_SYNTH_STREAM_MAX - 1);
                if (c->nstreams >= LT_SYNTH_MAX_STREAMS)
                    return lt_cli_usage(CMD, "--streams: at most %d streams", LT_SYNTH_MAX_STREAMS);
                memcpy(c->streams[c->nstreams], p, len);
                c->streams[c->nstreams++][len] = '\0';
                p += len;
                if (*p == ',' && !*++p)
                    return lt_cli_usage(CMD, "--streams: empty stream name");
            }
        }
    }
    if (lt_cli_opt(&spec, "users")->seen)
        c->users = users_arg;
    if (spike_arg) {
        if (lt_spike_parse(spike_arg, &c->spike, &err))
            return lt_cli_usage(CMD, "--spike: %s", err.msg);
        c->has_spike = 1;
    }
    if (origin_arg) {
        int64_t ns;
        if (strcmp(origin_arg, "now") == 0)
            ns = lt_wall_ns();
        else if (lt_parse_iso8601(origin_arg, &ns, &err))
            return lt_cli_usage(CMD, "--origin: %s", err.msg);
        if (ns < 0)
            return lt_cli_usage(CMD, "--origin: must be after 1970-01-01");
        c->origin_ns = (uint64_t)ns;
    }
    if (lt_synth_config_check(c, &err))
        return lt_cli_usage(CMD, "%s", err.msg);
    return -1;
}

/* The status line while a tape is written: a sink in front of the tape's. */
struct progress {
    struct lt_record_sink *next;
    uint64_t n;
    int64_t next_ns;
};

static int progress_put(void *ctx, const struct lt_record *rec, struct lt_err *err)
{
    struct progress *p = ctx;
    int rc = p->next->put(p->next->ctx, rec, err);

    if (rc == 0 && (++p->n & 0xffff) == 0 && lt_mono_ns() >= p->next_ns) {
        char d[32], ev[48], tr[48];
        const char *f[] = {ev, tr};
        lt_format_duration((int64_t)rec->ts_ns, d, sizeof(d));
        snprintf(ev, sizeof(ev), "synth: %llu events", (unsigned long long)p->n);
        snprintf(tr, sizeof(tr), "%s of traffic", d);
        lt_cli_status(f, 2);
        p->next_ns = lt_mono_ns() + 200000000;
    }
    return rc;
}

int lt_cli_synth_write(const char *cmd, const struct lt_synth_config *cfg, const char *path,
                       int level, int show, volatile sig_atomic_t *stop, uint64_t *count)
{
    struct lt_record_source src = {0};
    struct lt_record_sink tape = {0}, shown = {0};
    struct progress prog = {&tape, 0, 0};
    struct lt_tape_writer_opts wo;
    struct lt_tape_writer *w;
    struct lt_err err;
    const char *meta;
    int ret = LT_EXIT_FAIL;

    lt_err_clear(&err);
    *count = 0;
    if (lt_synth_source(&src, cfg, &err)) {
        lt_cli_error(cmd, "%s", err.msg);
        goto out;
    }
    if (!(meta = src.meta(src.ctx))) {
        lt_cli_error(cmd, "out of memory");
        goto out;
    }
    memset(&wo, 0, sizeof(wo));
    wo.level = level;
    wo.origin_ns = cfg->origin_ns;
    wo.meta_json = meta;
    if (!(w = lt_tape_writer_open(path, &wo, &err)) || lt_tape_sink(&tape, w, &err)) {
        lt_cli_error(cmd, "%s", err.msg);
        goto out;
    }
    shown.ctx = &prog;
    shown.put = progress_put;
    /* Ctrl-C (*stop) ends the records early; the tape is still closed, shorter. */
    if (lt_record_pump(&src, show ? &shown : &tape, stop, count, &err)) {
        lt_cli_error(cmd, "%s", err.msg);
        goto out;
    }
    /* The trailer's source adds what was made: events by type, invalid by kind. */
    if (!(meta = src.meta(src.ctx))) {
        lt_cli_error(cmd, "out of memory");
        goto out;
    }
    if (tape.finish(tape.ctx, meta, &err)) {
        lt_cli_error(cmd, "%s", err.msg);
        goto out;
    }
    if (show)
        lt_cli_status_clear();
    if (*stop) {
        lt_cli_warn(cmd, "interrupted: '%s' holds the first %llu events", path,
                    (unsigned long long)*count);
        goto out;
    }
    ret = LT_EXIT_OK;
out:
    lt_record_sink_release(&tape);
    lt_record_source_release(&src);
    return ret;
}

int cmd_synth(int argc, char **argv)
{
    struct lt_synth_config cfg;
    struct lt_err err;
    char **pos;
    int npos, rc;
    uint64_t count;

    build_details();
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    if (!out_path)
        return lt_cli_usage(CMD, "missing -o TAPE (use '-o -' for standard output)");
    lt_err_clear(&err);
    if (is_builtin(pos[0])) {
        lt_synth_builtin(pos[0], &cfg, &err);
    } else if (lt_synth_load(&cfg, pos[0], &err)) {
        if (err.code == LT_E_IO && !strchr(pos[0], '/') && !strstr(pos[0], ".json"))
            return lt_cli_usage(CMD,
                                "unknown scenario '%s' (baseline, payload, realistic, burst, "
                                "errors, or a FILE.json)",
                                pos[0]);
        lt_cli_error(CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    rc = apply_overrides(&cfg);
    if (rc >= 0)
        return rc;
    if (strcmp(out_path, "-") == 0 && isatty(STDOUT_FILENO)) {
        lt_cli_error(CMD, "refusing to write binary data to a terminal (use -o FILE)");
        return LT_EXIT_FAIL;
    }
    {
        /* Ctrl-C stops generating and still closes the tape (valid, shorter). */
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    rc = lt_cli_synth_write(CMD, &cfg, out_path, (int)level_arg,
                            !quiet && lt_cli_progress_wanted(progress), &interrupted, &count);
    if (rc == LT_EXIT_OK && !quiet)
        fprintf(stderr, "synth: wrote %llu events of scenario '%s' to '%s'\n",
                (unsigned long long)count, cfg.name, out_path);
    return rc;
}
