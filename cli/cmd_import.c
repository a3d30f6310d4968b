/*
 * cmd_import.c - 'loadtape import': a tape from JSONL (what export writes) or
 * from a HAR 1.2 file. Wiring: a JSONL or HAR source, the redaction transform
 * when asked for, a tape sink. Any error, SIGINT or SIGTERM stops the import
 * and removes the partial tape: nothing half-written is left behind looking
 * like a good tape, and a tape that was at the name stays (the tape writer
 * writes under a temporary name).
 */
#include "lt_cli.h"
#include "lt_formats.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CMD "import"
/* The default time origin of a JSONL import (the same fixed instant synth uses). */
#define DEFAULT_ORIGIN "2026-01-01T00:00:00Z"

static const char *out_path, *origin_arg;
static uint64_t level;
static int redact;
static struct lt_strlist redact_headers, redact_queries, redact_fields;
static volatile sig_atomic_t interrupted;
/* The input's fd and /dev/null's: a signal puts /dev/null in the input's place. */
static volatile int in_fd = -1, null_fd = -1;

/*
 * A signal that lands between the check of `interrupted` and a blocking read
 * would leave the read waiting on a pipe; with /dev/null in the input's place
 * that read (or the next) sees the end at once. dup2 is async-signal-safe.
 */
static void on_signal(int sig)
{
    int saved = errno;

    (void)sig;
    interrupted = 1;
    if (in_fd >= 0 && null_fd >= 0)
        dup2(null_fd, in_fd);
    errno = saved;
}

static struct lt_opt opts[] = {
    {"output", 'o', LT_OPT_STR, "TAPE", "the tape to write (required)", &out_path, 0, 0, 0},
    {"origin", 0, LT_OPT_STR, "ISO8601", "the tape's time origin (default: see below)", &origin_arg,
     0, 0, 0},
    {"level", 0, LT_OPT_U64, "N", "zstd compression level, 1..19 (default: 3)", &level, 1, 19, 0},
    {"redact", 0, LT_OPT_FLAG, NULL, "replace secrets before they reach the tape (see below)",
     &redact, 0, 0, 0},
    {"redact-header", 0, LT_OPT_STRLIST, "NAME", "also redact this header (repeatable)",
     &redact_headers, 0, 0, 0},
    {"redact-query", 0, LT_OPT_STRLIST, "NAME", "also redact this query parameter (repeatable)",
     &redact_queries, 0, 0, 0},
    {"redact-field", 0, LT_OPT_STRLIST, "NAME", "also redact this JSON body field (repeatable)",
     &redact_fields, 0, 0, 0},
    LT_OPT_END,
};

static char details[4096];

static struct lt_cmd_spec spec = {
    CMD,
    "FILE (.jsonl|.har) -o TAPE [--origin ISO8601] [--level N] [--redact]",
    "Make a tape from JSON lines (one record per line, as 'loadtape export' writes them)\n"
    "or from a HAR 1.2 file (as browsers export them).",
    details,
    opts,
    1,
    1,
};

/* Appends the names as ", "-separated words, wrapped at 88 columns under a 4-column indent. */
static size_t put_names(size_t n, const char *title, const char *const *names)
{
    size_t col = 0;

    n += (size_t)snprintf(details + n, sizeof(details) - n, "  %s:", title);
    col = strlen(title) + 3;
    for (size_t i = 0; names[i] && n < sizeof(details); i++) {
        size_t w = strlen(names[i]) + (names[i + 1] ? 1 : 0);
        if (col + 1 + w > 88) {
            n += (size_t)snprintf(details + n, sizeof(details) - n, "\n   ");
            col = 3;
        }
        n += (size_t)snprintf(details + n, sizeof(details) - n, " %s%s", names[i],
                              names[i + 1] ? "," : "");
        col += 1 + w;
    }
    if (n < sizeof(details))
        n += (size_t)snprintf(details + n, sizeof(details) - n, "\n");
    return n;
}

/* --help's text after the options, with the names redaction takes from formats/. */
static void build_details(void)
{
    size_t n = 0;

    n += (size_t)snprintf(
        details, sizeof(details), "%s",
        "FILE ending in .har is read as HAR, anything else (or '-', standard input) as JSONL.\n"
        "The time origin (Unix time of ts_ns 0) defaults to " DEFAULT_ORIGIN " for JSONL\n"
        "(JSONL carries records only) and to the earliest startedDateTime for HAR.\n"
        "JSONL records must be in time order (ts_ns never decreasing). HAR entries are sorted\n"
        "by startedDateTime; ts_ns counts from the earliest one, sessions follow 'connection'.\n"
        "Errors name the line (JSONL) or the entry (HAR) and what is wrong; on any error the\n"
        "partial tape is removed and the exit status is 1. The record format is in\n"
        "docs/FORMAT.md.\n"
        "\n"
        "Records go into the tape as they are, unless --redact (or a --redact-* option, which\n"
        "implies it): then the values of these headers, query parameters (also of a form\n"
        "body) and JSON body fields (at any depth) become \"" LT_REDACTED "\" (names in any\n"
        "case), records with one are flagged 'redacted' (the summary counts them), the target\n"
        "is put in origin form and Content-Length made to match the body:\n");
    n = put_names(n, "headers", lt_redact_defaults('h'));
    n = put_names(n, "query", lt_redact_defaults('q'));
    put_names(n, "fields", lt_redact_defaults('f'));
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* What the command line asks for. */
struct import {
    const char *in_path;
    int har, origin_given;
    struct lt_tape_writer_opts wo;
    struct lt_redact *rd; /* with --redact */
};

/* Builds the chain: source -> (redaction) -> tape; then runs it. An exit code. */
static int run_import(struct import *im, FILE *in)
{
    struct lt_record_source src = {0};
    struct lt_record_sink tape = {0}, red = {0}, *out = &tape;
    struct lt_tape_writer *w;
    struct lt_limits lim;
    struct lt_err err;
    uint64_t har_origin = im->wo.origin_ns, n = 0;
    int rc, ret = LT_EXIT_FAIL;

    lt_limits_default(&lim);
    lt_err_clear(&err);
    rc = im->har ? lt_har_source(&src, in, im->in_path, &lim, &har_origin, &err)
                 : lt_jsonl_source(&src, in, im->in_path, &lim, &err);
    if (rc)
        goto out;
    if (im->har && !im->origin_given)
        im->wo.origin_ns = har_origin;
    im->wo.meta_json = src.meta(src.ctx);
    if (!(w = lt_tape_writer_open(out_path, &im->wo, &err)) || lt_tape_sink(&tape, w, &err))
        goto out;
    if (im->rd) {
        if (lt_redact_sink(&red, im->rd, &tape, &err))
            goto out;
        out = &red;
    }
    if (lt_record_pump(&src, out, &interrupted, &n, &err) || interrupted ||
        out->finish(out->ctx, NULL, &err))
        goto out;
    ret = LT_EXIT_OK;
    if (lt_cli_verbosity <= 0)
        goto out;
    if (im->rd)
        fprintf(stderr, "loadtape import: %llu records from '%s' into '%s', %llu redacted\n",
                (unsigned long long)n, im->in_path, out_path,
                (unsigned long long)lt_redact_stats(im->rd)->redacted);
    else
        fprintf(stderr, "loadtape import: %llu records from '%s' into '%s'\n",
                (unsigned long long)n, im->in_path, out_path);
out:
    /* interrupted: the warning says it all (a read cut short is no error of the file) */
    if (ret != LT_EXIT_OK && !interrupted)
        lt_cli_error(CMD, "%s", err.msg);
    lt_record_sink_release(&red);
    lt_record_sink_release(&tape); /* aborts a tape not finished: nothing left behind */
    lt_record_source_release(&src);
    return ret;
}

/* The redaction transform of --redact and --redact-*; -1 to go on, or an exit code. */
static int make_redact(struct import *im)
{
    struct lt_redact_opts ro;
    struct lt_err err;

    if (!redact && !redact_headers.n && !redact_queries.n && !redact_fields.n)
        return -1;
    memset(&ro, 0, sizeof(ro));
    ro.headers = redact_headers.v;
    ro.nheaders = redact_headers.n;
    ro.queries = redact_queries.v;
    ro.nqueries = redact_queries.n;
    ro.fields = redact_fields.v;
    ro.nfields = redact_fields.n;
    lt_err_clear(&err);
    if (!(im->rd = lt_redact_new(&ro, &err))) {
        if (err.code == LT_E_NOMEM) {
            lt_cli_error(CMD, "%s", err.msg);
            return LT_EXIT_FAIL;
        }
        return lt_cli_usage(CMD, "%s", err.msg);
    }
    return -1;
}

/* Checks the options into *im; -1 to go on, or an exit code. */
static int check_options(struct import *im, const char *in_path)
{
    struct lt_err err;

    if (!out_path)
        return lt_cli_usage(CMD, "missing -o TAPE (where to write the tape)");
    if (strcmp(out_path, "-") == 0 && isatty(STDOUT_FILENO)) {
        lt_cli_error(CMD, "refusing to write binary data to a terminal (use -o FILE)");
        return LT_EXIT_FAIL;
    }
    lt_err_clear(&err);
    im->in_path = in_path;
    im->wo.level = (int)level;
    if (lt_parse_iso8601(origin_arg ? origin_arg : DEFAULT_ORIGIN, (int64_t *)&im->wo.origin_ns,
                         &err) ||
        (int64_t)im->wo.origin_ns < 0)
        return lt_cli_usage(CMD, "--origin: '%s' is not an ISO 8601 time after 1970 (like %s)",
                            origin_arg, DEFAULT_ORIGIN);
    im->origin_given = origin_arg != NULL;
    im->har = ends_with(in_path, ".har");
    return make_redact(im);
}

static void free_lists(void)
{
    free(redact_headers.v);
    free(redact_queries.v);
    free(redact_fields.v);
    memset(&redact_headers, 0, sizeof(redact_headers));
    memset(&redact_queries, 0, sizeof(redact_queries));
    memset(&redact_fields, 0, sizeof(redact_fields));
}

int cmd_import(int argc, char **argv)
{
    struct import im;
    struct sigaction sa, old_int, old_term;
    char **pos;
    int npos, ret;
    FILE *in;

    memset(&im, 0, sizeof(im));
    out_path = origin_arg = NULL;
    level = 0;
    redact = 0;
    free_lists();
    build_details();
    ret = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (ret < 0)
        ret = check_options(&im, pos[0]);
    if (ret >= 0)
        goto out;
    if (strcmp(im.in_path, "-") == 0) {
        in = stdin;
    } else if (!(in = fopen(im.in_path, "rb"))) {
        lt_cli_error(CMD, "cannot open '%s': %s", im.in_path, strerror(errno));
        ret = LT_EXIT_FAIL;
        goto out;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a read waiting on a pipe returns */
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    in_fd = fileno(in);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    ret = run_import(&im, in);
    if (interrupted) {
        lt_cli_warn(CMD, "interrupted: no tape written%s",
                    strcmp(out_path, "-") == 0 ? "" : " (a tape already there is unchanged)");
        ret = LT_EXIT_FAIL;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    in_fd = -1;
    if (null_fd >= 0)
        close(null_fd);
    null_fd = -1;
    if (in != stdin)
        fclose(in);
out:
    lt_redact_free(im.rd);
    free_lists();
    return ret;
}
