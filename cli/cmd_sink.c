/*
 * cmd_sink.c - 'loadtape sink': the embedded event collector, a target for
 * replay and a recorder for mirrored traffic. Prints the URL it listens on
 * as the first line on stdout (scripts and the demo read it), then serves
 * until SIGINT/SIGTERM or --duration; a --record tape is always closed.
 */
#include "lt_cli.h"
#include "lt_sink.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "sink"

static const char *listen_arg, *record_path;
static int64_t delay_ns, jitter_ns, duration_ns, idle_ns, request_ns;
static double error_rate;
static uint64_t workers, seed;
static struct lt_cli_redact redact;

static struct lt_opt opts[] = {
    {"listen", 0, LT_OPT_STR, "ADDR:PORT",
     "address to listen on; port 0 picks a free one (default: 127.0.0.1:8080)", &listen_arg, 0, 0,
     0},
    {"delay", 0, LT_OPT_DURATION, "D",
     "answer /collect requests D later (a timer, no thread waits)", &delay_ns, 0, 0, 0},
    {"jitter", 0, LT_OPT_DURATION, "D", "vary the delay uniformly by up to +-D", &jitter_ns, 0, 0,
     0},
    {"error-rate", 0, LT_OPT_FRACTION, "P", "answer this share of /collect requests with 503",
     &error_rate, 0, 0, 0},
    {"record", 0, LT_OPT_STR, "TAPE", "write every request received to TAPE (redacted)",
     &record_path, 0, 0, 0},
    LT_CLI_REDACT_OPTS(&redact),
    {"workers", 0, LT_OPT_U64, "N", "threads, each with its own socket (default: 1)", &workers, 1,
     256, 0},
    {"duration", 0, LT_OPT_DURATION, "D", "stop after D (default: run until interrupted)",
     &duration_ns, LT_OPT_POSITIVE, 0, 0},
    {"idle-timeout", 0, LT_OPT_DURATION, "D", "close idle keep-alive connections (default: 60s)",
     &idle_ns, 0, 0, 0},
    {"request-timeout", 0, LT_OPT_DURATION, "D",
     "answer 408 to a request not whole D after its first byte (default: 10s)", &request_ns, 0, 0,
     0},
    {"seed", 0, LT_OPT_U64, "S", "seed for --jitter and --error-rate (default: 1)", &seed, 0, 0, 0},
    LT_OPT_END,
};

static const char details[] =
    "Routes:\n"
    "  POST /collect/{stream}  a JSON event or {\"batch\":[...]}: 202 {\"accepted\":N}, or\n"
    "                          400 {\"error\":\"...\",\"reason\":\"...\"} (one invalid event\n"
    "                          rejects the whole batch)\n"
    "  GET  /health            200 {\"status\":\"ok\"}\n"
    "  GET  /stats             counters as JSON: requests, events_accepted, status,\n"
    "                          streams, rejected (by reason), connections\n"
    "Valid event: a JSON object with \"type\" one of track, identify, page, screen, group,\n"
    "alias; a non-empty \"userId\" or \"anonymousId\"; track needs a string \"event\";\n"
    "\"properties\", \"traits\" and \"context\" are objects when present.\n"
    "The first line on stdout is 'listening on http://HOST:PORT'. SIGINT or SIGTERM stops\n"
    "the sink; a --record tape is closed and valid. When the tape cannot be written (a full\n"
    "disk), the sink says so and answers /collect and /health with 503 from then on.\n"
    "--record goes through the same redaction as capture:\n";

static struct lt_cmd_spec spec = {
    CMD,
    "[--listen ADDR:PORT] [--delay D] [--jitter D] [--error-rate P] [--record TAPE]",
    "Run the embedded event collector: a target for replay, and a recorder.",
    NULL,
    opts,
    0,
    0,
};

static struct lt_sink *running;

/* The tape cannot be written: said at once, as the sink keeps answering (503). */
static void on_record_error(void *ctx, const char *msg, uint64_t recorded, uint64_t lost)
{
    (void)ctx;
    lt_cli_error(CMD,
                 "%s; answering 503 to /collect and /health from now on (the tape holds %llu "
                 "records, %llu answered with 202 were lost with the block being written)",
                 msg, (unsigned long long)recorded, (unsigned long long)lost);
}

static void on_signal(int sig)
{
    (void)sig;
    if (running)
        lt_sink_stop(running);
}

/* --record: redaction, then the tape (the sink's start is its time origin). */
struct recording {
    struct lt_redact *rd;
    struct lt_record_sink tape, chain;
};

/* Opens the tape and builds the chain; -1, or an exit code after the error. */
static int record_open(struct lt_sink *s, struct recording *rec)
{
    struct lt_tape_writer_opts wo;
    struct lt_tape_writer *w;
    struct lt_buf meta;
    struct lt_err err;

    lt_err_clear(&err);
    lt_buf_init(&meta, 0);
    lt_buf_puts(&meta, "{\"source\":{\"kind\":\"sink\",\"listen\":");
    lt_buf_json_str(&meta, lt_sink_url(s));
    lt_buf_puts(&meta, "}}");
    lt_buf_cstr(&meta);
    memset(&wo, 0, sizeof(wo));
    wo.origin_ns = (uint64_t)lt_sink_origin(s);
    wo.meta_json = (const char *)meta.data;
    w = lt_tape_writer_open(record_path, &wo, &err);
    lt_buf_release(&meta);
    if (!w || lt_tape_sink(&rec->tape, w, &err) ||
        lt_redact_sink(&rec->chain, rec->rd, &rec->tape, &err)) {
        lt_cli_error(CMD, "%s", err.msg);
        return LT_EXIT_FAIL;
    }
    return -1;
}

/*
 * Closes the tape with the final /stats under "sink". After a recording
 * failure the error says what it cost. Returns 0 or -1 after the error.
 */
static int record_close(struct lt_sink *s, struct recording *rec)
{
    char *stats = lt_sink_stats_json(s), *meta = NULL;
    const char *why;
    struct lt_err err;
    uint64_t lost = 0;
    int rc;

    if (stats) {
        size_t n = strlen(stats) + 16;
        meta = malloc(n);
        if (meta)
            snprintf(meta, n, "{\"sink\":%s}", stats);
    }
    lt_err_clear(&err);
    rc = rec->chain.finish(rec->chain.ctx, meta, &err);
    free(stats);
    free(meta);
    why = lt_sink_record_error(s, &lost);
    if (why) {
        /* the close said where the records are, after its own message */
        const char *where = strstr(err.msg, "); ");
        lt_cli_error(CMD,
                     "recording to '%s' stopped: %s; %llu requests answered with 202 were lost "
                     "with the block that could not be written; %s",
                     record_path, why, (unsigned long long)lost, where ? where + 3 : "");
        return -1;
    }
    if (rc)
        lt_cli_error(CMD, "%s", err.msg);
    return rc ? -1 : 0;
}

/* Serves until a signal or --duration, recording when asked; -1 after an error. */
static int serve(struct lt_sink *s, struct recording *rec)
{
    struct lt_record_source src;
    struct lt_err err;
    int rc;

    lt_err_clear(&err);
    if (record_path) {
        lt_sink_source(&src, s, duration_ns);
        rc = lt_record_pump(&src, &rec->chain, NULL, NULL, &err);
    } else {
        rc = lt_sink_run(s, duration_ns, &err);
    }
    if (rc < 0)
        lt_cli_error(CMD, "%s", err.msg);
    if (record_path && record_close(s, rec) < 0)
        rc = -1;
    else if (record_path && rc >= 0 && lt_cli_verbosity >= 0)
        fprintf(stderr, "loadtape sink: recorded %llu requests to '%s'\n",
                (unsigned long long)lt_sink_recorded(s), record_path);
    return rc < 0 ? -1 : 0;
}

static void reset_options(void)
{
    listen_arg = record_path = NULL;
    delay_ns = jitter_ns = duration_ns = idle_ns = request_ns = 0;
    error_rate = 0;
    workers = 1;
    seed = 1;
    memset(&redact, 0, sizeof(redact));
}

int cmd_sink(int argc, char **argv)
{
    static char help[4096];
    struct lt_sink_opts so;
    struct lt_sink *s = NULL;
    struct recording rec;
    struct lt_err err;
    struct sigaction sa;
    char **pos;
    int npos, ret;

    reset_options();
    memset(&rec, 0, sizeof(rec));
    snprintf(help, sizeof(help), "%s%s", details, lt_cli_redact_help());
    spec.details = help;
    ret = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (ret >= 0)
        goto out;
    if (record_path && strcmp(record_path, "-") == 0) {
        ret = lt_cli_usage(CMD, "--record: standard output carries the URL line; give a file");
        goto out;
    }
    if (!record_path && (redact.keep || redact.headers.n || redact.queries.n || redact.fields.n)) {
        ret = lt_cli_usage(CMD, "--keep-secrets and --redact-* go with --record");
        goto out;
    }
    if (record_path && (ret = lt_cli_redact_new(CMD, &redact, &rec.rd)) >= 0)
        goto out;
    memset(&so, 0, sizeof(so));
    so.net.listen = listen_arg;
    so.net.workers = (unsigned)workers;
    so.net.idle_timeout_ns = idle_ns;
    so.net.request_timeout_ns = request_ns;
    so.delay_ns = delay_ns;
    so.jitter_ns = jitter_ns;
    so.error_rate = error_rate;
    so.seed = seed;
    so.on_record_error = on_record_error;
    lt_err_clear(&err);

    /* A reader of the URL line may go away: never die of SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    s = lt_sink_new(&so, &err);
    if (!s) {
        if (err.code == LT_E_USAGE) {
            ret = lt_cli_usage(CMD, "%s", err.msg);
        } else {
            lt_cli_error(CMD, "%s", err.msg);
            ret = LT_EXIT_FAIL;
        }
        goto out;
    }
    if (record_path && (ret = record_open(s, &rec)) >= 0)
        goto out;
    running = s;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    printf("listening on %s\n", lt_sink_url(s));
    fflush(stdout);
    ret = serve(s, &rec) < 0 ? LT_EXIT_FAIL : LT_EXIT_OK;
    running = NULL;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
out:
    lt_record_sink_release(&rec.chain);
    lt_record_sink_release(&rec.tape);
    lt_redact_free(rec.rd);
    lt_sink_free(s);
    lt_cli_redact_release(&redact);
    return ret;
}
