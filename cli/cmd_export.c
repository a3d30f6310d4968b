/*
 * cmd_export.c - 'loadtape export': a tape's records as JSONL (what import
 * takes back, byte for byte) or as a HAR 1.2 log. Wiring: the tape as a
 * source, a JSONL or HAR sink, the pump between. Streams: one block of the
 * tape and about a megabyte of output in memory whatever the tape's size.
 */
#include "lt_cli.h"
#include "lt_formats.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "export"

static const char *to_arg, *out_path;
static int skip_damaged;

static struct lt_opt opts[] = {
    {"to", 0, LT_OPT_STR, "FORMAT", "jsonl or har (default: jsonl)", &to_arg, 0, 0, 0},
    {"output", 'o', LT_OPT_STR, "OUT", "write to OUT (default: standard output)", &out_path, 0, 0,
     0},
    {"skip-damaged", 0, LT_OPT_FLAG, NULL,
     "pass over corrupt blocks (found by the index), say which", &skip_damaged, 0, 0, 0},
    LT_OPT_END,
};

static struct lt_cmd_spec spec = {
    CMD,
    "TAPE [--to jsonl|har] [-o OUT]",
    "Write a tape's records as JSON lines (one record per line) or as a HAR 1.2 log.",
    "JSONL keys: ts_ns, session, method, url, headers ([[name, value], ...]), body or\n"
    "body_b64, response ({status, latency_ns}, when observed) and flags (when set); see\n"
    "docs/FORMAT.md. 'loadtape import' reads it back into the same records.\n"
    "HAR entries carry startedDateTime (origin + ts_ns, to the millisecond), the request\n"
    "(url as http://HOST/path), the observed status and latency, and 'connection' (the\n"
    "session).\n"
    "A corrupt block stops the export (exit 1, no output file left). With --skip-damaged the\n"
    "blocks after it are read through the index: each one passed over is named with the\n"
    "records it held, and the export exits 0 with a warning of the total (a tape that was\n"
    "not closed has no index, and still stops).\n",
    opts,
    1,
    1,
};

/*
 * Streams every record of r to out as JSONL or HAR: the tape as a source, a
 * file sink, the pump between. 0 on success; -1 after printing the error.
 */
static int write_records(struct lt_tape_reader *r, FILE *out, int har, uint64_t origin,
                         const char *name)
{
    struct lt_record_source src = {0};
    struct lt_record_sink sink = {0};
    struct lt_err err;
    int ret = -1;

    lt_err_clear(&err);
    if (lt_tape_source(&src, r, NULL, &err) ||
        (har ? lt_har_sink(&sink, out, name, origin, &err)
             : lt_jsonl_sink(&sink, out, name, &err)) ||
        lt_record_pump(&src, &sink, NULL, NULL, &err) || sink.finish(sink.ctx, NULL, &err))
        lt_cli_error(CMD, "%s", err.msg);
    else
        ret = 0;
    lt_record_sink_release(&sink);
    lt_record_source_release(&src);
    return ret;
}

static void on_skip(void *ctx, size_t block, uint64_t offset, uint64_t records, const char *why)
{
    (void)ctx;
    (void)block;
    (void)offset;
    lt_cli_warn(CMD, "%s; skipped, with its %llu records (--skip-damaged)", why,
                (unsigned long long)records);
}

int cmd_export(int argc, char **argv)
{
    struct lt_tape_reader *r = NULL;
    struct lt_err err;
    const char *name;
    char **pos;
    int npos, rc, har, ret = LT_EXIT_FAIL;
    uint64_t origin;
    FILE *out = NULL;

    to_arg = out_path = NULL;
    skip_damaged = 0;
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    if (to_arg && strcmp(to_arg, "jsonl") != 0 && strcmp(to_arg, "har") != 0)
        return lt_cli_usage(CMD, "--to: '%s' is not a format (jsonl or har)", to_arg);
    har = to_arg && strcmp(to_arg, "har") == 0;
    name = out_path && strcmp(out_path, "-") != 0 ? out_path : "(stdout)";
    lt_err_clear(&err);
    if (!(r = lt_tape_reader_open(pos[0], &err))) {
        lt_cli_error(CMD, "%s", err.msg);
        goto out;
    }
    if (lt_tape_reader_warning(r))
        lt_cli_warn(CMD, "%s", lt_tape_reader_warning(r));
    origin = lt_tape_reader_info(r)->origin_ns;
    if (skip_damaged)
        lt_tape_reader_skip_damaged(r, on_skip, NULL);
    if (!(out = lt_cli_open_out(CMD, out_path, 0)))
        goto out;
    if (write_records(r, out, har, origin, name) == 0)
        ret = LT_EXIT_OK;
    if (ret == LT_EXIT_OK && lt_tape_reader_skipped(r, NULL)) {
        uint64_t blocks, recs = lt_tape_reader_skipped(r, &blocks);
        lt_cli_warn(CMD, "the export lacks %llu records: %llu damaged block%s skipped",
                    (unsigned long long)recs, (unsigned long long)blocks, blocks == 1 ? "" : "s");
    }
    /* from a pipe, whether the tape was closed is known only now */
    if (lt_tape_reader_info(r)->streamed && lt_tape_reader_warning(r))
        lt_cli_warn(CMD, "%s", lt_tape_reader_warning(r));
out:
    if (out && out != stdout) {
        struct stat st;
        /* only a file: a device such as /dev/full is not ours to remove */
        int regular = fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode);
        if (fclose(out) != 0 && ret == LT_EXIT_OK) {
            lt_cli_error(CMD, "cannot write '%s': %s", name, strerror(errno));
            ret = LT_EXIT_FAIL;
        }
        if (ret != LT_EXIT_OK && regular)
            unlink(out_path); /* no half export left behind as if complete */
    } else if (out) {
        fflush(out);
    }
    lt_cli_note_fetched(CMD, r);
    lt_tape_reader_free(r);
    return ret;
}
