/*
 * test_tape_damage.c - tapes cut at every byte offset (a killed writer) and
 * tapes with a damaged byte at every offset (header, block headers, sizes,
 * payloads, index, trailer, footer), closed and not closed. The reader must
 * return exactly the records of the complete blocks, say clearly what
 * happened, name the block and offset of a damaged block, never return a
 * record that differs from the one written, and never crash.
 */
#include "tape_testlib.h"

#include <fcntl.h>

#define NREC 60

struct tape {
    uint8_t *p;
    size_t len;
    size_t nblocks;
    struct lt_block_info blocks[64];
    uint64_t data_start, index_off;
};

static struct recset set;

static int setup(void **state)
{
    (void)state;
    recset_make(&set, NREC, 42, 1, SIZE_MAX);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    recset_free(&set);
    return 0;
}

/* A tape of several blocks, and where its parts are. */
static void make_tape(struct tape *t, int closed)
{
    struct lt_tape_writer_opts o = {.block_records = 9, .origin_ns = 1};
    struct lt_err err = {0};
    struct lt_tape_reader *r;

    t->p = write_tape(&set, NREC, &o, closed, &t->len);
    r = lt_tape_reader_open_mem(t->p, t->len, &err);
    assert_non_null(r);
    assert_int_equal(lt_tape_reader_info(r)->closed, closed);
    t->nblocks = lt_tape_reader_nblocks(r);
    assert_int_equal(t->nblocks, (NREC + 8) / 9);
    for (size_t i = 0; i < t->nblocks; i++)
        t->blocks[i] = *lt_tape_reader_block(r, i);
    t->data_start = t->blocks[0].offset;
    t->index_off = t->blocks[t->nblocks - 1].offset + t->blocks[t->nblocks - 1].size;
    lt_tape_reader_free(r);
}

/* Reads everything; each record must equal the one written at its place. */
static int read_check(struct lt_tape_reader *r, size_t *n, struct lt_err *err)
{
    struct lt_record rec;
    int rc;

    *n = 0;
    while ((rc = lt_tape_reader_next(r, &rec, err)) == 1) {
        assert_true(*n < NREC);
        if (!rec_equal(&rec, &set.rb[*n].rec))
            fail_msg("record %zu differs from the one written", *n);
        (*n)++;
    }
    return rc;
}

static size_t complete_records(const struct tape *t, size_t cut)
{
    size_t n = 0;

    for (size_t i = 0; i < t->nblocks; i++)
        if (t->blocks[i].offset + t->blocks[i].size <= cut)
            n += t->blocks[i].nrecords;
    return n;
}

static void check_cut(const struct tape *t, const uint8_t *p, size_t cut, int closed)
{
    struct lt_err err = {0};
    struct lt_tape_reader *r = lt_tape_reader_open_mem(p, cut, &err);
    const char *warn;
    size_t n;
    int rc;

    if (cut < t->data_start) {
        /* Inside the file header: nothing to recover, a clear error. */
        if (r)
            fail_msg("a tape cut at %zu (inside its header) was opened", cut);
        assert_true(err.code == LT_E_TRUNCATED || err.code == LT_E_FORMAT);
        assert_non_null(strstr(err.msg, cut < 8 ? "not a loadtape tape" : "truncated"));
        return;
    }
    if (!r)
        fail_msg("a tape cut at %zu was not opened: %s", cut, err.msg);
    rc = read_check(r, &n, &err);
    if (rc != 0)
        fail_msg("a tape cut at %zu: read error: %s", cut, err.msg);
    if (n != complete_records(t, cut))
        fail_msg("a tape cut at %zu gave %zu records, want %zu", cut, n, complete_records(t, cut));
    warn = lt_tape_reader_warning(r);
    if (cut == t->len && closed) {
        assert_null(warn);
        assert_int_equal(lt_tape_reader_info(r)->closed, 1);
    } else {
        char want[64];
        if (!warn)
            fail_msg("a tape cut at %zu gave no warning", cut);
        snprintf(want, sizeof(want), "%zu records in", n);
        if (!strstr(warn, want))
            fail_msg("cut at %zu: warning '%s' does not say '%s'", cut, warn, want);
        assert_int_equal(lt_tape_reader_info(r)->closed, 0);
        assert_int_equal(lt_tape_reader_info(r)->nrecords, n);
    }
    lt_tape_reader_free(r);
}

/* A writer killed at any point: every byte offset, closed and not. */
static void test_truncate_every_offset(void **state)
{
    (void)state;
    for (int closed = 0; closed < 2; closed++) {
        struct tape t;
        make_tape(&t, closed);
        for (size_t cut = 0; cut <= t.len; cut++) {
            /* A copy of exactly `cut` bytes, so ASan sees any read past it. */
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, t.p, cut);
            check_cut(&t, p, cut, closed);
            free(p);
        }
        free(t.p);
    }
}

/* The same through a file (pread), at a sample of offsets. */
static void test_truncate_file(void **state)
{
    struct tape t;
    char path[64];

    (void)state;
    make_tape(&t, 1);
    snprintf(path, sizeof(path), "%s", tmp_path());
    for (size_t cut = t.data_start; cut <= t.len; cut += 13) {
        struct lt_err err = {0};
        struct lt_tape_reader *r;
        size_t n;
        int fd = open(path, O_WRONLY | O_TRUNC);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, t.p, cut), (ssize_t)cut);
        close(fd);
        r = lt_tape_reader_open(path, &err);
        assert_non_null(r);
        assert_int_equal(read_check(r, &n, &err), 0);
        assert_int_equal(n, complete_records(&t, cut));
        assert_true(cut == t.len || lt_tape_reader_warning(r) != NULL);
        lt_tape_reader_free(r);
    }
    unlink(path);
    free(t.p);
}

static size_t block_at(const struct tape *t, size_t off)
{
    for (size_t i = 0; i < t->nblocks; i++)
        if (off >= t->blocks[i].offset && off < t->blocks[i].offset + t->blocks[i].size)
            return i;
    return SIZE_MAX;
}

static void check_flip(const struct tape *t, const uint8_t *p, size_t off, int closed)
{
    struct lt_err err = {0};
    struct lt_tape_reader *r = lt_tape_reader_open_mem(p, t->len, &err);
    size_t b = block_at(t, off), n;
    int rc;

    if (off < t->data_start) {
        /* The file header: refused at open, saying where. */
        if (r)
            fail_msg("damage at %zu (file header) was not detected", off);
        if (!strstr(err.msg, "header") && !strstr(err.msg, "offset 0") &&
            !strstr(err.msg, "version"))
            fail_msg("damage at %zu: unclear error '%s'", off, err.msg);
        return;
    }
    if (!r)
        fail_msg("damage at %zu: open failed: %s", off, err.msg);
    rc = read_check(r, &n, &err);
    if (b != SIZE_MAX) {
        /* A block: everything before it, then an error naming it. */
        char want[96];
        snprintf(want, sizeof(want), "block %zu at offset %llu: ", b,
                 (unsigned long long)t->blocks[b].offset);
        if (rc >= 0)
            fail_msg("damage at %zu (block %zu) was not reported", off, b);
        if (!strstr(err.msg, want))
            fail_msg("damage at %zu: error '%s' does not name '%s'", off, err.msg, want);
        assert_int_equal(n, t->blocks[b].first_record);
    } else {
        /* The index, trailer or footer: blocks scanned instead, with a warning. */
        const char *warn = lt_tape_reader_warning(r);
        if (rc != 0)
            fail_msg("damage at %zu (index) broke reading: %s", off, err.msg);
        assert_int_equal(n, NREC);
        if (!warn)
            fail_msg("damage at %zu (index) gave no warning", off);
        assert_non_null(strstr(warn, closed ? "the index is damaged" : "was not closed"));
        assert_int_equal(lt_tape_reader_info(r)->closed, 0);
    }
    lt_tape_reader_free(r);
}

/* A damaged byte at every offset, two ways of damaging it. */
static void test_flip_every_offset(void **state)
{
    static const uint8_t masks[] = {0x01, 0xa5};

    (void)state;
    for (int closed = 0; closed < 2; closed++) {
        struct tape t;
        make_tape(&t, closed);
        assert_true(t.len > t.index_off || !closed);
        for (size_t off = 0; off < t.len; off++)
            for (size_t m = 0; m < sizeof(masks); m++) {
                uint8_t *p = malloc(t.len);
                memcpy(p, t.p, t.len);
                p[off] ^= masks[m];
                check_flip(&t, p, off, closed);
                free(p);
            }
        free(t.p);
    }
}

/*
 * A block whose checksums are right but whose content lies (a forged tape):
 * huge sizes, counts that do not match the columns. Refused, not trusted.
 */
static void test_forged_sizes(void **state)
{
    struct tape t;
    struct lt_err err = {0};
    struct lt_tape_reader *r;
    size_t n;
    uint8_t *h;

    (void)state;
    make_tape(&t, 0);
    h = t.p + t.blocks[1].offset;
    /* Claims 4 GiB of compressed payload: past the file, so the scan stops. */
    lt_put_le32(h + 8, 0xffffffffu);
    lt_put_le32(h + 52, lt_crc32c(0, h, 52));
    r = lt_tape_reader_open_mem(t.p, t.len, &err);
    assert_non_null(r);
    assert_int_equal(read_check(r, &n, &err), LT_E_CORRUPT);
    assert_int_equal(n, t.blocks[1].first_record);
    assert_non_null(strstr(err.msg, "block 1 at offset"));
    lt_tape_reader_free(r);
    /* One record more than the columns hold. */
    lt_put_le32(h + 8, (uint32_t)(t.blocks[1].size - 56));
    lt_put_le32(h + 16, t.blocks[1].nrecords + 1);
    lt_put_le32(h + 52, lt_crc32c(0, h, 52));
    r = lt_tape_reader_open_mem(t.p, t.len, &err);
    assert_non_null(r);
    /* The scan sees the next block out of sequence: it stops after block 1. */
    assert_int_equal(read_check(r, &n, &err), LT_E_CORRUPT);
    assert_true(n <= t.blocks[1].first_record + t.blocks[1].nrecords);
    lt_tape_reader_free(r);
    free(t.p);
}

/* A footer whose offset and length wrap around 2^64 to "add up": not trusted. */
static void test_forged_footer(void **state)
{
    struct tape t;
    struct lt_err err = {0};
    struct lt_tape_reader *r;
    uint8_t *f;
    size_t n;

    (void)state;
    make_tape(&t, 1);
    f = t.p + t.len - 32;
    lt_put_le64(f, UINT64_MAX - 99);
    lt_put_le64(f + 8, (uint64_t)t.len - 32 + 100);
    lt_put_le32(f + 20, lt_crc32c(0, f, 20));
    r = lt_tape_reader_open_mem(t.p, t.len, &err);
    assert_non_null(r);
    assert_non_null(strstr(lt_tape_reader_warning(r), "the index is damaged"));
    assert_int_equal(read_check(r, &n, &err), 0);
    assert_int_equal(n, NREC);
    lt_tape_reader_free(r);
    free(t.p);
}

/*
 * Tapes forged with correct checksums (fuzzer finds, checksums fixed up):
 * each is refused with the reason that fits it, after the records before
 * the damage, which are decoded as they were forged.
 */
static void test_forged_corpus(void **state)
{
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"bad-block-magic", "bad block magic"},
        {"bad-body-length-column", "bad body length column"},
        {"bad-column-directory", "bad column directory"},
        {"bad-flags-column", "bad flags column"},
        {"bad-header-count-column", "bad header count column"},
        {"bad-header-name-column", "bad header name column"},
        {"bad-header-value-column", "bad header value column"},
        {"bad-latency-column", "bad latency column"},
        {"bad-method-column", "bad method column"},
        {"bad-session-column", "bad session column"},
        {"bad-status-column", "bad status column"},
        {"bad-ts-column", "bad ts column"},
        {"bad-url-column", "bad url column"},
        {"block-header-checksum-mismatch", "block header checksum mismatch"},
        {"block-header-does-not-match-the-index", "block header does not match the index"},
        {"block-out-of-sequence", "block out of sequence"},
        {"cannot-decompress-the-payload", "cannot decompress the payload"},
        {"column-lengths-do-not-add-up", "column lengths do not add up"},
        {"columns-not-used-up", "columns not used up exactly"},
        {"inconsistent-block-header", "inconsistent block header"},
        {"index-damaged-bad-block-sizes", "the index is damaged (bad block sizes)"},
        {"index-damaged-footer-not-found", "the index is damaged (footer not found)"},
        {"index-damaged-footer-points-outside-the-file",
         "the index is damaged (footer points outside the file)"},
        {"index-damaged-record-count-does-not-match",
         "the index is damaged (record count does not match)"},
        {"last-ts-mismatch", "last ts does not match the block header"},
        {"newer-version", "use a newer loadtape"},
        {"not-closed-incomplete-block", "bytes are an incomplete block"},
        {"zstd-frame-size-does-not-match-the-block-header",
         "zstd frame size does not match the block header"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        struct lt_err err = {0};
        struct lt_tape_reader *r;
        struct lt_record rec;
        const char *said;
        uint8_t *p;
        size_t len;
        int rc = 0;

        snprintf(path, sizeof(path), "%s/../fuzz/corpus/tape_reader/forged-%s", LT_TEST_DATA,
                 cases[i].file);
        p = slurp(path, &len);
        r = lt_tape_reader_open_mem(p, len, &err);
        if (r)
            while ((rc = lt_tape_reader_next(r, &rec, &err)) == 1)
                ;
        said = !r || rc ? err.msg : lt_tape_reader_warning(r);
        if (!said || !strstr(said, cases[i].want))
            fail_msg("forged-%s: got '%s', want '%s'", cases[i].file, said ? said : "(nothing)",
                     cases[i].want);
        lt_tape_reader_free(r);
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncate_every_offset), cmocka_unit_test(test_truncate_file),
        cmocka_unit_test(test_flip_every_offset),     cmocka_unit_test(test_forged_sizes),
        cmocka_unit_test(test_forged_footer),         cmocka_unit_test(test_forged_corpus),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
