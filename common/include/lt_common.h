/*
 * lt_common.h - the ground every loadtape library stands on: error codes and
 * messages, capped byte buffers, varints, parsing of durations/rates/sizes and
 * times, clocks, a seedable RNG, CRC-32C, base64, UTF-8 checks and JSON text.
 *
 * Nothing here prints or exits; every fallible function returns 0 (or a
 * count) on success and a negative enum lt_errc on failure, with a message in
 * a caller-owned struct lt_err.
 */
#ifndef LT_COMMON_H
#define LT_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifndef LT_VERSION
#define LT_VERSION "0.0.0"
#endif

#if defined(__GNUC__)
#define LT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LT_PRINTF(a, b)
#endif

/* ---- errors ---------------------------------------------------------- */

enum lt_errc {
    LT_OK = 0,
    LT_E_IO = -1,        /* read/write/open failed */
    LT_E_FORMAT = -2,    /* input is not what it claims to be */
    LT_E_LIMIT = -3,     /* input exceeds a configured limit */
    LT_E_NOMEM = -4,     /* allocation failed */
    LT_E_USAGE = -5,     /* bad argument from the caller/user */
    LT_E_VERSION = -6,   /* newer, unsupported format version */
    LT_E_TRUNCATED = -7, /* input ended early */
    LT_E_NET = -8,       /* network setup failed */
    LT_E_CORRUPT = -9,   /* checksum mismatch or inconsistent structure */
    LT_E_INTERNAL = -10, /* a bug or an unexpected library failure */
};

#define LT_ERR_MSG_MAX 512

struct lt_err {
    int code;
    char msg[LT_ERR_MSG_MAX];
};

/* Clears err (code 0, empty message). */
void lt_err_clear(struct lt_err *err);

/*
 * Records code and a printf-style message in err (which may be NULL) and
 * returns code, so `return lt_error(err, LT_E_FORMAT, "...")` reads naturally.
 * Messages are lowercase without a trailing period; subjects in quotes.
 */
int lt_error(struct lt_err *err, int code, const char *fmt, ...) LT_PRINTF(3, 4);
int lt_verror(struct lt_err *err, int code, const char *fmt, va_list ap);

/* Prepends "prefix: " to an existing message (for adding file/line context). */
void lt_err_prefix(struct lt_err *err, const char *fmt, ...) LT_PRINTF(2, 3);

/* A short name for a code ("i/o error", "bad format", ...). */
const char *lt_errc_name(int code);

/* ---- byte buffers ------------------------------------------------------ */

/*
 * A growable byte buffer with a hard cap: growth past `max` fails with
 * LT_E_LIMIT instead of allocating. max == 0 means LT_BUF_DEFAULT_MAX.
 */
#define LT_BUF_DEFAULT_MAX ((size_t)1 << 30)

struct lt_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
};

void lt_buf_init(struct lt_buf *b, size_t max);
void lt_buf_release(struct lt_buf *b);
static inline void lt_buf_reset(struct lt_buf *b)
{
    b->len = 0;
}
/* Ensures room for `extra` more bytes. */
int lt_buf_reserve(struct lt_buf *b, size_t extra);
int lt_buf_append(struct lt_buf *b, const void *p, size_t n);
int lt_buf_putc(struct lt_buf *b, uint8_t c);
int lt_buf_puts(struct lt_buf *b, const char *s);
int lt_buf_printf(struct lt_buf *b, const char *fmt, ...) LT_PRINTF(2, 3);
/* Appends a NUL without counting it in len (so data is a C string). */
int lt_buf_cstr(struct lt_buf *b);
/* Detaches the storage; the caller frees it. The buffer becomes empty. */
uint8_t *lt_buf_steal(struct lt_buf *b, size_t *len);

/* ---- varints (LEB128, unsigned) and zigzag ------------------------------ */

#define LT_VARINT_MAX 10

/* Writes v at p (room for LT_VARINT_MAX bytes); returns bytes written. */
size_t lt_varint_put(uint8_t *p, uint64_t v);
int lt_buf_put_varint(struct lt_buf *b, uint64_t v);
/*
 * Reads a varint from [p, end). Returns bytes consumed, or 0 when the input
 * ends inside the varint or it is longer than 10 bytes / overflows 64 bits.
 */
size_t lt_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v);

static inline uint64_t lt_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t lt_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Little-endian fixed-width helpers. */
static inline void lt_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t lt_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void lt_put_le64(uint8_t *p, uint64_t v)
{
    lt_put_le32(p, (uint32_t)v);
    lt_put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint64_t lt_get_le64(const uint8_t *p)
{
    return (uint64_t)lt_get_le32(p) | (uint64_t)lt_get_le32(p + 4) << 32;
}

/* ---- parsing of user-facing values ------------------------------------- */

/*
 * "500ms", "30s", "5m", "1h", "250us", "10ns", "1.5s", and Go-style compounds
 * "1m30s", "1h15m", "1h2m3.5s"; a bare number is seconds. Never negative.
 */
int lt_parse_duration(const char *s, int64_t *ns, struct lt_err *err);
/*
 * Per second: "500", "5k", "1.5M"; or per a duration: "5000/s", "50/1s",
 * "300/m", "300/min", "100/500ms", "10/h". Above 0, at most 1G/s.
 */
int lt_parse_rate(const char *s, double *per_s, struct lt_err *err);
/* A speed-up factor: "2", "2x", "0.5x"; above 0. */
int lt_parse_factor(const char *s, double *factor, struct lt_err *err);
/* "50B", "4KiB", "50KB", "1MiB", "2GB"; a bare number is bytes. */
int lt_parse_size(const char *s, uint64_t *bytes, struct lt_err *err);
/* v in decimal into out (at least LT_U64_TEXT_MAX bytes), NUL-terminated, without
 * printf's cost (per-record paths); returns the length. */
#define LT_U64_TEXT_MAX 21
size_t lt_u64_text(uint64_t v, char *out);
/* A whole decimal number in [min, max]. */
int lt_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v, struct lt_err *err);
/* A finite decimal number. */
int lt_parse_double(const char *s, double *v, struct lt_err *err);
/* "12%" or "0.12" -> 0.12; in [0, 1]. */
int lt_parse_fraction(const char *s, double *v, struct lt_err *err);
/*
 * ISO 8601 / RFC 3339 instant: "2026-01-01T00:00:00Z",
 * "2026-01-01T00:00:00.123456789+02:00", "2026-01-01" (midnight UTC).
 * Result in Unix nanoseconds.
 */
int lt_parse_iso8601(const char *s, int64_t *unix_ns, struct lt_err *err);
/* Formats Unix ns as "2026-01-01T00:00:00.000Z" (millisecond precision, UTC)
 * into out (at least 32 bytes). digits: 0, 3, 6 or 9 fractional digits. */
void lt_format_iso8601(int64_t unix_ns, int digits, char *out, size_t outlen);
/* Formats a duration in ns for people: "850us", "1.20ms", "2.5s", "3m10s". */
void lt_format_duration(int64_t ns, char *out, size_t outlen);

/* Number-of-unit suffix helpers shared by the parsers above. */

/* ---- clocks --------------------------------------------------------------- */

/* CLOCK_MONOTONIC in ns. */
int64_t lt_mono_ns(void);
/* CLOCK_REALTIME in ns since the Unix epoch. */
int64_t lt_wall_ns(void);
/* Sleeps until an absolute CLOCK_MONOTONIC deadline (TIMER_ABSTIME). */
void lt_sleep_until_ns(int64_t mono_deadline_ns);

/* ---- random numbers --------------------------------------------------------- */

/* splitmix64: a mixing function (also the frozen shard hash, DESIGN.md §6). */
static inline uint64_t lt_splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* xoshiro256**: fast, seedable, no global state. */
struct lt_rng {
    uint64_t s[4];
};

void lt_rng_seed(struct lt_rng *r, uint64_t seed);
uint64_t lt_rng_next(struct lt_rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t lt_rng_below(struct lt_rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double lt_rng_double(struct lt_rng *r);
/* Exponential with the given mean. */
double lt_rng_exp(struct lt_rng *r, double mean);

/* ---- spikes (DESIGN.md §4: --spike FACTORx:DUR/PERIOD) -------------------------- */

/*
 * During the last `dur_ns` of every `period_ns` of wall time (windows
 * [k*P + P - D, (k+1)*P)), the rate is factor times the base rate. factor is
 * kept in thousandths so the time mapping stays in integers.
 */
struct lt_spike {
    uint64_t factor_milli; /* 10x -> 10000; > 1000 */
    int64_t dur_ns;        /* D, 0 < D < P */
    int64_t period_ns;     /* P */
};

/* Parses "10x:5s/30s" (factor, window length, period). */
int lt_spike_parse(const char *s, struct lt_spike *sp, struct lt_err *err);
/*
 * Maps base-rate time (trace time at speed 1, or i/R at a fixed rate) to
 * wall time since start under the spike: outside windows time passes 1:1,
 * inside them trace time runs factor times faster. Monotonic, exact in
 * integers (rounded down to the ns).
 */
int64_t lt_spike_warp(const struct lt_spike *sp, int64_t base_ns);

/* ---- checksums, base64, UTF-8 ----------------------------------------------- */

/* CRC-32C (Castagnoli); pass 0 as crc to start, the previous result to continue. */
uint32_t lt_crc32c(uint32_t crc, const void *p, size_t n);

/* Standard base64 with padding. */
size_t lt_b64_encoded_len(size_t n);
int lt_b64_encode(struct lt_buf *out, const uint8_t *p, size_t n);
/* Decodes standard base64 (padding optional, no whitespace). */
int lt_b64_decode(struct lt_buf *out, const char *s, size_t n, struct lt_err *err);

/* True when [p, p+n) is valid UTF-8 (no overlongs, no surrogates). */
int lt_utf8_valid(const uint8_t *p, size_t n);
/* The length (1 to 4) of the valid UTF-8 character at p[0, n), 0 when there is none. */
size_t lt_utf8_char(const uint8_t *p, size_t n);
/*
 * How much of the UTF-8 text p[0, n) fits in max bytes without cutting a
 * character: n when n <= max, else max backed up to a character's start.
 */
size_t lt_utf8_prefix(const uint8_t *p, size_t n, size_t max);

/* ---- JSON text (common/json.c) ------------------------------------------------ */

/*
 * DESIGN.md §3's rule for an unsigned 64-bit value in JSON: a JSON number below
 * 2^53 (where every integer is still an exact double: JSON numbers are doubles in
 * most parsers, cJSON included), else a decimal string. Readers take either form.
 */
#define LT_JSON_INT_LIMIT ((uint64_t)1 << 53)
/* Room for the longest text: 20 digits, two quotes and a NUL. */
#define LT_JSON_U64_TEXT_MAX 23

/* Writes v by that rule into out (LT_JSON_U64_TEXT_MAX bytes, NUL-terminated): 42 or
 * "9007199254740992". Returns the length. */
size_t lt_json_u64_text(uint64_t v, char *out);
/* Appends v by that rule. */
int lt_buf_json_u64(struct lt_buf *b, uint64_t v);

/*
 * Appends p[0, n) as a quoted JSON string (RFC 8259). Valid UTF-8 passes through
 * as it is; the quote and the backslash are escaped, and so are the control
 * characters U+0000 to U+001F (\n, \r, \t, \b, \f, else \u00XX); every byte that is
 * not part of a valid UTF-8 character becomes \ufffd (U+FFFD, the replacement
 * character), so the result is always valid JSON holding valid UTF-8. Callers that
 * must keep bytes exactly check lt_utf8_valid first and carry other bytes another
 * way (base64).
 */
int lt_buf_json_strn(struct lt_buf *b, const void *p, size_t n);
/* The same for a C string. */
int lt_buf_json_str(struct lt_buf *b, const char *s);

#endif
