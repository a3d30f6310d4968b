/*
 * cmd_inspect.c - 'loadtape inspect': what a tape holds. A closed tape is
 * summarized from its trailer ("stats" metadata) and index alone, without
 * reading a block (O(blocks)); a tape that was not closed is scanned record
 * by record through the same statistics, and the output says so.
 */
#include "lt_cli.h"
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define CMD "inspect"
#define LABEL_W 13

static int json_flag, records_flag, verify_flag;
static uint64_t limit;

static struct lt_opt opts[] = {
    {"json", 0, LT_OPT_FLAG, NULL, "print the summary as one JSON object", &json_flag, 0, 0, 0},
    {"records", 0, LT_OPT_FLAG, NULL, "list the records instead (one line each)", &records_flag, 0,
     0, 0},
    {"limit", 0, LT_OPT_U64, "N", "with --records: list at most N records", &limit, 1, UINT64_MAX,
     0},
    {"verify", 0, LT_OPT_FLAG, NULL, "read and check every block; exit 1 at the first damaged one",
     &verify_flag, 0, 0, 0},
    LT_OPT_END,
};

static struct lt_cmd_spec spec = {
    CMD,
    "TAPE [--json] [--verify | --records [--limit N]]",
    "Summarize a tape: records, time span, rates, sessions, methods, top URLs and streams,\n"
    "body sizes, file size and compression, source metadata, and whether it was closed.",
    "A closed tape is summarized from its index and trailer without reading its blocks\n"
    "(\"index read; blocks not verified\"); --verify reads and checks every block instead\n"
    "and exits 1 naming the first damaged block and its offset. A tape that was not\n"
    "closed (a writer killed), or one read from a pipe (TAPE '-'), is scanned; a warning\n"
    "on stderr says what was recovered. TAPE may be an http(s):// URL, read with range\n"
    "requests (for a closed tape, only its head and index).\n"
    "\n"
    "--json keys: tape, version, closed, stats_from (\"trailer\" or \"scan\"), verified\n"
    "(every block was read and checked), origin, origin_ns, tool_version, records,\n"
    "blocks, first_ts_ns, last_ts_ns, duration_s, mean_rps, peak_rps, peak_second,\n"
    "sessions, sessions_exact, methods, top_urls, top_streams, body_bytes {total, min,\n"
    "p50, p90, p99, max}, flags, with_response, status, file_bytes, raw_bytes,\n"
    "compression_ratio, source, capture (a capture's counters of what was seen and what\n"
    "was not recorded whole), warning (when any).\n"
    "Counts above 2^53 are decimal strings.\n"
    "\n"
    "--records prints: ts (seconds since the origin), session, method, body bytes,\n"
    "status ('-' when no response was observed) and url; with --json one object a line\n"
    "{ts_ns, session, method, url, body_bytes, status}.\n",
    opts,
    1,
    1,
};

/* ---- small helpers ------------------------------------------------------ */

/* A count under key, as a number or (above 2^53) a string; 0 when absent. */
static uint64_t jget_u64(const cJSON *o, const char *key)
{
    uint64_t v;

    return lt_json_get_u64(cJSON_GetObjectItemCaseSensitive(o, key), &v) == 0 ? v : 0;
}

static void human_bytes(uint64_t n, char *out, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;

    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, len, "%llu B", (unsigned long long)n);
    else
        snprintf(out, len, "%.1f %s", v, units[u]);
}

/* Bytes from the wire, printable: other bytes as \xHH. */
static void put_printable(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            fputc(p[i], out);
        else
            fprintf(out, "\\x%02x", p[i]);
    }
}

static void label(const char *l)
{
    printf("%-*s", LABEL_W, l);
}

/* ---- the summary ------------------------------------------------------------- */

/*
 * The statistics: from the trailer when the tape was closed (no block is
 * read), else from a scan. *scan_err receives a read error met while
 * scanning (the statistics then cover what came before it).
 */
static cJSON *get_stats(struct lt_tape_reader *r, int force_scan, int *from_scan,
                        struct lt_err *scan_err)
{
    const cJSON *meta = lt_tape_reader_meta(r);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(meta, "stats");
    struct lt_tape_stats *acc;
    struct lt_record_source src;
    struct lt_record_sink sink;
    uint64_t n = 0;
    cJSON *out;
    int rc;

    if (!force_scan && lt_tape_reader_info(r)->closed && cJSON_IsObject(st)) {
        *from_scan = 0;
        return cJSON_Duplicate(st, 1);
    }
    *from_scan = 1;
    if (!(acc = lt_tape_stats_new()))
        return NULL;
    lt_tape_stats_sink(&sink, acc);
    if (lt_tape_source(&src, r, NULL, scan_err) == 0) {
        lt_err_clear(scan_err);
        rc = lt_record_pump(&src, &sink, NULL, &n, scan_err);
        lt_record_source_release(&src);
    } else {
        rc = LT_E_NOMEM;
    }
    /* every block read cleanly: the index's count must be what they hold */
    if (rc == 0 && lt_tape_reader_info(r)->closed && n != lt_tape_reader_info(r)->nrecords)
        lt_error(scan_err, LT_E_CORRUPT, "the index counts %llu records, the blocks hold %llu",
                 (unsigned long long)lt_tape_reader_info(r)->nrecords, (unsigned long long)n);
    out = lt_tape_stats_json(acc);
    lt_tape_stats_free(acc);
    return out;
}

/* Builds the --json object; the human output prints from it too, so both agree. */
static cJSON *summary_json(const char *path, struct lt_tape_reader *r, cJSON *stats, int from_scan,
                           int verified)
{
    const struct lt_tape_info *info = lt_tape_reader_info(r);
    const cJSON *meta = lt_tape_reader_meta(r);
    cJSON *o = cJSON_CreateObject(), *src;
    char ver[32], iso[48];
    uint64_t nrec = jget_u64(stats, "records"), first = jget_u64(stats, "first_ts_ns");
    uint64_t last = jget_u64(stats, "last_ts_ns");
    double dur = nrec ? (double)(last - first) / 1e9 : 0;
    const char *keys[] = {"peak_rps", "peak_second",   "sessions",    "sessions_exact",
                          "methods",  "top_urls",      "top_streams", "body_bytes",
                          "flags",    "with_response", "status"};
    const cJSON *tv = cJSON_GetObjectItemCaseSensitive(meta, "tool_version");

    snprintf(ver, sizeof(ver), "%u.%u", info->version_major, info->version_minor);
    lt_format_iso8601((int64_t)info->origin_ns, 9, iso, sizeof(iso));
    cJSON_AddStringToObject(o, "tape", path);
    cJSON_AddStringToObject(o, "version", ver);
    cJSON_AddBoolToObject(o, "closed", info->closed);
    cJSON_AddStringToObject(o, "stats_from", from_scan ? "scan" : "trailer");
    cJSON_AddBoolToObject(o, "verified", verified);
    cJSON_AddStringToObject(o, "origin", iso);
    cJSON_AddItemToObject(o, "origin_ns", lt_json_u64(info->origin_ns));
    if (cJSON_IsString(tv))
        cJSON_AddStringToObject(o, "tool_version", tv->valuestring);
    cJSON_AddItemToObject(o, "records", lt_json_u64(nrec));
    cJSON_AddItemToObject(o, "blocks", lt_json_u64(info->nblocks));
    cJSON_AddItemToObject(o, "first_ts_ns", lt_json_u64(first));
    cJSON_AddItemToObject(o, "last_ts_ns", lt_json_u64(last));
    cJSON_AddNumberToObject(o, "duration_s", dur);
    cJSON_AddNumberToObject(o, "mean_rps", dur > 0 ? (double)nrec / dur : 0);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(stats, keys[i]);
        if (v)
            cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(v, 1));
    }
    cJSON_AddItemToObject(o, "file_bytes", lt_json_u64(info->file_size));
    cJSON_AddItemToObject(o, "raw_bytes", lt_json_u64(info->raw_bytes));
    cJSON_AddNumberToObject(o, "compression_ratio",
                            info->file_size ? (double)info->raw_bytes / (double)info->file_size
                                            : 0);
    src = cJSON_GetObjectItemCaseSensitive(meta, "source");
    if (src)
        cJSON_AddItemToObject(o, "source", cJSON_Duplicate(src, 1));
    /* A capture's completeness counters: what was seen and what was not recorded whole. */
    src = cJSON_GetObjectItemCaseSensitive(meta, "capture");
    if (src)
        cJSON_AddItemToObject(o, "capture", cJSON_Duplicate(src, 1));
    if (lt_tape_reader_warning(r))
        cJSON_AddStringToObject(o, "warning", lt_tape_reader_warning(r));
    return o;
}

/* "POST 1200, GET 34": an object of counts, largest first. */
static void print_counts(const cJSON *obj)
{
    const cJSON *v;
    int n = cJSON_GetArraySize(obj), first = 1;
    const cJSON **items = n > 0 ? calloc((size_t)n, sizeof(*items)) : NULL;
    int k = 0;

    if (!items) {
        printf("-\n");
        return;
    }
    cJSON_ArrayForEach(v, obj) items[k++] = v;
    /* a selection sort is plenty for a few dozen keys */
    for (int i = 0; i < k; i++) {
        int best = i;
        for (int j = i + 1; j < k; j++)
            if (jget_u64(obj, items[j]->string) > jget_u64(obj, items[best]->string))
                best = j;
        v = items[best];
        items[best] = items[i];
        items[i] = v;
        printf("%s%s %llu", first ? "" : ", ", v->string,
               (unsigned long long)jget_u64(obj, v->string));
        first = 0;
    }
    printf("\n");
    free(items);
}

static void print_top(const char *name, const cJSON *arr)
{
    const cJSON *pair;
    int first = 1;

    label(name);
    if (cJSON_GetArraySize(arr) == 0)
        printf("-\n");
    cJSON_ArrayForEach(pair, arr)
    {
        const cJSON *k = cJSON_GetArrayItem(pair, 0), *c = cJSON_GetArrayItem(pair, 1);
        uint64_t n = 0;

        lt_json_get_u64(c, &n);
        if (!first)
            label("");
        printf("%8llu  %s\n", (unsigned long long)n, cJSON_IsString(k) ? k->valuestring : "?");
        first = 0;
    }
}

/*
 * A value in the metadata column, wrapped to fit 80 columns: long compact JSON
 * breaks after a comma, continuation lines under the value's start.
 */
static void print_wrapped(const char *s)
{
    const int col0 = LABEL_W + 13, room = 80 - col0;
    size_t len = strlen(s);

    while ((int)len > room) {
        int cut = room;
        while (cut > 0 && s[cut - 1] != ',')
            cut--;
        if (cut == 0) /* no comma to break at: let it run */
            break;
        printf("%.*s\n%*s", cut, s, col0, "");
        s += cut;
        len -= (size_t)cut;
    }
    printf("%s\n", s);
}

/* Metadata, one key a line; nested values as compact JSON. */
static void print_meta(const char *name, const cJSON *src)
{
    const cJSON *v;
    int first = 1;

    label(name);
    if (!cJSON_IsObject(src) || !src->child) {
        printf("-\n");
        return;
    }
    cJSON_ArrayForEach(v, src)
    {
        char *text = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
        if (!first)
            label("");
        printf("%-12s ", v->string);
        print_wrapped(cJSON_IsString(v) ? v->valuestring : text ? text : "?");
        free(text);
        first = 0;
    }
}

static void print_summary(const cJSON *o)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(o, "body_bytes");
    uint64_t nrec = jget_u64(o, "records"), first = jget_u64(o, "first_ts_ns");
    uint64_t last = jget_u64(o, "last_ts_ns"), origin = jget_u64(o, "origin_ns");
    uint64_t fsize = jget_u64(o, "file_bytes"), raw = jget_u64(o, "raw_bytes");
    double dur = cJSON_GetObjectItemCaseSensitive(o, "duration_s")->valuedouble;
    int closed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "closed"));
    int verified = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "verified"));
    const cJSON *tv = cJSON_GetObjectItemCaseSensitive(o, "tool_version");
    char a[48], b[48], d[32];

    label("tape");
    printf("%s\n", cJSON_GetObjectItemCaseSensitive(o, "tape")->valuestring);
    label("format");
    printf("v%s%s%s, %s\n", cJSON_GetObjectItemCaseSensitive(o, "version")->valuestring,
           cJSON_IsString(tv) ? ", written by loadtape " : "",
           cJSON_IsString(tv) ? tv->valuestring : "",
           !closed    ? "NOT closed (statistics from a scan of what was recovered)"
           : verified ? "closed cleanly; every block verified"
                      : "closed cleanly (index read; blocks not verified)");
    label("origin");
    lt_format_iso8601((int64_t)origin, 3, a, sizeof(a));
    printf("%s\n", a);
    label("records");
    printf("%llu in %llu block%s\n", (unsigned long long)nrec,
           (unsigned long long)jget_u64(o, "blocks"), jget_u64(o, "blocks") == 1 ? "" : "s");
    label("time span");
    if (nrec) {
        lt_format_iso8601((int64_t)(origin + first), 3, a, sizeof(a));
        lt_format_iso8601((int64_t)(origin + last), 3, b, sizeof(b));
        lt_format_duration((int64_t)(last - first), d, sizeof(d));
        printf("%s .. %s (%s)\n", a, b, d);
    } else {
        printf("-\n");
    }
    label("rate");
    if (dur > 0)
        printf("%.1f/s mean, %llu/s peak (in second %llu)\n",
               cJSON_GetObjectItemCaseSensitive(o, "mean_rps")->valuedouble,
               (unsigned long long)jget_u64(o, "peak_rps"),
               (unsigned long long)jget_u64(o, "peak_second"));
    else
        printf("-\n");
    label("sessions");
    printf("%llu%s\n", (unsigned long long)jget_u64(o, "sessions"),
           cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "sessions_exact")) ? " (estimate)"
                                                                                : "");
    label("methods");
    print_counts(cJSON_GetObjectItemCaseSensitive(o, "methods"));
    print_top("top urls", cJSON_GetObjectItemCaseSensitive(o, "top_urls"));
    print_top("top streams", cJSON_GetObjectItemCaseSensitive(o, "top_streams"));
    label("body bytes");
    if (nrec)
        printf("min %llu, p50 %llu, p90 %llu, p99 %llu, max %llu (total %llu)\n",
               (unsigned long long)jget_u64(body, "min"), (unsigned long long)jget_u64(body, "p50"),
               (unsigned long long)jget_u64(body, "p90"), (unsigned long long)jget_u64(body, "p99"),
               (unsigned long long)jget_u64(body, "max"),
               (unsigned long long)jget_u64(body, "total"));
    else
        printf("-\n");
    label("responses");
    if (jget_u64(o, "with_response")) {
        printf("%llu observed: ", (unsigned long long)jget_u64(o, "with_response"));
        print_counts(cJSON_GetObjectItemCaseSensitive(o, "status"));
    } else {
        printf("none observed\n");
    }
    label("flags");
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "flags")) > 0)
        print_counts(cJSON_GetObjectItemCaseSensitive(o, "flags"));
    else
        printf("none\n");
    human_bytes(fsize, a, sizeof(a));
    human_bytes(raw, b, sizeof(b));
    label("file");
    printf("%s (%llu bytes); records %s raw", a, (unsigned long long)fsize, b);
    if (raw && fsize)
        printf(", compression %.1fx", (double)raw / (double)fsize);
    printf("\n");
    print_meta("source", cJSON_GetObjectItemCaseSensitive(o, "source"));
    if (cJSON_GetObjectItemCaseSensitive(o, "capture"))
        print_meta("capture", cJSON_GetObjectItemCaseSensitive(o, "capture"));
}

/* ---- --records ---------------------------------------------------------------- */

/*
 * One record as {ts_ns, session, method, url, body_bytes, status}: the JSONL
 * writer does the escaping of a record stripped of headers, body, response
 * and flags, whose line then ends in exactly SLIM_TAIL; that tail is swapped
 * for the two keys.
 */
#define SLIM_TAIL ",\"headers\":[],\"body\":\"\"}\n"
static void print_record_json(const struct lt_record *rec)
{
    struct lt_record slim = *rec;
    size_t tl = strlen(SLIM_TAIL);
    struct lt_buf b;

    slim.nheaders = 0;
    slim.body.len = 0;
    slim.has_response = 0;
    slim.flags = 0;
    lt_buf_init(&b, 0);
    if (lt_jsonl_write(&b, &slim) == 0 && b.len > tl &&
        memcmp(b.data + b.len - tl, SLIM_TAIL, tl) == 0) {
        fwrite(b.data, 1, b.len - tl, stdout);
        printf(",\"body_bytes\":%zu,\"status\":", rec->body.len);
        if (rec->has_response)
            printf("%u}\n", rec->status);
        else
            printf("null}\n");
    }
    lt_buf_release(&b);
}

/* --records: a line per record, up to --limit (the sink says when it has enough). */
static int list_put(void *ctx, const struct lt_record *rec, struct lt_err *err)
{
    uint64_t *n = ctx;

    (void)err;
    if (limit && *n >= limit)
        return 1;
    ++*n;
    if (json_flag) {
        print_record_json(rec);
        return limit && *n >= limit;
    }
    printf("%6llu.%09llu %10llu %-7.*s %9zu ", (unsigned long long)(rec->ts_ns / 1000000000),
           (unsigned long long)(rec->ts_ns % 1000000000), (unsigned long long)rec->session,
           (int)rec->method.len, (const char *)rec->method.p, rec->body.len);
    if (rec->has_response)
        printf("%6u  ", rec->status);
    else
        printf("%6s  ", "-");
    put_printable(stdout, rec->url.p, rec->url.len);
    putchar('\n');
    return limit && *n >= limit;
}

static int list_records(struct lt_tape_reader *r, struct lt_err *err)
{
    struct lt_record_source src;
    struct lt_record_sink sink = {0};
    uint64_t n = 0;
    int rc;

    if (!json_flag)
        printf("%16s %10s %-7s %9s %6s  %s\n", "ts_s", "session", "method", "body", "status",
               "url");
    sink.ctx = &n;
    sink.put = list_put;
    if ((rc = lt_tape_source(&src, r, NULL, err)) != 0)
        return rc;
    rc = lt_record_pump(&src, &sink, NULL, NULL, err);
    lt_record_source_release(&src);
    return rc;
}

/* From a pipe, whether the tape was closed is known only once it was read. */
static void stream_warning(const struct lt_tape_reader *r)
{
    if (lt_tape_reader_info(r)->streamed && lt_tape_reader_warning(r))
        lt_cli_warn(CMD, "%s", lt_tape_reader_warning(r));
}

int cmd_inspect(int argc, char **argv)
{
    struct lt_tape_reader *r = NULL;
    struct lt_err err, scan_err;
    cJSON *stats = NULL, *sum = NULL;
    char **pos;
    int npos, rc, from_scan = 0, ret = LT_EXIT_FAIL;

    json_flag = records_flag = verify_flag = 0;
    limit = 0;
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    if (limit && !records_flag)
        return lt_cli_usage(CMD, "--limit needs --records");
    if (verify_flag && records_flag)
        return lt_cli_usage(CMD, "--verify summarizes; it does not go with --records");
    lt_err_clear(&err);
    lt_err_clear(&scan_err);
    if (!(r = lt_tape_reader_open(pos[0], &err))) {
        lt_cli_error(CMD, "%s", err.msg);
        goto out;
    }
    if (lt_tape_reader_warning(r))
        lt_cli_warn(CMD, "%s", lt_tape_reader_warning(r));
    if (records_flag) {
        rc = list_records(r, &err);
        fflush(stdout);
        if (rc) {
            lt_cli_error(CMD, "%s", err.msg);
            goto out;
        }
        stream_warning(r);
        ret = LT_EXIT_OK;
        goto out;
    }
    if (!(stats = get_stats(r, verify_flag, &from_scan, &scan_err)) ||
        !(sum = summary_json(pos[0], r, stats, from_scan, from_scan && !scan_err.code))) {
        lt_cli_error(CMD, "out of memory");
        goto out;
    }
    if (verify_flag && scan_err.code) {
        /* a tape that failed verification gets no summary that could pass for one */
        lt_cli_error(CMD, "%s", scan_err.msg);
        goto out;
    }
    if (json_flag) {
        char *text = cJSON_PrintUnformatted(sum);
        if (!text) {
            lt_cli_error(CMD, "out of memory");
            goto out;
        }
        printf("%s\n", text);
        free(text);
    } else {
        print_summary(sum);
    }
    fflush(stdout);
    stream_warning(r);
    if (scan_err.code) {
        /* what came before the damage was summarized; the damage is an error */
        fflush(stdout);
        lt_cli_error(CMD, "%s", scan_err.msg);
        goto out;
    }
    ret = LT_EXIT_OK;
out:
    cJSON_Delete(sum);
    cJSON_Delete(stats);
    lt_cli_note_fetched(CMD, r);
    lt_tape_reader_free(r);
    return ret;
}
