/*
 * tape_reader_int.h - the tape reader's state and the helpers its two files
 * share (tape_reader.c: files, memory, the index, decoding; tape_stream.c: a
 * tape read from a pipe). Private to formats/.
 */
#ifndef LT_TAPE_READER_INT_H
#define LT_TAPE_READER_INT_H

#include "tape_internal.h"

#include <cjson/cJSON.h>
#include <sys/types.h>
#include <zstd.h>

/*
 * A forward-only window on a pipe (tape_stream.c): the tape reader reads a
 * tape from standard input or a FIFO through it, one block at a time, and
 * never goes back. Bytes before the last offset asked for are dropped.
 */
struct tape_stream {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    uint64_t off; /* stream offset of buf[0] */
    int eof;
};

/*
 * Makes bytes [off, off+n) of the stream readable at *p (valid until the next
 * call). Returns how many of them are there: n, or fewer at the end of the
 * input; -1 with errno set on a read error, or with errno = ESPIPE when off
 * is behind the window (a pipe cannot go back).
 */
ssize_t tape_stream_fill(struct tape_stream *s, uint64_t off, size_t n, const uint8_t **p);
void tape_stream_release(struct tape_stream *s);

/*
 * A tape over HTTP(S) (tape_url.c): byte ranges by range requests, with one
 * cached range of read-ahead. tape_url_read copies [off, off+n) into dst.
 */
struct tape_url {
    void *h; /* CURL * */
    char *url;
    uint64_t size;
    uint8_t *cache;
    size_t cache_cap, cache_len;
    uint64_t cache_off;
    uint64_t fetched, requests; /* bytes received and range requests made */
    char errbuf[256];           /* CURL_ERROR_SIZE */
};

int tape_url_is(const char *path);
int tape_url_open(struct tape_url *u, const char *url, uint64_t *size, struct lt_err *err);
int tape_url_read(struct tape_url *u, uint64_t off, size_t n, void *dst, struct lt_err *err);
void tape_url_release(struct tape_url *u);

#define WARN_MAX 512

struct cursor {
    const uint8_t *p, *end;
};

struct rdict {
    struct lt_bytes *ents;
    uint32_t n, cap;
};

struct lt_tape_reader {
    char *name;
    int fd;             /* -1 when reading memory */
    const uint8_t *mem; /* borrowed */
    int is_url;         /* read over HTTP(S): url */
    struct tape_url url;
    struct lt_tape_info info;
    cJSON *meta;
    /* From a pipe: the window, the block being read, what was read so far. */
    int stream;
    struct tape_stream st;
    struct lt_block_info sblk;
    uint64_t snext_off, srecords, slast_ts;
    int send;
    struct lt_block_info *blocks;
    size_t nblocks;
    uint64_t data_start;
    char warning[WARN_MAX];
    int has_warning;
    /* An invalid block found by the recovery scan: reported when reached. */
    struct lt_err deferred;

    ZSTD_DCtx *dctx;
    uint8_t *comp;
    size_t comp_cap;
    uint8_t *raw;
    size_t raw_cap;

    /* The block being decoded. */
    size_t cur, next_block;
    uint32_t left, nrec;
    uint64_t prev_ts, prev_session;
    struct cursor col[COL_COUNT];
    struct rdict dicts[4];
    struct lt_header *hdrs;
    size_t hdrs_cap;
    int pending;
    struct lt_record pend;
    struct lt_err failed; /* code != 0: stop and repeat this error */
    /* lt_tape_reader_skip_damaged: corrupt blocks are passed over, and told */
    lt_tape_skip_fn on_skip;
    void *skip_ctx;
    uint64_t skipped_blocks, skipped_records;
};

/*
 * A fuzzing build (the libFuzzer convention) accepts any checksum, so the
 * fuzzer reaches the decoder with forged content: what a tape made to lie
 * with correct checksums could do.
 */
static inline int tape_crc_ok(uint32_t stored, const uint8_t *p, size_t n)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    (void)stored;
    (void)p;
    (void)n;
    return 1;
#else
    return stored == lt_crc32c(0, p, n);
#endif
}

/* Bytes [off, off+n) of the tape: a view into memory, or read into a buffer of r
 * (valid until the next read). Errors name the tape and offset. */
int tape_view(struct lt_tape_reader *r, uint64_t off, size_t n, const uint8_t **out,
              struct lt_err *err);
/* The same from a pipe, through r's window; the end of the input is truncation. */
int tape_stream_view(struct lt_tape_reader *r, uint64_t off, size_t n, const uint8_t **out,
                     struct lt_err *err);
/* Decodes a 56-byte block header; returns NULL or a short reason. */
const char *tape_parse_block_hdr(const uint8_t *h, uint32_t *block_no, struct lt_block_info *b,
                                 uint32_t *payload_crc);
void tape_set_warning(struct lt_tape_reader *r, const char *fmt, ...) LT_PRINTF(2, 3);
/* Merges the trailer object's keys over the header metadata. */
void tape_merge_meta(cJSON *meta, cJSON *trailer);
/* Reads block i (from a pipe: r->sblk), checks it and points the column cursors at it. */
int tape_load_block(struct lt_tape_reader *r, size_t i, struct lt_err *err);
/* A pipe's next block, loaded: 1, 0 at the end of its records, or an error. */
int tape_stream_next_block(struct lt_tape_reader *r, struct lt_err *err);

#endif
