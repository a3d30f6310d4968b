/*
 * test_tape_stream.c - a tape read from a pipe ("-" on standard input): block
 * by block without the index, the same records as from the file, the index
 * and trailer checked at the end, damage and truncation reported, seeking
 * refused.
 */
#include "tape_testlib.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

struct feed {
    int fd;
    const uint8_t *p;
    size_t n;
};

static void *feed_pipe(void *arg)
{
    struct feed *f = arg;
    size_t off = 0;

    while (off < f->n) {
        ssize_t k = write(f->fd, f->p + off, f->n - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    close(f->fd);
    return NULL;
}

/* Opens "-" with bytes p[0..n) arriving on standard input through a pipe. */
static struct lt_tape_reader *open_piped(const uint8_t *p, size_t n, pthread_t *th, struct feed *f,
                                         int *saved_stdin, struct lt_err *err)
{
    int fds[2];
    struct lt_tape_reader *r;

    assert_int_equal(pipe(fds), 0);
    *saved_stdin = dup(STDIN_FILENO);
    assert_true(dup2(fds[0], STDIN_FILENO) >= 0);
    close(fds[0]);
    f->fd = fds[1];
    f->p = p;
    f->n = n;
    assert_int_equal(pthread_create(th, NULL, feed_pipe, f), 0);
    r = lt_tape_reader_open("-", err);
    close(STDIN_FILENO); /* the reader holds its own descriptor */
    return r;
}

static void close_piped(struct lt_tape_reader *r, pthread_t th, int saved_stdin)
{
    lt_tape_reader_free(r); /* the feeder stops on EPIPE if the reader stopped early */
    pthread_join(th, NULL);
    dup2(saved_stdin, STDIN_FILENO);
    close(saved_stdin);
}

static size_t read_all(struct lt_tape_reader *r, const struct recset *s, int *rc,
                       struct lt_err *err)
{
    struct lt_record rec;
    size_t n = 0;

    while ((*rc = lt_tape_reader_next(r, &rec, err)) == 1) {
        assert_true(n < s->n);
        if (!rec_equal(&rec, &s->rb[n].rec))
            fail_msg("record %zu differs", n);
        n++;
    }
    return n;
}

/* A closed tape bigger than a pipe's buffer: every record, then the trailer. */
static void test_stream_closed(void **state)
{
    struct lt_tape_writer_opts o = {.block_records = 100};
    struct lt_err err = {0};
    struct recset s;
    struct feed f;
    pthread_t th;
    size_t len;
    int saved, rc;
    uint8_t *tape;
    struct lt_tape_reader *r, *whole;
    const struct lt_tape_info *info;
    const cJSON *src;

    (void)state;
    recset_make(&s, 3000, 21, 1, 1500);
    tape = write_tape(&s, s.n, &o, 1, &len);
    assert_true(len > 65536); /* more than a pipe holds: reader and writer take turns */
    r = open_piped(tape, len, &th, &f, &saved, &err);
    assert_non_null(r);
    info = lt_tape_reader_info(r);
    assert_int_equal(info->streamed, 1);
    assert_int_equal(info->closed, 0); /* not known yet */
    assert_int_equal(info->nrecords, 0);
    assert_int_equal(read_all(r, &s, &rc, &err), 3000);
    assert_int_equal(rc, 0);
    assert_int_equal(info->closed, 1);
    assert_int_equal(info->nrecords, 3000);
    whole = lt_tape_reader_open_mem(tape, len, &err);
    assert_int_equal(info->nblocks, lt_tape_reader_info(whole)->nblocks);
    assert_int_equal(info->raw_bytes, lt_tape_reader_info(whole)->raw_bytes);
    lt_tape_reader_free(whole);
    assert_int_equal(info->file_size, len);
    assert_int_equal(info->first_ts_ns, s.rb[0].rec.ts_ns);
    assert_int_equal(info->last_ts_ns, s.rb[2999].rec.ts_ns);
    assert_null(lt_tape_reader_warning(r));
    src = cJSON_GetObjectItemCaseSensitive(lt_tape_reader_meta(r), "source");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(src, "kind")->valuestring, "test");
    /* a pipe cannot go back */
    assert_int_equal(lt_tape_reader_seek_block(r, 0, &err), LT_E_USAGE);
    assert_string_equal(err.msg, "tape '-' is read from a pipe, without its index: it cannot be "
                                 "read twice (save it to a file first)");
    assert_int_equal(lt_tape_reader_next(r, &(struct lt_record){0}, &err), 0);
    close_piped(r, th, saved);
    free(tape);
    recset_free(&s);
}

static void test_stream_seek_refused(void **state)
{
    struct lt_tape_writer_opts o = {.block_records = 10};
    struct lt_err err = {0};
    struct recset s;
    struct feed f;
    pthread_t th;
    size_t len;
    int saved;
    uint8_t *tape;
    struct lt_tape_reader *r;

    (void)state;
    recset_make(&s, 50, 2, 0, SIZE_MAX);
    tape = write_tape(&s, s.n, &o, 1, &len);
    r = open_piped(tape, len, &th, &f, &saved, &err);
    assert_non_null(r);
    assert_int_equal(lt_tape_reader_seek_block(r, 0, &err), 0); /* where it is */
    assert_int_equal(lt_tape_reader_seek_ts(r, 1000, &err), LT_E_USAGE);
    assert_string_equal(err.msg, "tape '-' is read from a pipe, without its index: it cannot be "
                                 "positioned by time (save it to a file first)");
    assert_int_equal(lt_tape_reader_seek_block(r, 3, &err), LT_E_USAGE);
    close_piped(r, th, saved);
    free(tape);
    recset_free(&s);
}

/* A writer killed mid-block: the complete blocks, and a warning at the end. */
static void test_stream_truncated(void **state)
{
    struct lt_tape_writer_opts o = {.block_records = 100};
    struct lt_err err = {0};
    struct recset s;
    struct feed f;
    pthread_t th;
    size_t len, cut;
    int saved, rc;
    uint8_t *tape;
    struct lt_tape_reader *r;
    struct lt_tape_reader *whole;
    const struct lt_block_info *b3;
    char want[200];

    (void)state;
    recset_make(&s, 1000, 5, 0, SIZE_MAX);
    tape = write_tape(&s, s.n, &o, 1, &len);
    whole = lt_tape_reader_open_mem(tape, len, &err);
    assert_non_null(whole);
    b3 = lt_tape_reader_block(whole, 3);
    cut = (size_t)(b3->offset + b3->size / 2);
    r = open_piped(tape, cut, &th, &f, &saved, &err);
    assert_non_null(r);
    assert_null(lt_tape_reader_warning(r));
    assert_int_equal(read_all(r, &s, &rc, &err), 300);
    assert_int_equal(rc, 0);
    assert_int_equal(lt_tape_reader_info(r)->closed, 0);
    snprintf(want, sizeof(want),
             "tape '-' was not closed: read 300 records in 3 complete blocks; block 3 at offset "
             "%llu is incomplete (%llu of %llu bytes)",
             (unsigned long long)b3->offset, (unsigned long long)(b3->size / 2),
             (unsigned long long)b3->size);
    assert_string_equal(lt_tape_reader_warning(r), want);
    close_piped(r, th, saved);

    /* cut inside the index: every record, and the tape is not closed */
    r = open_piped(tape, len - 40, &th, &f, &saved, &err);
    assert_non_null(r);
    assert_int_equal(read_all(r, &s, &rc, &err), 1000);
    assert_int_equal(rc, 0);
    assert_int_equal(lt_tape_reader_info(r)->closed, 0);
    assert_non_null(strstr(lt_tape_reader_warning(r), "is damaged (index or footer incomplete)"));
    close_piped(r, th, saved);
    lt_tape_reader_free(whole);
    free(tape);
    recset_free(&s);
}

/* A flipped byte in block 2: blocks 0 and 1, then an error naming block 2. */
static void test_stream_corrupt(void **state)
{
    struct lt_tape_writer_opts o = {.block_records = 100};
    struct lt_err err = {0};
    struct recset s;
    struct feed f;
    pthread_t th;
    size_t len;
    int saved, rc;
    uint8_t *tape;
    struct lt_tape_reader *r, *whole;
    const struct lt_block_info *b2;
    char want[160];

    (void)state;
    recset_make(&s, 500, 8, 0, SIZE_MAX);
    tape = write_tape(&s, s.n, &o, 1, &len);
    whole = lt_tape_reader_open_mem(tape, len, &err);
    b2 = lt_tape_reader_block(whole, 2);
    tape[b2->offset + 100] ^= 0x40;
    r = open_piped(tape, len, &th, &f, &saved, &err);
    assert_non_null(r);
    assert_int_equal(read_all(r, &s, &rc, &err), 200);
    assert_int_equal(rc, LT_E_CORRUPT);
    snprintf(want, sizeof(want), "tape '-': block 2 at offset %llu: payload checksum mismatch",
             (unsigned long long)b2->offset);
    assert_string_equal(err.msg, want);
    close_piped(r, th, saved);
    lt_tape_reader_free(whole);
    free(tape);
    recset_free(&s);
}

/* "-" with a file on standard input reads it as a file, index first. */
static void test_stdin_file(void **state)
{
    struct lt_tape_writer_opts o = {.block_records = 100};
    struct lt_err err = {0};
    struct recset s;
    size_t len;
    int saved, fd, rc;
    uint8_t *tape;
    char *path = tmp_path();
    FILE *out;
    struct lt_tape_reader *r;

    (void)state;
    recset_make(&s, 250, 3, 0, SIZE_MAX);
    tape = write_tape(&s, s.n, &o, 1, &len);
    out = fopen(path, "wb");
    assert_int_equal(fwrite(tape, 1, len, out), len);
    fclose(out);
    fd = open(path, O_RDONLY);
    saved = dup(STDIN_FILENO);
    dup2(fd, STDIN_FILENO);
    close(fd);
    r = lt_tape_reader_open("-", &err);
    dup2(saved, STDIN_FILENO);
    close(saved);
    assert_non_null(r);
    assert_int_equal(lt_tape_reader_info(r)->streamed, 0);
    assert_int_equal(lt_tape_reader_info(r)->closed, 1);
    assert_int_equal(lt_tape_reader_info(r)->nrecords, 250);
    assert_int_equal(read_all(r, &s, &rc, &err), 250);
    assert_int_equal(rc, 0);
    lt_tape_reader_free(r);
    unlink(path);
    free(tape);
    recset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_closed),    cmocka_unit_test(test_stream_seek_refused),
        cmocka_unit_test(test_stream_truncated), cmocka_unit_test(test_stream_corrupt),
        cmocka_unit_test(test_stdin_file),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
