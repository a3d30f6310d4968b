/*
 * cmd_import.c - 'loadtape import': a tape from JSONL (what export writes) or
 * from a HAR 1.2 file. Any error, SIGINT or SIGTERM stops the import and
 * removes the partial tape: nothing half-written is left behind looking like
 * a good tape, and a tape that was at the name stays (the tape writer writes
 * under a temporary name).
 */
#include "lt_cli.h"
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CMD "import"
/* The default time origin of a JSONL import (the same fixed instant synth uses). */
#define DEFAULT_ORIGIN "2026-01-01T00:00:00Z"
/* A HAR file is read whole; past this it is refused. */
#define HAR_FILE_MAX ((size_t)512 << 20)
#define READ_CHUNK ((size_t)1 << 20)

static const char *out_path, *origin_arg;
static uint64_t level;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static struct lt_opt opts[] = {
    {"output", 'o', LT_OPT_STR, "TAPE", "the tape to write (required)", &out_path, 0, 0, 0},
    {"origin", 0, LT_OPT_STR, "ISO8601", "the tape's time origin (default: see below)", &origin_arg,
     0, 0, 0},
    {"level", 0, LT_OPT_U64, "N", "zstd compression level, 1..19 (default: 3)", &level, 1, 19, 0},
    LT_OPT_END,
};

static struct lt_cmd_spec spec = {
    CMD,
    "FILE (.jsonl|.har) -o TAPE [--origin ISO8601] [--level N]",
    "Make a tape from JSON lines (one record per line, as 'loadtape export' writes them)\n"
    "or from a HAR 1.2 file (as browsers export them).",
    "FILE ending in .har is read as HAR, anything else (or '-', standard input) as JSONL.\n"
    "The time origin (Unix time of ts_ns 0) defaults to " DEFAULT_ORIGIN " for JSONL\n"
    "(JSONL carries records only) and to the earliest startedDateTime for HAR.\n"
    "JSONL records must be in time order (ts_ns never decreasing). HAR entries are sorted\n"
    "by startedDateTime; ts_ns counts from the earliest one, sessions follow 'connection'.\n"
    "Errors name the line (JSONL) or the entry (HAR) and what is wrong; on any error the\n"
    "partial tape is removed and the exit status is 1. The record format is in\n"
    "docs/FORMAT.md.\n",
    opts,
    1,
    1,
};

/* Messages quote input; a control character in them must not break the line. */
static const char *one_line(struct lt_err *err)
{
    for (char *p = err->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return err->msg;
}

/* ---- a bounded line reader ------------------------------------------------ */

struct line_reader {
    FILE *f;
    struct lt_buf buf;
    size_t start, scan;
    size_t max_line;
    int eof;
};

/*
 * The next line (without "\n" or "\r\n"): 1 with *line set, 0 at the end,
 * LT_E_LIMIT for a line longer than max_line, LT_E_IO for a read error. The
 * line stays valid until the next call.
 */
static int next_line(struct line_reader *lr, const char **line, size_t *len)
{
    for (;;) {
        uint8_t *nl = lr->buf.len > lr->scan
                          ? memchr(lr->buf.data + lr->scan, '\n', lr->buf.len - lr->scan)
                          : NULL;
        size_t n;

        if (nl || (lr->eof && lr->start < lr->buf.len)) {
            size_t end = nl ? (size_t)(nl - lr->buf.data) : lr->buf.len;
            if (end - lr->start > lr->max_line)
                return LT_E_LIMIT;
            *line = (const char *)lr->buf.data + lr->start;
            *len = end - lr->start;
            if (*len && (*line)[*len - 1] == '\r')
                (*len)--;
            lr->start = lr->scan = nl ? end + 1 : end;
            return 1;
        }
        if (lr->eof)
            return 0;
        lr->scan = lr->buf.len;
        if (lr->buf.len - lr->start > lr->max_line)
            return LT_E_LIMIT;
        /* keep only the unfinished line, then read more */
        if (lr->start)
            memmove(lr->buf.data, lr->buf.data + lr->start, lr->buf.len - lr->start);
        lr->buf.len -= lr->start;
        lr->scan -= lr->start;
        lr->start = 0;
        if (lt_buf_reserve(&lr->buf, READ_CHUNK))
            return LT_E_LIMIT;
        n = fread(lr->buf.data + lr->buf.len, 1, READ_CHUNK, lr->f);
        lr->buf.len += n;
        if (n == 0) {
            if (ferror(lr->f))
                return LT_E_IO;
            lr->eof = 1;
        }
    }
}

/* The longest line a record within the limits can take: every byte escaped as \u00XX. */
static size_t max_line_for(const struct lt_limits *l)
{
    return 6 * (l->body_max + l->headers_max + l->url_max) + 32 * l->nheaders_max + 4096;
}

/* ---- the tape being written ------------------------------------------------ */

struct import {
    const char *in_path, *format;
    struct lt_tape_writer_opts wo;
    struct lt_tape_writer *w;
    char *meta;
    int origin_given;
    uint64_t *har_origin; /* HAR: set by the importer before the first record */
};

static int open_tape(struct import *im, struct lt_err *err)
{
    im->w = lt_tape_writer_open(out_path, &im->wo, err);
    return im->w ? 0 : (err->code ? err->code : LT_E_IO);
}

static char *source_meta(const char *file, const char *format)
{
    cJSON *m = cJSON_CreateObject(), *s = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(s, "kind", "import");
    cJSON_AddStringToObject(s, "format", format);
    cJSON_AddStringToObject(s, "file", file);
    cJSON_AddItemToObject(m, "source", s);
    text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return text;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* JSONL: line by line, each record checked and in time order. */
static int import_jsonl(struct import *im, FILE *in)
{
    struct lt_limits lim;
    struct line_reader lr;
    struct lt_recbuf rb;
    struct lt_err err;
    uint64_t lineno = 0, prev_ts = 0, n = 0;
    const char *line;
    size_t len;
    int rc, ret = LT_EXIT_FAIL;

    lt_limits_default(&lim);
    memset(&lr, 0, sizeof(lr));
    lr.f = in;
    lr.max_line = max_line_for(&lim);
    lt_buf_init(&lr.buf, lr.max_line + READ_CHUNK + 16);
    lt_recbuf_init(&rb);
    lt_err_clear(&err);
    if (!(im->meta = source_meta(im->in_path, "jsonl"))) {
        lt_cli_error(CMD, "out of memory");
        goto out;
    }
    im->wo.meta_json = im->meta;
    if (open_tape(im, &err)) {
        lt_cli_error(CMD, "%s", err.msg);
        goto out;
    }
    for (;;) {
        lineno++;
        if (interrupted)
            goto out;
        rc = next_line(&lr, &line, &len);
        if (interrupted)
            goto out;
        if (rc == 0)
            break;
        if (rc == LT_E_LIMIT) {
            lt_cli_error(CMD, "'%s' line %llu: line is longer than %zu bytes (the record limits)",
                         im->in_path, (unsigned long long)lineno, lr.max_line);
            goto out;
        }
        if (rc < 0) {
            lt_cli_error(CMD, "cannot read '%s': %s", im->in_path, strerror(errno));
            goto out;
        }
        if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            line += 3; /* a UTF-8 byte order mark, as some editors write */
            len -= 3;
        }
        if (is_blank(line, len))
            continue; /* blank lines carry nothing */
        if (lt_jsonl_parse(&rb, line, len, &lim, &err)) {
            lt_cli_error(CMD, "'%s' line %llu: %s", im->in_path, (unsigned long long)lineno,
                         one_line(&err));
            goto out;
        }
        if (n && rb.rec.ts_ns < prev_ts) {
            lt_cli_error(CMD,
                         "'%s' line %llu: ts_ns %llu is below the previous record's %llu "
                         "(records must be in time order)",
                         im->in_path, (unsigned long long)lineno, (unsigned long long)rb.rec.ts_ns,
                         (unsigned long long)prev_ts);
            goto out;
        }
        if (lt_tape_writer_append(im->w, &rb.rec, &err)) {
            lt_cli_error(CMD, "'%s' line %llu: %s", im->in_path, (unsigned long long)lineno,
                         one_line(&err));
            goto out;
        }
        prev_ts = rb.rec.ts_ns;
        n++;
    }
    ret = LT_EXIT_OK;
out:
    lt_recbuf_release(&rb);
    lt_buf_release(&lr.buf);
    return ret;
}

static int har_record(void *ctx, const struct lt_record *r, struct lt_err *err)
{
    struct import *im = ctx;

    if (interrupted)
        return lt_error(err, LT_E_IO, "interrupted");
    if (!im->w) {
        if (!im->origin_given)
            im->wo.origin_ns = *im->har_origin;
        if (open_tape(im, err))
            return err->code;
    }
    return lt_tape_writer_append(im->w, r, err);
}

/* HAR: the whole file (bounded), then the entries in time order. */
static int import_har(struct import *im, FILE *in)
{
    struct lt_limits lim;
    struct lt_buf doc;
    struct lt_err err;
    uint64_t har_origin = 0;
    int ret = LT_EXIT_FAIL;
    size_t n;

    lt_limits_default(&lim);
    lt_buf_init(&doc, HAR_FILE_MAX);
    lt_err_clear(&err);
    do {
        if (lt_buf_reserve(&doc, READ_CHUNK)) {
            lt_cli_error(CMD, "'%s' is larger than %zu MiB, the most a HAR import reads",
                         im->in_path, HAR_FILE_MAX >> 20);
            goto out;
        }
        n = fread(doc.data + doc.len, 1, READ_CHUNK, in);
        doc.len += n;
    } while (n > 0 && !interrupted);
    if (interrupted)
        goto out;
    if (ferror(in)) {
        lt_cli_error(CMD, "cannot read '%s': %s", im->in_path, strerror(errno));
        goto out;
    }
    im->meta = source_meta(im->in_path, "har");
    if (!im->meta) {
        lt_cli_error(CMD, "out of memory");
        goto out;
    }
    im->wo.meta_json = im->meta;
    im->har_origin = &har_origin;
    if (lt_har_import((const char *)doc.data, doc.len, &lim, &har_origin, har_record, im, &err)) {
        if (interrupted)
            goto out;
        lt_cli_error(CMD, "'%s': %s", im->in_path, one_line(&err));
        goto out;
    }
    if (!im->w && open_tape(im, &err)) { /* no entries: an empty tape */
        lt_cli_error(CMD, "%s", err.msg);
        goto out;
    }
    ret = LT_EXIT_OK;
out:
    lt_buf_release(&doc);
    return ret;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int cmd_import(int argc, char **argv)
{
    struct import im;
    struct lt_err err;
    char **pos;
    int npos, rc, ret = LT_EXIT_FAIL, sig_set = 0;
    struct sigaction old_int, old_term;
    FILE *in = NULL;

    out_path = origin_arg = NULL;
    level = 0;
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    if (!out_path)
        return lt_cli_usage(CMD, "missing -o TAPE (where to write the tape)");
    if (strcmp(out_path, "-") == 0 && isatty(STDOUT_FILENO)) {
        lt_cli_error(CMD, "refusing to write binary data to a terminal (use -o FILE)");
        return LT_EXIT_FAIL;
    }
    memset(&im, 0, sizeof(im));
    lt_err_clear(&err);
    im.in_path = pos[0];
    im.wo.level = (int)level;
    if (lt_parse_iso8601(origin_arg ? origin_arg : DEFAULT_ORIGIN, (int64_t *)&im.wo.origin_ns,
                         &err) ||
        (int64_t)im.wo.origin_ns < 0)
        return lt_cli_usage(CMD, "--origin: '%s' is not an ISO 8601 time after 1970 (like %s)",
                            origin_arg, DEFAULT_ORIGIN);
    im.origin_given = origin_arg != NULL;
    if (strcmp(im.in_path, "-") == 0) {
        in = stdin;
    } else if (!(in = fopen(im.in_path, "rb"))) {
        lt_cli_error(CMD, "cannot open '%s': %s", im.in_path, strerror(errno));
        return LT_EXIT_FAIL;
    }
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal; /* no SA_RESTART: a read waiting on a pipe returns */
        sigemptyset(&sa.sa_mask);
        interrupted = 0;
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        sig_set = 1;
    }
    im.format = ends_with(im.in_path, ".har") ? "har" : "jsonl";
    if (strcmp(im.format, "har") == 0)
        ret = import_har(&im, in);
    else
        ret = import_jsonl(&im, in);
    if (ret == LT_EXIT_OK && im.w && !interrupted) {
        uint64_t n = lt_tape_writer_count(im.w);
        rc = lt_tape_writer_close(im.w, NULL, &err);
        im.w = NULL;
        if (rc) {
            lt_cli_error(CMD, "%s", err.msg);
            ret = LT_EXIT_FAIL;
        } else if (lt_cli_verbosity > 0) {
            fprintf(stderr, "loadtape import: %llu records from '%s' into '%s'\n",
                    (unsigned long long)n, im.in_path, out_path);
        }
    }
    if (interrupted) {
        lt_cli_warn(CMD, "interrupted: no tape written%s",
                    strcmp(out_path, "-") == 0 ? "" : " (a tape already there is unchanged)");
        ret = LT_EXIT_FAIL;
    }
    if (im.w)
        lt_tape_writer_abort(im.w);
    if (sig_set) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    if (in && in != stdin)
        fclose(in);
    free(im.meta);
    return ret;
}
