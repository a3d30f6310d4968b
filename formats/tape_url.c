/*
 * tape_url.c - a tape read over HTTP(S) with range requests (libcurl): the
 * tape reader asks for byte ranges as it would pread a file (footer and
 * index first, then only the blocks it needs), and each miss fetches one
 * range with a little read-ahead, so reading a window of a tape fetches about
 * that window's blocks. A server that ignores ranges is refused; transient
 * failures are retried a bounded number of times.
 */
#include "tape_reader_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

_Static_assert(sizeof(((struct tape_url *)0)->errbuf) >= CURL_ERROR_SIZE, "curl's error buffer");

#define URL_READAHEAD ((size_t)64 << 10)
#define URL_TRIES 4 /* attempts per range: the first and three retries */

struct fetch {
    struct tape_url *u;
    uint8_t *dst;
    size_t want, got;
    int overflow;
    uint64_t cr_start, cr_total; /* Content-Range of the answer */
    int have_cr;
};

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct fetch *f = ctx;
    size_t len = size * n;
    char line[256];
    unsigned long long a, b, t;

    if (len >= sizeof(line))
        return len;
    memcpy(line, p, len);
    line[len] = '\0';
    /* a redirect's headers come first: only the last answer's range counts */
    if (strncmp(line, "HTTP/", 5) == 0)
        f->have_cr = 0;
    if (strncasecmp(line, "content-range:", 14) == 0 &&
        sscanf(line + 14, " bytes %llu-%llu/%llu", &a, &b, &t) == 3) {
        f->cr_start = a;
        f->cr_total = t;
        f->have_cr = 1;
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct fetch *f = ctx;
    size_t len = size * n;
    long status = 0;

    curl_easy_getinfo(f->u->h, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 && status != 206)
        return len; /* an error page: the status says what went wrong */
    if (len > f->want - f->got) {
        f->overflow = 1; /* more than the range asked for: not a range answer */
        return 0;
    }
    memcpy(f->dst + f->got, p, len);
    f->got += len;
    return len;
}

static int transient(CURLcode c, long status)
{
    switch (c) {
    case CURLE_OK:
        return status >= 500 || status == 429 || status == 408;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
        return 1;
    default:
        return 0;
    }
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Fetches [off, off+n) into dst: exactly those bytes, or an error. */
static int fetch_range(struct tape_url *u, uint64_t off, size_t n, uint8_t *dst, uint64_t *total,
                       struct lt_err *err)
{
    char range[64];
    struct fetch f;
    CURLcode c = CURLE_OK;
    long status = 0;

    snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64, off, off + n - 1);
    for (int attempt = 0; attempt < URL_TRIES; attempt++) {
        if (attempt)
            pause_ms(200L << (2 * (attempt - 1))); /* 0.2 s, 0.8 s, 3.2 s */
        memset(&f, 0, sizeof(f));
        f.u = u;
        f.dst = dst;
        f.want = n;
        curl_easy_setopt(u->h, CURLOPT_RANGE, range);
        curl_easy_setopt(u->h, CURLOPT_HEADERDATA, &f);
        curl_easy_setopt(u->h, CURLOPT_WRITEDATA, &f);
        u->errbuf[0] = '\0';
        c = curl_easy_perform(u->h);
        status = 0;
        curl_easy_getinfo(u->h, CURLINFO_RESPONSE_CODE, &status);
        u->requests++;
        u->fetched += f.got;
        if (f.overflow || (c == CURLE_OK && status == 200))
            return lt_error(err, LT_E_USAGE,
                            "'%s': the server does not answer range requests (it sent the whole "
                            "file): serve the tape with range support, or download it first",
                            u->url);
        if (c == CURLE_OK && status == 206 && f.have_cr && f.cr_start == off && f.got == n) {
            if (total)
                *total = f.cr_total;
            return 0;
        }
        if (c == CURLE_OK && status == 206)
            return lt_error(err, LT_E_FORMAT,
                            "'%s': asked for bytes %s, the answer does not match (%zu bytes)",
                            u->url, range, f.got);
        if (!transient(c, status))
            break;
    }
    if (c != CURLE_OK)
        return lt_error(err, LT_E_IO, "cannot read tape '%s' at offset %" PRIu64 ": %s", u->url,
                        off, u->errbuf[0] ? u->errbuf : curl_easy_strerror(c));
    return lt_error(err, status == 404 ? LT_E_USAGE : LT_E_IO,
                    "cannot read tape '%s' at offset %" PRIu64 ": HTTP %ld%s", u->url, off, status,
                    status == 404 ? " (no such tape there)" : "");
}

int tape_url_is(const char *path)
{
    return strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0;
}

int tape_url_open(struct tape_url *u, const char *url, uint64_t *size, struct lt_err *err)
{
    uint8_t one;
    int rc;

    memset(u, 0, sizeof(*u));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return lt_error(err, LT_E_INTERNAL, "cannot initialise libcurl");
    u->url = strdup(url);
    u->h = curl_easy_init();
    if (!u->url || !u->h)
        return lt_error(err, LT_E_NOMEM, "out of memory for '%s'", url);
    curl_easy_setopt(u->h, CURLOPT_URL, url);
    curl_easy_setopt(u->h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(u->h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(u->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(u->h, CURLOPT_CONNECTTIMEOUT, 10L);
    /* a stalled server fails the range (and it is retried), never hangs the reader */
    curl_easy_setopt(u->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(u->h, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(u->h, CURLOPT_ERRORBUFFER, u->errbuf);
    curl_easy_setopt(u->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(u->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(u->h, CURLOPT_USERAGENT, "loadtape/" LT_VERSION);
    /* the first byte, for the size (Content-Range) and the proof that ranges work */
    rc = fetch_range(u, 0, 1, &one, &u->size, err);
    if (rc)
        return rc;
    *size = u->size;
    return 0;
}

int tape_url_read(struct tape_url *u, uint64_t off, size_t n, void *dst, struct lt_err *err)
{
    uint64_t start, end;
    size_t len;
    int rc;

    if (off > u->size || n > u->size - off)
        return lt_error(err, LT_E_TRUNCATED,
                        "tape '%s': %zu bytes at offset %" PRIu64 " are past its end", u->url, n,
                        off);
    if (n == 0)
        return 0;
    if (u->cache_len && off >= u->cache_off && off + n <= u->cache_off + u->cache_len) {
        memcpy(dst, u->cache + (off - u->cache_off), n);
        return 0;
    }
    /* a miss: this range and a little more; near the end, the whole tail (footer and index) */
    start = off;
    end = off + (n > URL_READAHEAD ? n : URL_READAHEAD);
    if (end > u->size)
        end = u->size;
    if (end == u->size && end - start < URL_READAHEAD)
        start = u->size > URL_READAHEAD ? u->size - URL_READAHEAD : 0;
    len = (size_t)(end - start);
    if (len > u->cache_cap) {
        uint8_t *p = realloc(u->cache, len); /* at most a block (TAPE_BLOCK_COMP_MAX) */
        if (!p)
            return lt_error(err, LT_E_NOMEM, "tape '%s': out of memory for %zu bytes", u->url, len);
        u->cache = p;
        u->cache_cap = len;
    }
    u->cache_len = 0;
    rc = fetch_range(u, start, len, u->cache, NULL, err);
    if (rc)
        return rc;
    u->cache_off = start;
    u->cache_len = len;
    memcpy(dst, u->cache + (off - start), n);
    return 0;
}

void tape_url_release(struct tape_url *u)
{
    if (u->h)
        curl_easy_cleanup(u->h);
    free(u->cache);
    free(u->url);
    memset(u, 0, sizeof(*u));
}
