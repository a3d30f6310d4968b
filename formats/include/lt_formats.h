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
    LT_RF_TRUNCATED = 1u << 0,  /* "truncated": body cut by snaplen or a limit */
    LT_RF_REDACTED = 1u << 1,   /* "redacted": secret header values removed */
    LT_RF_INCOMPLETE = 1u << 2, /* "incomplete": a gap in the capture inside the request */
    LT_RF_NO_RESPONSE = 1u << 3,/* "no_response": response not seen within the reorder window */
    LT_RF_INVALID = 1u << 4,    /* "invalid": deliberately invalid event (synth errors) */
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
 * streams: it never seeks, so a pipe works. Returns NULL and fills err on
 * failure.
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
int lt_tape_writer_append(struct lt_tape_writer *w, const struct lt_record *r,
                          struct lt_err *err);
/* Writes out the current partial block (records become durable). */
int lt_tape_writer_flush(struct lt_tape_writer *w, struct lt_err *err);
/*
 * Flushes, writes the index and the trailer with final metadata (a JSON
 * object merged over the header's, e.g. capture counters; may be NULL), and
 * closes the file. Frees w in every case.
 */
int lt_tape_writer_close(struct lt_tape_writer *w, const char *final_meta_json,
                         struct lt_err *err);
/* Closes without an index and removes the file when it is a regular file the
 * writer created: for failed imports. Frees w. */
void lt_tape_writer_abort(struct lt_tape_writer *w);
uint64_t lt_tape_writer_count(const struct lt_tape_writer *w);

struct lt_block_info {
    uint64_t offset;      /* file offset of the block header */
    uint64_t size;        /* header + payload bytes on disk */
    uint64_t raw_size;    /* uncompressed payload bytes */
    uint32_t nrecords;
    uint64_t first_ts_ns;
    uint64_t last_ts_ns;
    uint64_t first_record; /* index of the block's first record in the tape */
};

struct lt_tape_info {
    unsigned version_major, version_minor;
    int closed;            /* the trailer and index were found and are valid */
    uint64_t nrecords;     /* from the index, or counted while recovering */
    uint64_t nblocks;
    uint64_t first_ts_ns, last_ts_ns;
    uint64_t origin_ns;
    uint64_t file_size;
    uint64_t raw_bytes;    /* sum of uncompressed block payloads */
};

struct lt_tape_reader;

/*
 * Opens a tape from a file or from memory (the buffer is borrowed and must
 * outlive the reader). Reads the header and, when the tape was closed, the
 * index; otherwise scans block headers to recover what is complete (info
 * .closed == 0; the caller warns). Memory stays within a couple of blocks.
 */
struct lt_tape_reader *lt_tape_reader_open(const char *path, struct lt_err *err);
struct lt_tape_reader *lt_tape_reader_open_mem(const uint8_t *p, size_t n, struct lt_err *err);
void lt_tape_reader_free(struct lt_tape_reader *r);

const struct lt_tape_info *lt_tape_reader_info(const struct lt_tape_reader *r);
/* Merged metadata (header object with the trailer's keys over it). Borrowed. */
const struct cJSON *lt_tape_reader_meta(const struct lt_tape_reader *r);
size_t lt_tape_reader_nblocks(const struct lt_tape_reader *r);
const struct lt_block_info *lt_tape_reader_block(const struct lt_tape_reader *r, size_t i);

/*
 * Next record: returns 1 with *rec filled (pointers valid until the next call
 * on r), 0 at the end, or a negative code (a corrupt block is reported with
 * its number and file offset; the reader stops there).
 */
int lt_tape_reader_next(struct lt_tape_reader *r, struct lt_record *rec, struct lt_err *err);
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
/*
 * A new cJSON object (caller frees with cJSON_Delete):
 * {"records":N,"first_ts_ns":..,"last_ts_ns":..,"peak_rps":N,"peak_second":S,
 *  "sessions":N,"sessions_exact":true,"methods":{"POST":N,..},
 *  "top_urls":[["/collect/web",N],..],"top_streams":[["web",N],..],
 *  "body_bytes":{"total":..,"min":..,"p50":..,"p90":..,"p99":..,"max":..},
 *  "flags":{"redacted":N,..},"with_response":N,"status":{"202":N,..}}
 */
struct cJSON *lt_tape_stats_json(const struct lt_tape_stats *s);

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
int lt_jsonl_parse(struct lt_recbuf *rb, const char *line, size_t len,
                   const struct lt_limits *l, struct lt_err *err);

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
/* (declared by the sink work; see issue 4) */

/* ==== event validation (formats/events.c) ================================== */
/* (declared by the sink work; see issue 4) */

/* ==== results file (formats/results.c) ===================================== */
/* (declared by the replay work; see issue 5) */

#endif
