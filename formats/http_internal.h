/*
 * http_internal.h - state shared by the HTTP/1.x parser's files
 * (http_parse.c: feeding and bodies; http_head.c: heads). Not public.
 */
#ifndef LT_HTTP_INTERNAL_H
#define LT_HTTP_INTERNAL_H

#include "lt_formats.h"

enum state {
    ST_START,      /* between messages */
    ST_SEEK,       /* looking for a start line (resync) */
    ST_HEAD,       /* gathering the head */
    ST_BODY_CL,    /* Content-Length body */
    ST_CHUNK_SIZE, /* chunk-size line */
    ST_CHUNK_DATA,
    ST_CHUNK_END, /* CRLF after chunk data */
    ST_TRAILERS,
    ST_BODY_EOF, /* close-delimited body */
    ST_TUNNEL,   /* after an upgrade: not HTTP any more */
    ST_ERROR,
};

/* Step results inside the feed loop. */
enum { STEP_GO = 0, STEP_MSG = 1, STEP_CONTINUE = 2, STEP_MORE = 3 };

#define CHUNK_LINE_MAX 4096
/* Resynchronising takes methods up to this long (replay sends no longer ones). */
#define HTTP_METHOD_SEEK_MAX 32
#define REQQ_MAX 256

struct field {
    uint32_t name_off, name_len, val_off, val_len;
};

struct lt_http_state {
    enum lt_http_mode mode;
    struct lt_limits lim;
    int resync;
    int discard; /* discard_body: frame bodies, keep none of their bytes */
    int cut;     /* cut_body: keep a body up to the limit, skip the rest */
    enum state state;
    int err_code, err_status;
    char err_msg[LT_ERR_MSG_MAX];
    uint64_t offset; /* stream bytes consumed before the current feed */
    uint64_t msg_start, head_end;
    int emitted;
    size_t head_cap;

    struct lt_buf hold; /* head bytes gathered across feeds */
    size_t scan;        /* where the blank-line search resumes in hold */
    struct lt_buf body;
    struct lt_buf tbuf; /* trailer section */
    size_t tscan;
    const uint8_t *head_base;
    size_t head_len;
    int head_in_hold;
    const uint8_t *body_view; /* zero-copy body, or NULL */
    size_t body_view_len;
    uint64_t body_len; /* discard: decoded body bytes seen */

    struct field *fields; /* headers then trailers */
    size_t nfields, ntrailers, fields_cap;
    size_t field_bytes;
    struct lt_header *hdrs;
    size_t hdrs_cap;

    uint32_t flags;
    unsigned version_minor;
    uint16_t status;
    uint32_t method_off, method_len, url_off, url_len, reason_off, reason_len;
    uint64_t remaining;
    int resynced;
    int continue_told;
    int line_checked; /* resync: the request line was checked as soon as it ended */
    int line_start;   /* the stream's next byte starts a line (or follows a gap) */
    int hold_ls;      /* seeking: hold's first byte started a line */

    /* chunk-size line */
    uint64_t csize;
    unsigned cdigits;
    int cphase; /* 0 digits, 1 whitespace after them, 2 saw CR, 3 in extensions */
    size_t cline;
    int cend_cr;

    uint8_t reqq[REQQ_MAX];
    unsigned reqq_head, reqq_len;
};

/* Field values: visible ASCII, SP, HTAB and obs-text; no other controls. */
static inline int http_is_vchar_ws(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Length of a line without its LF and an optional CR before it. */
static inline size_t http_line_body(const uint8_t *b, size_t lf)
{
    return (lf > 0 && b[lf - 1] == '\r') ? lf - 1 : lf;
}

/* Does b look like the start of a start line? 1 yes, 0 too short to say, -1 no. */
int http_start_candidate(enum lt_http_mode mode, const uint8_t *b, size_t n, int line_start);
/* A line at a message boundary that starts like a request line: 1 or 0. */
int http_looks_like_request(const uint8_t *b, size_t n);
/* Parses a start line (without its line end); -1 with *why and *status set. */
int http_parse_start_line(struct lt_http_state *s, const uint8_t *b, size_t n, const char **why,
                          int *status);
/* Parses field lines (each ending in LF) as headers or trailers; offsets relative to b. */
int http_parse_fields(struct lt_http_state *s, const uint8_t *b, size_t n, int trailers,
                      const char **why, int *status);
/* Parses a whole head and sets up the body state: STEP_GO, STEP_MSG or -1. */
int http_parse_head(struct lt_http_state *s, const uint8_t *b, size_t n, const char **why,
                    int *status);
/* Responses: the kind of the request answered next (LT_HTTP_REQ_* bits). */
unsigned http_pop_request(struct lt_http_state *s);

#endif
