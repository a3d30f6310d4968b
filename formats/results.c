/*
 * results.c - the results file of a replay (docs/FORMAT.md "Results file").
 *
 *   header:  "LTRESULT" | u16 major | u16 minor | u32 meta_len | meta JSON |
 *            u32 crc32c(meta)
 *   section: u8 kind | 3 zero bytes | u32 payload_len | payload |
 *            u32 crc32c(kind..payload)
 *   end:     a section of kind 0xff with an empty payload
 *
 * Integers are little-endian; payloads are varints (see encode_section).
 * Every length read from a file is checked against a cap before use.
 */
#include "lt_formats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "LTRESULT"
#define KIND_END 0xffu
#define META_MAX (1u << 20)
#define PAYLOAD_MAX (64u << 20)
#define NINDEX_MAX (1u << 22)
#define NSTATUS_MAX 1000u
#define NCOUNTERS_MAX 256u
#define NHIST_MAX 16u
#define NOTES_MAX 4096u
#define NOTES_BYTES (16u << 20)

struct lt_results_writer {
    FILE *f;
    char *path;
    char *tmp;   /* the name written under until it takes path's, then NULL */
    int replace; /* a file was at path: it stays until a clean close */
    int failed;  /* a write failed: nothing more is written */
    uint64_t sections;
    struct lt_buf buf;
};

static int write_all(struct lt_results_writer *w, const void *p, size_t n, struct lt_err *err)
{
    if (n && fwrite(p, 1, n, w->f) != n) {
        w->failed = 1;
        return lt_error(err, LT_E_IO, "cannot write '%s': %s", w->path, strerror(errno));
    }
    return 0;
}

/* Pushes what stdio holds to the file (where a full disk shows). */
static int flush(struct lt_results_writer *w, struct lt_err *err)
{
    if (fflush(w->f) != 0) {
        w->failed = 1;
        return lt_error(err, LT_E_IO, "cannot write '%s': %s", w->path, strerror(errno));
    }
    return 0;
}

struct lt_results_writer *lt_results_writer_open(const char *path, const char *meta_json,
                                                 struct lt_err *err)
{
    struct lt_results_writer *w = calloc(1, sizeof(*w));
    uint8_t hdr[16];
    size_t mlen = meta_json ? strlen(meta_json) : 2;
    const char *meta = meta_json ? meta_json : "{}";
    struct stat st;

    if (!w) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    lt_buf_init(&w->buf, PAYLOAD_MAX);
    w->path = strdup(path);
    if (!w->path || mlen > META_MAX) {
        lt_error(err, LT_E_LIMIT, "results metadata too large");
        goto fail;
    }
    /*
     * A regular file is written under a temporary name beside it. With no
     * file at path it takes the name with its first section: a run that
     * fails before measuring anything leaves no results file, while a run
     * killed later leaves the intervals written so far under the real name
     * (which report calls incomplete). A file already at path is replaced
     * only at a clean close, so it survives any failure.
     */
    if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) {
        int fd;
        w->replace = access(path, F_OK) == 0;
        w->tmp = malloc(strlen(path) + 32);
        if (!w->tmp) {
            lt_error(err, LT_E_NOMEM, "out of memory");
            goto fail;
        }
        sprintf(w->tmp, "%s.tmp%ld", path, (long)getpid());
        fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        w->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (fd >= 0 && !w->f)
            close(fd);
    } else {
        w->f = fopen(path, "wb");
    }
    if (!w->f) {
        lt_error(err, LT_E_IO, "cannot create '%s': %s", path, strerror(errno));
        goto fail;
    }
    memcpy(hdr, MAGIC, 8);
    hdr[8] = LT_RESULTS_VERSION_MAJOR;
    hdr[9] = 0;
    hdr[10] = LT_RESULTS_VERSION_MINOR;
    hdr[11] = 0;
    lt_put_le32(hdr + 12, (uint32_t)mlen);
    if (write_all(w, hdr, sizeof(hdr), err) || write_all(w, meta, mlen, err))
        goto fail;
    lt_put_le32(hdr, lt_crc32c(0, meta, mlen));
    if (write_all(w, hdr, 4, err) || flush(w, err))
        goto fail;
    return w;
fail:
    if (w->f)
        fclose(w->f);
    if (w->f && w->tmp)
        unlink(w->tmp);
    lt_buf_release(&w->buf);
    free(w->path);
    free(w->tmp);
    free(w);
    return NULL;
}

static int put_hist(struct lt_buf *b, const struct lt_results_hist *h)
{
    int rc = 0;
    uint32_t prev = 0;

    rc |= lt_buf_put_varint(b, h->sub_buckets);
    rc |= lt_buf_put_varint(b, h->nindex);
    rc |= lt_buf_put_varint(b, h->unit_ns);
    rc |= lt_buf_put_varint(b, h->count);
    rc |= lt_buf_put_varint(b, h->min);
    rc |= lt_buf_put_varint(b, h->max);
    rc |= lt_buf_put_varint(b, h->sum);
    rc |= lt_buf_put_varint(b, h->nbins);
    for (size_t i = 0; i < h->nbins; i++) {
        /* gap since the previous slot: 0 for adjacent slots */
        rc |= lt_buf_put_varint(b, i ? h->bins[i].index - prev - 1 : h->bins[i].index);
        rc |= lt_buf_put_varint(b, h->bins[i].count);
        prev = h->bins[i].index;
    }
    return rc;
}

/*
 * Payload: start_ns, dur_ns, ncounters, counters..., nstatus, (code, count)...,
 * nhist, histograms (layout, count, min, max, sum, nbins, (gap, count)...).
 * A group section starts with its method and name (each a length and bytes).
 */
static int encode_section(struct lt_buf *b, const struct lt_results_section *s)
{
    int rc = 0;

    if (s->kind == LT_RESULTS_GROUP) {
        const char *m = s->group_method ? s->group_method : "", *n = s->group_name;
        size_t ml = strlen(m), nl = n ? strlen(n) : 0;
        if (ml > LT_RESULTS_GROUP_METHOD_MAX || nl > LT_RESULTS_GROUP_NAME_MAX)
            return -1;
        rc |= lt_buf_put_varint(b, ml);
        rc |= lt_buf_append(b, m, ml);
        rc |= lt_buf_put_varint(b, nl);
        rc |= lt_buf_append(b, n ? n : "", nl);
    }
    rc |= lt_buf_put_varint(b, s->start_ns);
    rc |= lt_buf_put_varint(b, s->dur_ns);
    rc |= lt_buf_put_varint(b, LT_RESULTS_NCOUNTERS);
    for (int i = 0; i < LT_RESULTS_NCOUNTERS; i++)
        rc |= lt_buf_put_varint(b, s->c[i]);
    rc |= lt_buf_put_varint(b, s->nstatus);
    for (size_t i = 0; i < s->nstatus; i++) {
        rc |= lt_buf_put_varint(b, s->status[i].code);
        rc |= lt_buf_put_varint(b, s->status[i].count);
    }
    rc |= lt_buf_put_varint(b, LT_RESULTS_NHIST);
    for (int i = 0; i < LT_RESULTS_NHIST; i++)
        rc |= put_hist(b, &s->hist[i]);
    return rc;
}

static int write_section(struct lt_results_writer *w, unsigned kind, struct lt_err *err)
{
    uint8_t hdr[8], crc[4];
    uint32_t c;

    hdr[0] = (uint8_t)kind;
    hdr[1] = hdr[2] = hdr[3] = 0;
    lt_put_le32(hdr + 4, (uint32_t)w->buf.len);
    c = lt_crc32c(0, hdr, sizeof(hdr));
    c = lt_crc32c(c, w->buf.data, w->buf.len);
    lt_put_le32(crc, c);
    if (w->failed)
        return lt_error(err, LT_E_IO, "'%s': an earlier write failed", w->path);
    if (write_all(w, hdr, sizeof(hdr), err) || write_all(w, w->buf.data, w->buf.len, err) ||
        write_all(w, crc, sizeof(crc), err) || flush(w, err))
        return LT_E_IO;
    return 0;
}

/*
 * After a section: with no file at path before, the file takes its name with
 * the first one (a file that was there is replaced only at a clean close).
 */
static int publish(struct lt_results_writer *w, struct lt_err *err)
{
    w->sections++;
    if (w->tmp && !w->replace) {
        if (rename(w->tmp, w->path) != 0)
            return lt_error(err, LT_E_IO, "cannot rename '%s' to '%s': %s", w->tmp, w->path,
                            strerror(errno));
        free(w->tmp);
        w->tmp = NULL;
    }
    return 0;
}

int lt_results_writer_failed(const struct lt_results_writer *w)
{
    return w && w->failed;
}

int lt_results_writer_add(struct lt_results_writer *w, const struct lt_results_section *s,
                          struct lt_err *err)
{
    int rc;

    lt_buf_reset(&w->buf);
    if (encode_section(&w->buf, s))
        return lt_error(err, LT_E_LIMIT, "results section too large for '%s'", w->path);
    rc = write_section(w, (unsigned)s->kind, err);
    return rc ? rc : publish(w, err);
}

int lt_results_writer_note(struct lt_results_writer *w, const char *json, struct lt_err *err)
{
    size_t n = strlen(json);
    int rc;

    if (n > META_MAX)
        return lt_error(err, LT_E_LIMIT, "results note too large for '%s'", w->path);
    lt_buf_reset(&w->buf);
    if (lt_buf_append(&w->buf, json, n))
        return lt_error(err, LT_E_NOMEM, "out of memory");
    rc = write_section(w, LT_RESULTS_NOTE, err);
    return rc ? rc : publish(w, err);
}

int lt_results_writer_close(struct lt_results_writer *w, struct lt_err *err)
{
    int rc;

    if (!w)
        return 0;
    lt_buf_reset(&w->buf);
    rc = write_section(w, KIND_END, err);
    if (fclose(w->f) != 0 && !rc)
        rc = lt_error(err, LT_E_IO, "cannot close '%s': %s", w->path, strerror(errno));
    if (w->tmp && !rc && w->sections) {
        if (rename(w->tmp, w->path) != 0)
            rc = lt_error(err, LT_E_IO, "cannot rename '%s' to '%s': %s", w->tmp, w->path,
                          strerror(errno));
        else {
            free(w->tmp);
            w->tmp = NULL;
        }
    }
    /* not one section (nothing was measured), or a file that was there stays */
    if (w->tmp)
        unlink(w->tmp);
    lt_buf_release(&w->buf);
    free(w->path);
    free(w->tmp);
    free(w);
    return rc;
}

/* ---- reader ------------------------------------------------------------- */

struct lt_results_reader {
    FILE *f;            /* NULL when reading from memory */
    const uint8_t *mem; /* memory input */
    size_t mem_len, mem_pos;
    char *name;
    char *meta;
    uint64_t offset; /* of the next section */
    int done;
    struct lt_buf payload;
    struct lt_results_status *status;
    struct lt_results_bin *bins;
    size_t bins_cap;
    char **notes; /* JSON texts, NOTES_MAX at most, NOTES_BYTES in all */
    size_t nnotes, notes_bytes;
    char gname[LT_RESULTS_GROUP_METHOD_MAX + LT_RESULTS_GROUP_NAME_MAX + 2]; /* a group's */
};

/* Reads exactly n bytes; returns n, or fewer at the end of the input. */
static size_t rd(struct lt_results_reader *r, void *p, size_t n)
{
    size_t got;

    if (n == 0)
        return 0;
    if (r->f)
        return fread(p, 1, n, r->f);
    got = r->mem_len - r->mem_pos < n ? r->mem_len - r->mem_pos : n;
    memcpy(p, r->mem + r->mem_pos, got);
    r->mem_pos += got;
    return got;
}

static int read_header(struct lt_results_reader *r, struct lt_err *err)
{
    uint8_t hdr[16], crc[4];
    uint32_t mlen;
    unsigned major;

    if (rd(r, hdr, sizeof(hdr)) != sizeof(hdr) || memcmp(hdr, MAGIC, 8) != 0)
        return lt_error(err, LT_E_FORMAT, "'%s' is not a loadtape results file", r->name);
    major = hdr[8] | (unsigned)hdr[9] << 8;
    if (major > LT_RESULTS_VERSION_MAJOR)
        return lt_error(err, LT_E_VERSION,
                        "'%s' is results format version %u, newer than this loadtape reads (%u)",
                        r->name, major, LT_RESULTS_VERSION_MAJOR);
    if (major == 0)
        return lt_error(err, LT_E_FORMAT, "'%s': bad results format version 0", r->name);
    mlen = lt_get_le32(hdr + 12);
    if (mlen > META_MAX)
        return lt_error(err, LT_E_LIMIT, "'%s': metadata of %u bytes exceeds the limit", r->name,
                        mlen);
    r->meta = malloc((size_t)mlen + 1);
    if (!r->meta)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    if (rd(r, r->meta, mlen) != mlen || rd(r, crc, 4) != 4)
        return lt_error(err, LT_E_TRUNCATED, "'%s': truncated header", r->name);
    r->meta[mlen] = '\0';
    if (lt_get_le32(crc) != lt_crc32c(0, r->meta, mlen))
        return lt_error(err, LT_E_CORRUPT, "'%s': header checksum mismatch", r->name);
    if (memchr(r->meta, '\0', mlen))
        return lt_error(err, LT_E_FORMAT, "'%s': metadata holds a NUL byte", r->name);
    r->offset = sizeof(hdr) + mlen + 4;
    return 0;
}

static struct lt_results_reader *open_common(struct lt_results_reader *r, const char *name,
                                             struct lt_err *err)
{
    lt_buf_init(&r->payload, PAYLOAD_MAX);
    r->name = strdup(name);
    r->status = calloc(NSTATUS_MAX, sizeof(*r->status));
    if (!r->name || !r->status) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        goto fail;
    }
    if (read_header(r, err))
        goto fail;
    return r;
fail:
    lt_results_reader_free(r);
    return NULL;
}

struct lt_results_reader *lt_results_reader_open(const char *path, struct lt_err *err)
{
    struct lt_results_reader *r = calloc(1, sizeof(*r));

    if (!r) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    /* "-" is standard input: the file is read front to back, so a pipe works */
    if (strcmp(path, "-") == 0 && isatty(STDIN_FILENO)) {
        lt_error(err, LT_E_USAGE, "refusing to read results from a terminal (pipe them in)");
        free(r);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
        r->f = fd >= 0 ? fdopen(fd, "rb") : NULL;
        if (fd >= 0 && !r->f)
            close(fd);
    } else {
        r->f = fopen(path, "rb");
    }
    if (!r->f) {
        lt_error(err, LT_E_IO, "cannot open '%s': %s", path, strerror(errno));
        free(r);
        return NULL;
    }
    return open_common(r, path, err);
}

struct lt_results_reader *lt_results_reader_open_mem(const uint8_t *p, size_t n, struct lt_err *err)
{
    struct lt_results_reader *r = calloc(1, sizeof(*r));

    if (!r) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    r->mem = p;
    r->mem_len = n;
    return open_common(r, "(memory)", err);
}

void lt_results_reader_free(struct lt_results_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    lt_buf_release(&r->payload);
    free(r->name);
    free(r->meta);
    free(r->status);
    free(r->bins);
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r);
}

const char *lt_results_reader_meta(const struct lt_results_reader *r)
{
    return r->meta;
}

struct cursor {
    const uint8_t *p, *end;
    int bad;
};

static uint64_t get(struct cursor *c)
{
    uint64_t v = 0;
    size_t n;

    if (c->bad)
        return 0;
    n = lt_varint_get(c->p, c->end, &v);
    if (!n) {
        c->bad = 1;
        return 0;
    }
    c->p += n;
    return v;
}

static int decode_hist(struct lt_results_reader *r, struct cursor *c, struct lt_results_hist *h,
                       struct lt_results_bin *bins, const char **why)
{
    uint64_t nbins, idx = 0, total = 0;

    h->sub_buckets = (uint32_t)get(c);
    h->nindex = (uint32_t)get(c);
    h->unit_ns = (uint32_t)get(c);
    h->count = get(c);
    h->min = get(c);
    h->max = get(c);
    h->sum = get(c);
    nbins = get(c);
    if (c->bad)
        return (*why = "truncated histogram", -1);
    if (h->nindex > NINDEX_MAX || nbins > h->nindex)
        return (*why = "histogram too large", -1);
    /* every bin takes at least two payload bytes, so this bounds nbins too */
    if (nbins > (uint64_t)(c->end - c->p) / 2)
        return (*why = "truncated histogram", -1);
    for (uint64_t i = 0; i < nbins; i++) {
        uint64_t gap = get(c), cnt = get(c);
        idx = i ? idx + 1 + gap : gap;
        if (c->bad || idx >= h->nindex || cnt == 0 || total + cnt < total)
            return (*why = "bad histogram bin", -1);
        bins[i].index = (uint32_t)idx;
        bins[i].count = cnt;
        total += cnt;
    }
    if (total != h->count || (h->count && h->min > h->max))
        return (*why = "histogram counts do not add up", -1);
    h->bins = bins;
    h->nbins = (size_t)nbins;
    (void)r;
    return 0;
}

static int decode_section(struct lt_results_reader *r, struct lt_results_section *s,
                          const char **why)
{
    struct cursor c = {r->payload.data, r->payload.data + r->payload.len, 0};
    uint64_t nc, ns, nh;
    size_t used = 0;

    if (s->kind == LT_RESULTS_GROUP) {
        /* two NUL-terminated strings in the reader's name buffer */
        uint64_t len[2];
        char *dst = r->gname;
        for (int k = 0; k < 2; k++) {
            len[k] = get(&c);
            if (c.bad || len[k] > (k ? LT_RESULTS_GROUP_NAME_MAX : LT_RESULTS_GROUP_METHOD_MAX) ||
                len[k] > (uint64_t)(c.end - c.p) || memchr(c.p, 0, (size_t)len[k]))
                return (*why = "bad group name", -1);
            memcpy(dst, c.p, (size_t)len[k]);
            dst[len[k]] = '\0';
            c.p += len[k];
            if (k == 0)
                s->group_method = dst;
            else
                s->group_name = dst;
            dst += len[k] + 1;
        }
    }
    s->start_ns = get(&c);
    s->dur_ns = get(&c);
    nc = get(&c);
    if (c.bad || nc > NCOUNTERS_MAX)
        return (*why = "bad counters", -1);
    for (uint64_t i = 0; i < nc; i++) {
        uint64_t v = get(&c);
        if (i < LT_RESULTS_NCOUNTERS)
            s->c[i] = v;
    }
    ns = get(&c);
    if (c.bad || ns > NSTATUS_MAX)
        return (*why = "bad status table", -1);
    for (uint64_t i = 0; i < ns; i++) {
        r->status[i].code = (uint32_t)get(&c);
        r->status[i].count = get(&c);
        if (r->status[i].code >= NSTATUS_MAX)
            return (*why = "bad status code", -1);
    }
    s->status = r->status;
    s->nstatus = (size_t)ns;
    nh = get(&c);
    if (c.bad || nh > NHIST_MAX)
        return (*why = "bad histogram count", -1);
    /* bins of all histograms share one array, sized by the payload */
    if (r->bins_cap < r->payload.len / 2 + 1) {
        struct lt_results_bin *b = realloc(r->bins, (r->payload.len / 2 + 1) * sizeof(*b));
        if (!b)
            return (*why = "out of memory", -1);
        r->bins = b;
        r->bins_cap = r->payload.len / 2 + 1;
    }
    for (uint64_t i = 0; i < nh; i++) {
        struct lt_results_hist tmp, *h = i < LT_RESULTS_NHIST ? &s->hist[i] : &tmp;
        if (decode_hist(r, &c, h, r->bins + used, why))
            return -1;
        used += h->nbins;
    }
    if (c.bad)
        return (*why = "truncated section", -1);
    return 0;
}

static int next_raw(struct lt_results_reader *r, uint8_t hdr[8], struct lt_err *err);

static int keep_note(struct lt_results_reader *r, struct lt_err *err)
{
    char **nv, *t;

    if (r->nnotes >= NOTES_MAX || r->notes_bytes + r->payload.len > NOTES_BYTES ||
        r->payload.len > META_MAX)
        return lt_error(err, LT_E_LIMIT, "'%s': too many notes at offset %llu", r->name,
                        (unsigned long long)r->offset);
    nv = realloc(r->notes, (r->nnotes + 1) * sizeof(*nv));
    if (!nv)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    r->notes = nv;
    t = malloc(r->payload.len + 1);
    if (!t)
        return lt_error(err, LT_E_NOMEM, "out of memory");
    memcpy(t, r->payload.data, r->payload.len);
    t[r->payload.len] = '\0';
    r->notes[r->nnotes++] = t;
    r->notes_bytes += r->payload.len;
    return 0;
}

size_t lt_results_reader_nnotes(const struct lt_results_reader *r)
{
    return r->nnotes;
}

const char *lt_results_reader_note(const struct lt_results_reader *r, size_t i)
{
    return i < r->nnotes ? r->notes[i] : NULL;
}

int lt_results_reader_next(struct lt_results_reader *r, struct lt_results_section *s,
                           struct lt_err *err)
{
    uint8_t hdr[8];
    const char *why = NULL;

    memset(s, 0, sizeof(*s));
    if (r->done)
        return 0;
    for (;;) {
        int rc = next_raw(r, hdr, err);
        if (rc <= 0)
            return rc;
        if (hdr[0] == LT_RESULTS_INTERVAL || hdr[0] == LT_RESULTS_TOTAL ||
            hdr[0] == LT_RESULTS_GROUP)
            break;
        if (hdr[0] == LT_RESULTS_NOTE && (rc = keep_note(r, err)) != 0)
            return rc;
        /* a note, or a kind from a newer minor version: not a section of numbers */
        r->offset += sizeof(hdr) + r->payload.len + 4;
    }
    s->kind = hdr[0];
    if (decode_section(r, s, &why))
        return lt_error(err, LT_E_FORMAT, "'%s': section at offset %llu: %s", r->name,
                        (unsigned long long)r->offset, why);
    r->offset += sizeof(hdr) + r->payload.len + 4;
    return 1;
}

/* Reads one section's header and payload; 1, 0 at the end marker, or < 0. */
static int next_raw(struct lt_results_reader *r, uint8_t hdr[8], struct lt_err *err)
{
    uint8_t crc[4];
    uint32_t len, c;
    size_t got;

    got = rd(r, hdr, 8);
    if (got == 0)
        return lt_error(err, LT_E_TRUNCATED,
                        "'%s' was not closed (the run did not finish): %llu bytes read", r->name,
                        (unsigned long long)r->offset);
    if (got != 8)
        return lt_error(err, LT_E_TRUNCATED, "'%s': truncated section at offset %llu", r->name,
                        (unsigned long long)r->offset);
    len = lt_get_le32(hdr + 4);
    if (len > PAYLOAD_MAX)
        return lt_error(err, LT_E_LIMIT, "'%s': section at offset %llu is too large (%u bytes)",
                        r->name, (unsigned long long)r->offset, len);
    if (!r->f && len > r->mem_len - r->mem_pos)
        return lt_error(err, LT_E_TRUNCATED, "'%s': truncated section at offset %llu", r->name,
                        (unsigned long long)r->offset);
    lt_buf_reset(&r->payload);
    if (lt_buf_reserve(&r->payload, (size_t)len + 1))
        return lt_error(err, LT_E_NOMEM, "out of memory");
    if (rd(r, r->payload.data, len) != len || rd(r, crc, 4) != 4)
        return lt_error(err, LT_E_TRUNCATED, "'%s': truncated section at offset %llu", r->name,
                        (unsigned long long)r->offset);
    r->payload.len = len;
    c = lt_crc32c(lt_crc32c(0, hdr, 8), r->payload.data, len);
    if (c != lt_get_le32(crc))
        return lt_error(err, LT_E_CORRUPT, "'%s': section at offset %llu: checksum mismatch",
                        r->name, (unsigned long long)r->offset);
    if (hdr[0] == KIND_END) {
        r->done = 1;
        return 0;
    }
    return 1;
}
