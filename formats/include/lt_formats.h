/*
 * lt_formats.h - the record model and every on-disk or on-wire format:
 * tapes (writer/reader), JSONL and HAR import/export, the results file,
 * the HTTP/1.x wire parser and the event validation rules.
 *
 * Untrusted input (tapes, JSON, HTTP from the wire) is bounded by the limits
 * of struct lt_limits; nothing here prints or exits.
 */
#ifndef LT_FORMATS_H
#define LT_FORMATS_H

#include "lt_common.h"

#include <stdio.h>

struct cJSON;

/* ==== limits (DESIGN.md §2) ============================================= */

struct lt_limits {
    size_t url_max;      /* request line and URL: 8 KiB */
    size_t headers_max;  /* all header bytes (names + values): 64 KiB */
    size_t nheaders_max; /* number of headers: 256 */
    size_t body_max;     /* body: 64 MiB */
};

#define LT_LIMIT_URL (8u * 1024)
#define LT_LIMIT_HEADERS (64u * 1024)
#define LT_LIMIT_NHEADERS 256u
#define LT_LIMIT_BODY (64u * 1024 * 1024)

/* Fills l with the defaults above. */
void lt_limits_default(struct lt_limits *l);

/* ==== the record (DESIGN.md §2) ========================================= */

/* Flags on a record. Names (for JSONL) come from lt_record_flag_name(). */
enum lt_record_flag {
    LT_RF_TRUNCATED = 1u << 0,   /* "truncated": body cut by snaplen or a limit */
    LT_RF_REDACTED = 1u << 1,    /* "redacted": secret values (header, query, body) replaced */
    LT_RF_INCOMPLETE = 1u << 2,  /* "incomplete": a gap in the capture inside the request */
    LT_RF_NO_RESPONSE = 1u << 3, /* "no_response": response not seen within the reorder window */
    LT_RF_INVALID = 1u << 4,     /* "invalid": deliberately invalid event (synth errors) */
};
#define LT_RF_ALL 0x1fu

/* "truncated", ... for one flag bit; NULL for an unknown bit. */
const char *lt_record_flag_name(uint32_t bit);
/* The bit for a name, 0 when unknown. */
uint32_t lt_record_flag_bit(const char *name);

struct lt_bytes {
    const uint8_t *p;
    size_t len;
};

struct lt_header {
    struct lt_bytes name;
    struct lt_bytes value;
};

/*
 * A record as passed around: a view. All pointers are borrowed; who owns the
 * bytes is said by the function that hands the record out (the tape reader's
 * records are valid until its next call). Writers copy what they keep.
 */
struct lt_record {
    uint64_t ts_ns;   /* since the tape's time origin */
    uint64_t session; /* connection / user session */
    struct lt_bytes method;
    struct lt_bytes url; /* origin form: path and query */
    const struct lt_header *headers;
    size_t nheaders;
    struct lt_bytes body;
    int has_response;
    uint16_t status;          /* when has_response */
    uint64_t resp_latency_ns; /* when has_response: as originally observed */
    uint32_t flags;           /* enum lt_record_flag */
};

/*
 * An owning record: one arena holds every byte the view points at, so a
 * record can outlive the buffer it was parsed from. Build with _init, then
 * lt_recbuf_set() copies a view in (replacing what was there).
 */
struct lt_recbuf {
    struct lt_record rec; /* points into arena / hdrs */
    struct lt_buf arena;
    struct lt_header *hdrs;
    size_t hdrs_cap;
};

void lt_recbuf_init(struct lt_recbuf *rb);
void lt_recbuf_release(struct lt_recbuf *rb);
int lt_recbuf_set(struct lt_recbuf *rb, const struct lt_record *src);

/* Checks a record against limits; names the limit that was exceeded. */
int lt_record_check(const struct lt_record *r, const struct lt_limits *l, struct lt_err *err);

/* Case-insensitive header lookup; returns the first match or NULL. */
const struct lt_header *lt_record_header(const struct lt_record *r, const char *name);

/* ==== the record pipeline: sources -> transforms -> sinks (formats/pipe.c) ===== */

/*
 * Where records come from. A pull source fills *rec on next() (1, 0 at the
 * end, < 0 on error; rec valid until the next call). A push source (a packet
 * capture, a listener) instead drives its own loop and hands each record to
 * a sink from run(). Either may be NULL, not both. rewind() (for --loop) may
 * be NULL; meta() gives a JSON object text naming the source for the tape's
 * metadata (NULL when there is none). release() (may be NULL) frees ctx.
 * where() (may be NULL) names the record next() gave last ("'in.jsonl' line
 * 7"): lt_record_pump puts it before the message of a sink that refused it.
 */
struct lt_record_sink;
struct lt_record_source {
    void *ctx;
    int (*next)(void *ctx, struct lt_record *rec, struct lt_err *err);
    int (*run)(void *ctx, struct lt_record_sink *out, struct lt_err *err);
    int (*rewind)(void *ctx, struct lt_err *err);
    const char *(*meta)(void *ctx);
    void (*release)(void *ctx);
    const char *(*where)(void *ctx);
};

/*
 * Where records go. put() receives each record, borrowed for the call, and
 * returns 0, < 0 on error, or > 0 when it wants no more (the pump then stops
 * without an error: a listing's --limit). finish() (may be NULL) makes what was put durable, given
 * final metadata (a JSON object text, may be NULL); release() (may be NULL) frees ctx and, when
 * finish() was not called or failed, leaves nothing half-written in place of what was there before.
 * durable() (may be NULL: every record put is) says how many of the records put are already safe (a
 * tape: those in the blocks written out), so a recorder whose put() failed can say what was kept
 * and what was lost with it.
 */
struct lt_record_sink {
    void *ctx;
    int (*put)(void *ctx, const struct lt_record *rec, struct lt_err *err);
    int (*finish)(void *ctx, const char *final_meta_json, struct lt_err *err);
    void (*release)(void *ctx);
    uint64_t (*durable)(void *ctx);
};

/*
 * Moves every record of src into out (next() in a loop, or run()), until the
 * end, an error, or *stop becomes non-zero (checked between records; may be
 * NULL). *n (may be NULL) counts the records put. Does not call finish().
 * An error of out's is prefixed with src's where() when it has one.
 */
int lt_record_pump(struct lt_record_source *src, struct lt_record_sink *out,
                   const volatile int *stop, uint64_t *n, struct lt_err *err);
/* Calls release() where set and clears the struct. */
void lt_record_source_release(struct lt_record_source *src);
void lt_record_sink_release(struct lt_record_sink *out);
/* out->durable(), or put (the records put so far) when out has none. */
uint64_t lt_record_sink_durable(const struct lt_record_sink *out, uint64_t put);

/* An HTTP request message as a record view (method, url, headers, body); the
 * rest of r zeroed. The one place a parsed message becomes a record. */
struct lt_http_msg;
void lt_record_from_http(struct lt_record *r, const struct lt_http_msg *m);

/*
 * The transform every recording path applies (formats/redact.c): the request
 * target in origin form, framing that matches the body (Transfer-Encoding
 * and a wrong Content-Length become the body's Content-Length), and secrets
 * redacted: header values, query parameter values and JSON body fields at
 * any depth (also inside arrays), by name, case-insensitively. A redacted
 * value is replaced by a fixed marker (LT_REDACTED; in a query its
 * percent-encoded form; in JSON the string "[redacted]") and the record is
 * flagged LT_RF_REDACTED. keep_secrets turns redaction off; normalisation
 * stays.
 */
#define LT_REDACTED "[redacted]"
#define LT_REDACTED_QUERY "%5Bredacted%5D"

struct lt_redact_opts {
    int keep_secrets;
    const char *const *headers; /* more names of each kind (borrowed), beside the defaults */
    size_t nheaders;
    const char *const *queries;
    size_t nqueries;
    const char *const *fields;
    size_t nfields;
};

struct lt_redact_stats {
    uint64_t records;                  /* records seen */
    uint64_t redacted;                 /* records with at least one value redacted */
    uint64_t headers, queries, fields; /* values redacted, by kind */
    uint64_t normalised;               /* records whose target or framing was rewritten */
};

struct lt_redact;
struct lt_redact *lt_redact_new(const struct lt_redact_opts *o, struct lt_err *err);
void lt_redact_free(struct lt_redact *rd);
/*
 * Applies the transform to in; *out is a view into in and into rd's scratch,
 * valid until the next call (in must outlive *out).
 */
int lt_redact_apply(struct lt_redact *rd, const struct lt_record *in, struct lt_record *out,
                    struct lt_err *err);
const struct lt_redact_stats *lt_redact_stats(const struct lt_redact *rd);
/* The default names of one kind ('h', 'q' or 'f'), NULL-terminated (for --help and docs). */
const char *const *lt_redact_defaults(int kind);
/*
 * *out becomes a sink that applies rd to each record and puts the result into
 * next; finish() is next's. rd and next are borrowed: releasing *out releases
 * neither.
 */
int lt_redact_sink(struct lt_record_sink *out, struct lt_redact *rd, struct lt_record_sink *next,
                   struct lt_err *err);

/* ---- adapters in formats/ (formats/pipe_io.c) ---- */

/*
 * A tape as a source, read through the window [from_ts, to_ts) of record
 * ts (to_ts 0: to the end; has_from 0: from the first record). The reader is
 * borrowed; rewind() seeks back to the window's start.
 */
struct lt_tape_window {
    uint64_t from_ts, to_ts;
    int has_from;
};
struct lt_tape_reader;
int lt_tape_source(struct lt_record_source *src, struct lt_tape_reader *rd,
                   const struct lt_tape_window *w, struct lt_err *err);

/* A tape writer as a sink: finish() closes it with the final metadata, release()
 * without finish() aborts it. The writer is owned by the sink. */
struct lt_tape_writer;
int lt_tape_sink(struct lt_record_sink *out, struct lt_tape_writer *w, struct lt_err *err);

/*
 * JSON lines (what lt_jsonl_write makes) read from in, one record per line:
 * blank lines are skipped, a UTF-8 byte order mark on the first line too, and
 * records must come in time order. Lines are bounded by what a record within
 * l can take (every byte escaped). Errors name the line ("'NAME' line 4:
 * unknown key 'sesion'"), where() the line of the last record. in and name
 * are borrowed; in is read from but neither rewound nor closed. meta():
 * {"source":{"kind":"import","format":"jsonl","file":NAME}}.
 */
int lt_jsonl_source(struct lt_record_source *src, FILE *in, const char *name,
                    const struct lt_limits *l, struct lt_err *err);

/* The most of a HAR document lt_har_source reads (the document is read whole). */
#define LT_HAR_FILE_MAX ((size_t)512 << 20)

/*
 * A HAR 1.2 log read from in: the document is read whole (at most
 * LT_HAR_FILE_MAX) and parsed by lt_har_import before this returns, so every
 * error of the file is reported here ("'NAME': log.entries[1]: ..."), and
 * *origin_ns gets the earliest startedDateTime (unchanged when there is no
 * entry). next() then gives the entries' records in startedDateTime order
 * (held in memory, the document freed); rewind() starts them over. in and
 * name are borrowed; in is not closed. meta(): {"source":{"kind":"import",
 * "format":"har","file":NAME}}.
 */
int lt_har_source(struct lt_record_source *src, FILE *in, const char *name,
                  const struct lt_limits *l, uint64_t *origin_ns, struct lt_err *err);

/*
 * Records written to f as JSON lines (lt_jsonl_write) or as a HAR 1.2 log
 * (lt_har_begin/_entry/_end, times from origin_ns), through a buffer written
 * out every megabyte. finish() writes the rest (and the HAR log's end) and
 * flushes f; a failed write is an error naming name ("cannot write 'OUT': No
 * space left on device"). release() without finish() writes nothing more.
 * f and name are borrowed; f is not closed.
 */
int lt_jsonl_sink(struct lt_record_sink *out, FILE *f, const char *name, struct lt_err *err);
int lt_har_sink(struct lt_record_sink *out, FILE *f, const char *name, uint64_t origin_ns,
                struct lt_err *err);

/* ==== tapes (DESIGN.md §3, docs/FORMAT.md) =============================== */

#define LT_TAPE_VERSION_MAJOR 1
#define LT_TAPE_VERSION_MINOR 0
#define LT_TAPE_LEVEL_DEFAULT 3
#define LT_TAPE_LEVEL_MAX 19

struct lt_tape_writer_opts {
    int level;             /* zstd level, 1..19; 0 means LT_TAPE_LEVEL_DEFAULT */
    size_t block_records;  /* max records per block; 0 means the default */
    size_t block_bytes;    /* max raw bytes per block; 0 means the default */
    uint64_t origin_ns;    /* Unix ns of ts 0 */
    const char *meta_json; /* extra metadata: a JSON object (source, ...), may be NULL */
};

struct lt_tape_writer;

/*
 * Creates a tape at path ("-" is stdout) and writes its header. The writer
 * streams: it never seeks, so a pipe works. A regular file is written under
 * PATH.tmpPID, renamed to path with the first record when nothing was at
 * path, else at a clean close (so a tape already there survives any
 * failure). Returns NULL and fills err on failure.
 */
struct lt_tape_writer *lt_tape_writer_open(const char *path, const struct lt_tape_writer_opts *o,
                                           struct lt_err *err);
/* Same on an open fd (not closed by the writer). */
struct lt_tape_writer *lt_tape_writer_fdopen(int fd, const char *name,
                                             const struct lt_tape_writer_opts *o,
                                             struct lt_err *err);
/*
 * Appends a record (copied). ts_ns must not go below the previous record's
 * (LT_E_USAGE). A full block is compressed and written before returning.
 */
int lt_tape_writer_append(struct lt_tape_writer *w, const struct lt_record *r, struct lt_err *err);
/* Writes out the current partial block (records become durable). */
int lt_tape_writer_flush(struct lt_tape_writer *w, struct lt_err *err);
/*
 * Flushes, writes the index and the trailer with final metadata (a JSON
 * object merged over the header's, e.g. capture counters; may be NULL), and
 * closes the file. Frees w in every case. When it fails (or a write failed
 * earlier), the complete blocks stay readable, unclosed: under the name, or
 * under the temporary name when a file was at the name (that file stays);
 * err then ends with where they are. A file with no record is removed.
 */
int lt_tape_writer_close(struct lt_tape_writer *w, const char *final_meta_json, struct lt_err *err);
/* Closes without an index and removes the file when it is a regular file the
 * writer created: for failed imports. Frees w. */
void lt_tape_writer_abort(struct lt_tape_writer *w);
uint64_t lt_tape_writer_count(const struct lt_tape_writer *w);
/* Records in the blocks written to the file so far (the others are in the block
 * being filled): what a reader finds if the writer fails now. */
uint64_t lt_tape_writer_written(const struct lt_tape_writer *w);

struct lt_block_info {
    uint64_t offset;   /* file offset of the block header */
    uint64_t size;     /* header + payload bytes on disk */
    uint64_t raw_size; /* uncompressed payload bytes */
    uint32_t nrecords;
    uint64_t first_ts_ns;
    uint64_t last_ts_ns;
    uint64_t first_record; /* index of the block's first record in the tape */
};

struct lt_tape_info {
    unsigned version_major, version_minor;
    int closed;        /* the trailer and index were found and are valid */
    uint64_t nrecords; /* from the index, or counted while recovering */
    uint64_t nblocks;
    uint64_t first_ts_ns, last_ts_ns;
    uint64_t origin_ns;
    uint64_t file_size;
    uint64_t raw_bytes; /* sum of uncompressed block payloads */
    /* Read from a pipe: no index was read first, so closed, the counts, the
     * times and file_size grow as blocks are read and are whole only at the
     * end (when lt_tape_reader_next returned 0); then the warning is set if
     * the tape was not closed. Seeking is refused. */
    int streamed;
};

struct lt_tape_reader;

/*
 * Opens a tape from a file or from memory (the buffer is borrowed and must
 * outlive the reader). Reads the header and, when the tape was closed, the
 * index; otherwise scans block headers to recover what is complete (info
 * .closed == 0; the caller warns). Memory stays within a couple of blocks.
 * path "-" is standard input; a pipe (or FIFO) is read block by block in
 * order, without the index (info.streamed).
 */
/*
 * path: a file, "-" (standard input), or an http(s):// URL read with range
 * requests (only the footer, the index and the blocks read are fetched; a
 * server without range support is refused).
 */
struct lt_tape_reader *lt_tape_reader_open(const char *path, struct lt_err *err);
/* A tape read from a URL: 1 with the bytes fetched and range requests made so far; 0 otherwise. */
int lt_tape_reader_fetched(const struct lt_tape_reader *r, uint64_t *bytes, uint64_t *requests);
struct lt_tape_reader *lt_tape_reader_open_mem(const uint8_t *p, size_t n, struct lt_err *err);
void lt_tape_reader_free(struct lt_tape_reader *r);

const struct lt_tape_info *lt_tape_reader_info(const struct lt_tape_reader *r);
/* Merged metadata (header object with the trailer's keys over it). Borrowed. */
const struct cJSON *lt_tape_reader_meta(const struct lt_tape_reader *r);
/*
 * A one-line warning when the tape was not read as written, else NULL:
 * "tape 'x' was not closed: recovered N records in M complete blocks..." or
 * "tape 'x': the index is damaged (...), blocks were scanned instead: ...".
 * Borrowed.
 */
const char *lt_tape_reader_warning(const struct lt_tape_reader *r);
/* Bytes the reader holds for decoding (block buffers, dictionaries): stays
 * within about two blocks whatever the tape's size. The index is apart. */
size_t lt_tape_reader_memory(const struct lt_tape_reader *r);
size_t lt_tape_reader_nblocks(const struct lt_tape_reader *r);
const struct lt_block_info *lt_tape_reader_block(const struct lt_tape_reader *r, size_t i);

/*
 * Next record: returns 1 with *rec filled (pointers valid until the next call
 * on r), 0 at the end, or a negative code (a corrupt block is reported with
 * its number and file offset; the reader stops there).
 */
int lt_tape_reader_next(struct lt_tape_reader *r, struct lt_record *rec, struct lt_err *err);
/*
 * Damaged blocks: with a callback set, a block that fails its checks (a
 * corrupt block, LT_E_CORRUPT) no longer stops lt_tape_reader_next; the block
 * is passed over and the callback told its number, offset, how many of its
 * records were not returned (from the index) and why. Only for a tape read
 * with its index (a closed tape from a file or memory): a recovery scan or a
 * pipe cannot tell where the next block starts, and still stops. The
 * totals so far: lt_tape_reader_skipped.
 */
typedef void (*lt_tape_skip_fn)(void *ctx, size_t block, uint64_t offset, uint64_t records,
                                const char *why);
void lt_tape_reader_skip_damaged(struct lt_tape_reader *r, lt_tape_skip_fn fn, void *ctx);
uint64_t lt_tape_reader_skipped(const struct lt_tape_reader *r, uint64_t *blocks);
/* Positions at block i (0 = start). */
int lt_tape_reader_seek_block(struct lt_tape_reader *r, size_t i, struct lt_err *err);
/* Positions at the first record with ts_ns >= ts (skips whole blocks via the index). */
int lt_tape_reader_seek_ts(struct lt_tape_reader *r, uint64_t ts_ns, struct lt_err *err);

/*
 * Tape statistics: what `inspect` shows, accumulated record by record. The
 * writer keeps one and stores its JSON in the trailer metadata under "stats",
 * so inspect of a closed tape reads only the trailer; for a tape that was not
 * closed, inspect scans the records through the same accumulator. Memory is
 * bounded whatever the tape's size (exact session count up to a cap, then an
 * estimate; top URLs by a bounded counting table).
 */
struct lt_tape_stats;
struct lt_tape_stats *lt_tape_stats_new(void);
void lt_tape_stats_free(struct lt_tape_stats *s);
void lt_tape_stats_add(struct lt_tape_stats *s, const struct lt_record *r);
/* *out becomes a sink adding each record to s (borrowed; releasing *out frees nothing). */
void lt_tape_stats_sink(struct lt_record_sink *out, struct lt_tape_stats *s);
/*
 * A new cJSON object (caller frees with cJSON_Delete):
 * {"records":N,"first_ts_ns":..,"last_ts_ns":..,"peak_rps":N,"peak_second":S,
 *  "sessions":N,"sessions_exact":true,"methods":{"POST":N,..},
 *  "top_urls":[["/collect/web",N],..],"top_streams":[["web",N],..],
 *  "body_bytes":{"total":..,"min":..,"p50":..,"p90":..,"p99":..,"max":..},
 *  "flags":{"redacted":N,..},"with_response":N,"status":{"202":N,..}}
 */
struct cJSON *lt_tape_stats_json(const struct lt_tape_stats *s);

/* ==== JSON helpers ========================================================== */

/*
 * JSON text is written by common/'s lt_buf_json_strn (strings) and
 * lt_buf_json_u64 (DESIGN.md §3's rule for a u64: a number below 2^53, else a
 * decimal string). For cJSON trees: lt_json_u64 makes a new cJSON item by the
 * same rule; lt_json_get_u64 reads either form back (0, or -1 when v is
 * neither, negative, fractional, or a number too large to be exact).
 */
struct cJSON *lt_json_u64(uint64_t v);
int lt_json_get_u64(const struct cJSON *v, uint64_t *out);

/*
 * Untrusted JSON (events, JSONL, HAR, scenario files) is read by one strict,
 * bounded reader (formats/jsonval.c). It accepts exactly RFC 8259 JSON and
 * refuses, everywhere alike: invalid UTF-8 in a string, a lone surrogate in a
 * \u escape, a raw control character in a string, a key given twice in one
 * object, arrays and objects nested more than LT_JSON_DEPTH_MAX deep, numbers
 * outside the JSON grammar (01, 1., .5, +1, NaN), anything after the value.
 */
#define LT_JSON_DEPTH_MAX 64

/*
 * The reader's verdict on text[0, len), for text then read with cJSON (scenario
 * files): 0 when it is one JSON value the reader accepts, else LT_E_FORMAT with
 * a message naming the line and column ("invalid JSON at line 3, column 5:
 * duplicate key 'rate'"). Since cJSON keeps strings only up to a NUL, a string
 * holding U+0000 is refused too. At most one value per input byte is held.
 */
int lt_json_check(const char *text, size_t len, struct lt_err *err);

/* ==== JSON field edits (replay --set-field, --drop-field) ================== */

/*
 * Sets or removes one field of a JSON body at a dotted path ("context.library.name":
 * keys separated by dots), in the root object and in each object element of a
 * top-level "batch" array. value (a JSON text, NUL-terminated) replaces the field
 * wherever the path exists; when it exists in none of them it is added to the root
 * object, with the objects on the way (*added = 1), unless a key on the way holds
 * something other than an object. value NULL removes the member wherever it exists.
 * The rest of the text is kept byte for byte, and the result is valid JSON.
 * A body that is not a JSON object (or has more than about a million values) is
 * left alone. Returns 1 with the edited body appended to out, 0 when nothing
 * changed (out untouched), LT_E_USAGE for an empty path segment, LT_E_NOMEM.
 * *matched: the places where the path existed. The editor is reusable.
 */
struct lt_json_edit;
struct lt_json_edit *lt_json_edit_new(void);
void lt_json_edit_free(struct lt_json_edit *e);
int lt_json_edit_apply(struct lt_json_edit *e, struct lt_buf *out, const uint8_t *body, size_t len,
                       const char *path, const char *value, size_t *matched, int *added);
/* Whether s[0, n) is exactly one JSON value (a literal --set-field VALUE). */
int lt_json_is_value(const char *s, size_t n);

/* ==== JSONL and HAR (DESIGN.md §3) ========================================= */

/*
 * Appends one record as a JSONL line (with '\n') to out, per the rules of
 * DESIGN.md §3 (body_b64, {"b64":..} header values, big numbers as strings).
 */
int lt_jsonl_write(struct lt_buf *out, const struct lt_record *r);

/*
 * Parses one JSONL line into rb (copied). Errors name the field; the caller
 * prefixes the line number. Limits are enforced.
 */
int lt_jsonl_parse(struct lt_recbuf *rb, const char *line, size_t len, const struct lt_limits *l,
                   struct lt_err *err);

/* HAR 1.2 export: _begin writes the prologue, _entry one entry, _end closes. */
int lt_har_begin(struct lt_buf *out, uint64_t origin_ns);
int lt_har_entry(struct lt_buf *out, const struct lt_record *r, uint64_t origin_ns, int first);
int lt_har_end(struct lt_buf *out);

/*
 * HAR import: parses a whole HAR document (bounded by the caller), calling fn
 * for each entry in order of startedDateTime (records get ts_ns relative to
 * the earliest entry; *origin_ns receives its Unix ns). Errors name the entry.
 */
typedef int (*lt_har_record_fn)(void *ctx, const struct lt_record *r, struct lt_err *err);
int lt_har_import(const char *doc, size_t len, const struct lt_limits *l, uint64_t *origin_ns,
                  lt_har_record_fn fn, void *ctx, struct lt_err *err);

/* ==== HTTP/1.x wire parser (formats/http*.c) =============================== */

/*
 * An incremental HTTP/1.x parser for one direction of one connection: the
 * sink's listener feeds it requests as they are read, capture feeds it each
 * direction of a reassembled TCP stream. Bytes may arrive in any split; the
 * messages that come out are the same (RFC 9112 framing: Content-Length,
 * chunked with extensions and trailers, close-delimited response bodies,
 * pipelining, 1xx interim responses, HEAD/204/304 without bodies).
 *
 * Strict where ambiguity could be abused (request smuggling): obsolete line
 * folding, Content-Length together with Transfer-Encoding, differing
 * duplicate Content-Length values, bad chunk sizes, whitespace before the
 * colon are errors. A bare LF is accepted as a line end (RFC 9112 §2.2).
 * Limits (struct lt_limits, DESIGN.md §2) bound every byte the parser keeps.
 */

enum lt_http_mode {
    LT_HTTP_REQUEST = 0,  /* the client-to-server direction */
    LT_HTTP_RESPONSE = 1, /* the server-to-client direction */
};

/* Message flags (struct lt_http_msg.flags). */
enum lt_http_flag {
    LT_HTTP_F_KEEPALIVE = 1u << 0,       /* the connection stays open after it */
    LT_HTTP_F_CHUNKED = 1u << 1,         /* the body came chunked (decoded here) */
    LT_HTTP_F_INTERIM = 1u << 2,         /* a 1xx response other than 101: not the final one */
    LT_HTTP_F_EXPECT_CONTINUE = 1u << 3, /* request with Expect: 100-continue */
    LT_HTTP_F_UPGRADE = 1u << 4,         /* 101, or 2xx to CONNECT: the stream leaves HTTP */
    LT_HTTP_F_CLOSE_DELIMITED = 1u << 5, /* body ended by the end of the stream */
    LT_HTTP_F_TRUNCATED = 1u << 6,       /* the stream ended inside the body */
    LT_HTTP_F_GAP = 1u << 7,             /* bytes of the body were lost (lt_http_parser_gap) */
    LT_HTTP_F_RESYNCED = 1u << 8,        /* garbage was skipped right before this message */
    LT_HTTP_F_CUT = 1u << 9,             /* body longer than the limit: kept up to it (cut_body) */
};

/*
 * A parsed message. Every pointer is borrowed: it points either into the
 * data passed to the lt_http_parser_feed() call that returned it (zero-copy,
 * when the message arrived whole) or into the parser's own storage, and is
 * valid until the next call on the parser (and, for the former, while the
 * caller's data is unchanged). Copy what must outlive that (lt_recbuf_set).
 */
struct lt_http_msg {
    enum lt_http_mode mode;
    struct lt_bytes method;          /* requests: as sent */
    struct lt_bytes url;             /* requests: the request target as sent */
    uint16_t status;                 /* responses */
    struct lt_bytes reason;          /* responses: reason phrase, may be empty */
    unsigned version_minor;          /* HTTP/1.<version_minor>: 0 or 1 */
    const struct lt_header *headers; /* in order, case and duplicates preserved */
    size_t nheaders;
    const struct lt_header *trailers; /* chunked trailer fields, in order */
    size_t ntrailers;
    struct lt_bytes body;     /* decoded: chunk framing removed; empty with discard_body */
    uint64_t body_len;        /* the decoded body's length, kept or not (bytes lost in a
                                 gap are not counted): body.len unless discard_body */
    uint64_t start_offset;    /* stream offset of the first byte of the start line */
    uint64_t head_end_offset; /* stream offset just past the blank line after the headers */
    uint64_t end_offset;      /* stream offset just past the message's last byte */
    uint32_t flags;           /* enum lt_http_flag */
};

/* What lt_http_parser_feed() reports. */
enum lt_http_event {
    LT_HTTP_NEED_MORE = 0, /* all input consumed, no message complete yet */
    LT_HTTP_MESSAGE = 1,   /* *msg holds a complete message */
    /*
     * A request head with Expect: 100-continue was parsed and its body has
     * not all arrived: a server may answer "100 Continue" now. *msg holds the
     * head (body empty). Reported once per request; the full message follows.
     */
    LT_HTTP_CONTINUE = 2,
};

/* Options; zero-initialised means defaults. */
struct lt_http_parser_opts {
    const struct lt_limits *limits; /* NULL means lt_limits_default() */
    /*
     * Resynchronise after errors: instead of stopping, the parser skips to the
     * next thing that looks like a start line (a method token followed by a
     * target and " HTTP/1.x", or "HTTP/1.x NNN" for responses; mid-line only
     * the common methods are sought), at any byte position, and goes on. A
     * request line that starts like one (a method-like word, then a space or
     * the line's end) but does not parse is an error as soon as its line
     * ends; other bytes between messages are skipped. Errors are still returned (so they can be
     * counted), but the parser stays usable. Also used at the start of a
     * stream when seek_start is set.
     */
    int resync;
    int seek_start; /* the stream may begin mid-message: seek a start line first */
    /*
     * Frame bodies exactly as usual (Content-Length, chunked, close-delimited)
     * but keep none of their bytes: msg.body stays empty, msg.body_len says how
     * long the body was, and the body limit does not apply (nothing is held),
     * so any Content-Length up to UINT64_MAX is accepted. For a client that
     * only needs each response's status and end (replay's engine). Once warmed
     * up, the parser then allocates nothing per message, whatever the bodies.
     */
    int discard_body;
    /*
     * Requests: a body longer than the body limit is not an error; its first
     * body_max bytes are kept, the rest framed and skipped, and the message
     * is flagged LT_HTTP_F_CUT (capture keeps such requests, truncated).
     */
    int cut_body;
};

struct lt_http_state; /* private */

/*
 * A parser. Caller-owned storage: _init, then _release. Only the counters
 * are meant to be read; the state behind `st` is private.
 */
struct lt_http_parser {
    struct lt_http_state *st;
    uint64_t messages;      /* complete messages returned */
    uint64_t errors;        /* errors reported */
    uint64_t skipped_bytes; /* bytes skipped while resynchronising */
    uint64_t tunnel_bytes;  /* bytes after an upgrade, not parsed */
};

/* Kinds of request a response answers (lt_http_parser_push_request). */
#define LT_HTTP_REQ_HEAD 1u    /* the response has no body whatever it says */
#define LT_HTTP_REQ_CONNECT 2u /* a 2xx response turns the stream into a tunnel */

int lt_http_parser_init(struct lt_http_parser *p, enum lt_http_mode mode,
                        const struct lt_http_parser_opts *o);
void lt_http_parser_release(struct lt_http_parser *p);

/*
 * Feeds up to len bytes of the stream. *used receives how many were
 * consumed: on LT_HTTP_MESSAGE / LT_HTTP_CONTINUE the bytes up to that point
 * (call again with the rest), on LT_HTTP_NEED_MORE all of them. A negative
 * return is an error (LT_E_FORMAT for bad syntax, LT_E_LIMIT for a limit,
 * named in err, e.g. "headers exceed the 65536-byte limit"); *used then
 * says where parsing stopped. Without resync the error is sticky.
 */
int lt_http_parser_feed(struct lt_http_parser *p, const uint8_t *data, size_t len, size_t *used,
                        struct lt_http_msg *msg, struct lt_err *err);

/*
 * The stream ended (FIN). Returns LT_HTTP_MESSAGE when that completes a
 * message: a close-delimited response body (LT_HTTP_F_CLOSE_DELIMITED), or
 * a message whose head arrived but whose body did not all arrive
 * (LT_HTTP_F_TRUNCATED). Returns LT_HTTP_NEED_MORE (0) when nothing was
 * pending, LT_E_TRUNCATED when a partial head was dropped.
 */
int lt_http_parser_finish(struct lt_http_parser *p, struct lt_http_msg *msg, struct lt_err *err);

/*
 * Responses: tells the parser what the next request in order was
 * (LT_HTTP_REQ_* bits, 0 for an ordinary one), so it frames the response
 * right. Without a pushed request a response is framed as one to GET.
 * Interim (1xx) responses do not consume an entry. LT_E_LIMIT when 256
 * requests are already pending.
 */
int lt_http_parser_push_request(struct lt_http_parser *p, unsigned req_bits);
/* LT_HTTP_REQ_* bits for a request method. */
unsigned lt_http_request_bits(const uint8_t *method, size_t len);

/*
 * n bytes of the stream were lost (a capture gap). Inside a body of known
 * length the message survives with LT_HTTP_F_GAP (returns 1); otherwise the
 * partial message is dropped and the parser seeks the next start line
 * (returns 0).
 */
int lt_http_parser_gap(struct lt_http_parser *p, uint64_t n);

/* After an error: the HTTP status that suits it (400, 413, 414, 431, 501, 505). */
int lt_http_parser_error_status(const struct lt_http_parser *p);

/* True between messages (nothing of a next message received yet). */
int lt_http_parser_idle(const struct lt_http_parser *p);

/* ==== HTTP/1.x serializer (formats/http_write.c) =========================== */

/*
 * Appends a request in HTTP/1.1 wire form to out: "METHOD TARGET HTTP/1.1",
 * each header as "Name: value" ("Name:" when the value is empty) in the order
 * given, a blank line, then the body. Nothing is added, removed or
 * re-encoded: the caller chooses the headers (Host, Content-Length) and the
 * target exactly as they should go out. LT_E_LIMIT when out's cap is reached.
 */
int lt_http_write_request(struct lt_buf *out, struct lt_bytes method, struct lt_bytes target,
                          const struct lt_header *h, size_t nh, struct lt_bytes body);

/* ==== event validation (formats/events.c) ================================== */

/*
 * The sink's rules (DESIGN.md §4), shared by the sink, synth and tests.
 * Names (lt_event_reason_name) are a contract: the sink's /stats and error
 * bodies and synth's X-Loadtape-Invalid header use them.
 */
enum lt_event_reason {
    LT_EV_OK = 0,
    LT_EV_MALFORMED_JSON,      /* "malformed_json": not JSON (or empty) */
    LT_EV_NOT_OBJECT,          /* "not_object": JSON, but not an object */
    LT_EV_MISSING_TYPE,        /* "missing_type": no "type" */
    LT_EV_UNKNOWN_TYPE,        /* "unknown_type": not track/identify/page/screen/group/alias */
    LT_EV_TRACK_WITHOUT_EVENT, /* "track_without_event": track with no "event" */
    LT_EV_WRONG_FIELD_TYPE,    /* "wrong_field_type": a known field of the wrong JSON type */
    LT_EV_MISSING_USER,        /* "missing_user": neither userId nor anonymousId */
    LT_EV_EMPTY_BATCH,         /* "empty_batch": {"batch":[]} */
    LT_EV_REASON_COUNT
};

/* "malformed_json", ...; "ok" for LT_EV_OK; NULL when out of range. */
const char *lt_event_reason_name(enum lt_event_reason r);
/* The reason for a name; -1 when unknown. */
int lt_event_reason_from_name(const char *name);

struct lt_event_verdict {
    enum lt_event_reason reason; /* LT_EV_OK when every event is valid */
    size_t accepted;             /* events accepted: 1, or the batch length */
    long index;                  /* batch index of the first invalid event, or -1 */
    char msg[200];               /* e.g. "batch[3]: track event without a string \"event\"" */
};

/*
 * Validates a request body: one event object, or {"batch":[...]} whose every
 * element is an event (one invalid element rejects the whole batch, naming
 * its index). The body is read by the strict reader ("JSON helpers" above):
 * what it refuses, or a body of more than 2^20 JSON values, is
 * "malformed_json", its message naming where ("body is not valid JSON at
 * column 27: duplicate key 'type'"). Returns the reason (LT_EV_OK = 0) and
 * fills *v; v->msg quotes the body's own text (UTF-8) where it names a value.
 */
enum lt_event_reason lt_event_validate(const uint8_t *body, size_t len, struct lt_event_verdict *v);

/* ==== results file (formats/results.c, docs/FORMAT.md "Results file") ===== */

/*
 * A replay's results: metadata (a JSON object), then sections written as
 * they happen: one per closed 1 s interval, and the run's totals at the end.
 * Histograms are stored as opaque sparse count arrays with their layout
 * parameters, so this file format does not depend on the histogram code.
 */
#define LT_RESULTS_VERSION_MAJOR 1
#define LT_RESULTS_VERSION_MINOR 2

/*
 * Counters of a section, in file order (more may be appended in later
 * versions). They add up when sections merge, except the send-window ones,
 * which take the earliest first send and the latest last send (with its end).
 */
enum lt_results_counter {
    LT_RC_SCHEDULED,
    LT_RC_SENT,
    LT_RC_COMPLETED,
    LT_RC_OK,
    LT_RC_ERR_CONNECT,
    LT_RC_ERR_TIMEOUT,
    LT_RC_ERR_RESET,
    LT_RC_ERR_OTHER,
    LT_RC_SKIPPED,
    LT_RC_ABANDONED,
    LT_RC_MISMATCHED, /* replayed status differs from the recorded one */
    LT_RC_BYTES_SENT,
    LT_RC_BYTES_RECEIVED,
    /* since 1.1: */
    LT_RC_HELD,          /* waited over 1 ms in loadtape's queue for a free connection */
    LT_RC_INTERRUPTED,   /* > 0: stopped by a signal before the end */
    LT_RC_FIRST_SEND_NS, /* earliest intended send since the start, plus 1 (0: none); min */
    LT_RC_LAST_SEND_NS,  /* latest intended send since the start, plus 1 (0: none); max */
    LT_RC_WINDOW_END_NS, /* the latest send's intended time plus its service time; with LAST */
    LT_RC_NOT_SENT,      /* released, but every connection stayed busy until the run ended */
    LT_RC_EVENTS,        /* events in the bodies of completed requests (a batch counts each) */
    LT_RC_TAPE_SKIPPED,  /* records of damaged tape blocks passed over (--skip-damaged); TOTAL */
    LT_RESULTS_NCOUNTERS
};

/* Histograms of a section. */
enum { LT_RH_LATENCY, LT_RH_SERVICE, LT_RH_LAG, LT_RESULTS_NHIST };

/* since 1.2, LT_RESULTS_GROUP: the totals of one per-endpoint group, after the run's total */
enum lt_results_kind {
    LT_RESULTS_INTERVAL = 1,
    LT_RESULTS_TOTAL = 2,
    LT_RESULTS_GROUP = 3,
    LT_RESULTS_NOTE = 16
};
#define LT_RESULTS_GROUP_METHOD_MAX 32 /* bytes of a group's method, and of its name: */
#define LT_RESULTS_GROUP_NAME_MAX 1024

struct lt_results_bin {
    uint32_t index;
    uint64_t count;
};

struct lt_results_hist {
    uint32_t sub_buckets; /* layout: sub-buckets per bucket */
    uint32_t nindex;      /* layout: number of count slots */
    uint32_t unit_ns;     /* layout: value of one unit */
    uint64_t count, min, max, sum;
    const struct lt_results_bin *bins; /* increasing index, counts > 0; borrowed */
    size_t nbins;
};

struct lt_results_status {
    uint32_t code;
    uint64_t count;
};

struct lt_results_section {
    int kind;                  /* enum lt_results_kind */
    uint64_t start_ns, dur_ns; /* window since the run's start */
    uint64_t c[LT_RESULTS_NCOUNTERS];
    const struct lt_results_status *status; /* borrowed */
    size_t nstatus;
    struct lt_results_hist hist[LT_RESULTS_NHIST];
    /* LT_RESULTS_GROUP: the group's method ("" for none) and name, NUL-terminated, borrowed */
    const char *group_method, *group_name;
};

struct lt_results_writer;
/*
 * Creates path and writes the header with meta_json (a JSON object). A
 * regular file is written under a temporary name beside path, renamed to
 * path with the first section when nothing was there, else at a clean
 * close: a writer closed (or a run that failed) before any section leaves no
 * file at path, and a file already there survives any failure.
 */
struct lt_results_writer *lt_results_writer_open(const char *path, const char *meta_json,
                                                 struct lt_err *err);
/* Appends a section and flushes it to the file. */
int lt_results_writer_add(struct lt_results_writer *w, const struct lt_results_section *s,
                          struct lt_err *err);
/*
 * Appends a note: a JSON object (at most 1 MiB) that says something of the run
 * beside its numbers, such as a step of replay --find-max. Readers of an older
 * minor version skip it.
 */
int lt_results_writer_note(struct lt_results_writer *w, const char *json, struct lt_err *err);
/* Writes the end marker and closes; frees w in every case. */
int lt_results_writer_close(struct lt_results_writer *w, struct lt_err *err);
/* A write failed (the disk is full...): the file is not whole, nothing more is written. */
int lt_results_writer_failed(const struct lt_results_writer *w);

struct lt_results_reader;
/* Opens a results file; "-" is standard input (read in order, so a pipe works). */
struct lt_results_reader *lt_results_reader_open(const char *path, struct lt_err *err);
/* Reads from memory (borrowed until the reader is freed). */
struct lt_results_reader *lt_results_reader_open_mem(const uint8_t *p, size_t n,
                                                     struct lt_err *err);
void lt_results_reader_free(struct lt_results_reader *r);
/* The metadata JSON text (borrowed). */
const char *lt_results_reader_meta(const struct lt_results_reader *r);
/*
 * Next section: 1 with *s filled (pointers valid until the next call), 0 at
 * the end marker, negative on error. A file without the end marker ends with
 * LT_E_TRUNCATED ("not closed") after its last complete section.
 */
int lt_results_reader_next(struct lt_results_reader *r, struct lt_results_section *s,
                           struct lt_err *err);
/* The notes met so far by _next, in file order (borrowed until the reader is freed). */
size_t lt_results_reader_nnotes(const struct lt_results_reader *r);
const char *lt_results_reader_note(const struct lt_results_reader *r, size_t i);

#endif
