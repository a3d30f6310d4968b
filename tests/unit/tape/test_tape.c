/*
 * test_tape.c - the tape writer and reader: lossless round trips (every
 * field kind, several blocks, from a file and from memory, through a pipe),
 * seeking, metadata, versioning, bounded reader memory and statistics.
 */
#include "tape_testlib.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

/* Reads every record of r and checks it against s[first..]; returns the count. */
static size_t read_all(struct lt_tape_reader *r, const struct recset *s, size_t first)
{
    struct lt_err err = {0};
    struct lt_record rec;
    size_t n = 0;
    int rc;

    while ((rc = lt_tape_reader_next(r, &rec, &err)) == 1) {
        assert_true(first + n < s->n);
        if (!rec_equal(&rec, &s->rb[first + n].rec))
            fail_msg("record %zu differs", first + n);
        n++;
    }
    if (rc != 0)
        fail_msg("read error: %s", err.msg);
    return n;
}

static void test_roundtrip_file(void **state)
{
    struct lt_tape_writer_opts o = {.block_bytes = 64 * 1024,
                                    .origin_ns = 1767225600000000000ULL,
                                    .meta_json =
                                        "{\"source\":{\"kind\":\"capture\"},\"capture\":1}"};
    struct lt_err err = {0};
    struct recset s;
    char *path = tmp_path();
    struct lt_tape_writer *w;
    struct lt_tape_reader *r;
    const struct lt_tape_info *info;
    const cJSON *meta;

    (void)state;
    recset_make(&s, 3000, 1, 0, 1234);
    w = lt_tape_writer_open(path, &o, &err);
    assert_non_null(w);
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(lt_tape_writer_append(w, &s.rb[i].rec, &err), 0);
    assert_int_equal(lt_tape_writer_count(w), 3000);
    assert_int_equal(lt_tape_writer_close(w, "{\"capture\":{\"gaps\":2}}", &err), 0);

    r = lt_tape_reader_open(path, &err);
    assert_non_null(r);
    info = lt_tape_reader_info(r);
    assert_int_equal(info->closed, 1);
    assert_null(lt_tape_reader_warning(r));
    assert_int_equal(info->version_major, 1);
    assert_int_equal(info->nrecords, 3000);
    assert_true(info->nblocks >= 4);
    assert_int_equal(lt_tape_reader_nblocks(r), info->nblocks);
    assert_true(info->origin_ns == 1767225600000000000ULL);
    assert_true(info->first_ts_ns == s.rb[0].rec.ts_ns);
    assert_true(info->last_ts_ns == s.rb[2999].rec.ts_ns);
    meta = lt_tape_reader_meta(r);
    assert_string_equal(cJSON_GetObjectItem(meta, "origin")->valuestring,
                        "2026-01-01T00:00:00.000000000Z");
    assert_string_equal(cJSON_GetObjectItem(meta, "origin_ns")->valuestring, "1767225600000000000");
    assert_int_equal(cJSON_GetObjectItem(meta, "records")->valuedouble, 3000);
    /* Trailer keys replace the header's. */
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(meta, "capture"), "gaps")->valuedouble,
                     2);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(meta, "source"), "kind")->valuestring, "capture");
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(meta, "stats"), "records")->valuedouble, 3000);
    assert_int_equal(read_all(r, &s, 0), 3000);
    /* Blocks tile the data: each starts where the previous ended. */
    for (size_t i = 1; i < info->nblocks; i++) {
        const struct lt_block_info *a = lt_tape_reader_block(r, i - 1),
                                   *b = lt_tape_reader_block(r, i);
        assert_true(a->offset + a->size == b->offset);
        assert_true(a->first_record + a->nrecords == b->first_record);
    }
    assert_null(lt_tape_reader_block(r, info->nblocks));
    lt_tape_reader_free(r);
    unlink(path);
    recset_free(&s);
}

/* Big numbers, the level range and one record per block. */
static void test_roundtrip_mem_levels(void **state)
{
    static const int levels[] = {1, 3, 19};
    struct lt_err err = {0};
    struct recset s;

    (void)state;
    recset_make(&s, 400, 2, 1, 7);
    for (size_t l = 0; l < 3; l++) {
        struct lt_tape_writer_opts o = {.level = levels[l], .block_records = l == 0 ? 1 : 0};
        size_t len;
        uint8_t *p = write_tape(&s, s.n, &o, 1, &len);
        struct lt_tape_reader *r = lt_tape_reader_open_mem(p, len, &err);
        assert_non_null(r);
        if (l == 0)
            assert_int_equal(lt_tape_reader_info(r)->nblocks, 400);
        else /* the 1 MiB body fills a block of its own */
            assert_int_equal(lt_tape_reader_info(r)->nblocks, l == 1 ? 3 : 1);
        assert_int_equal(read_all(r, &s, 0), 400);
        lt_tape_reader_free(r);
        free(p);
    }
    recset_free(&s);
}

static void test_empty_tape(void **state)
{
    struct lt_tape_writer_opts o = {0};
    struct lt_err err = {0};
    struct recset s = {0};
    struct lt_record rec;
    size_t len;
    uint8_t *p;
    struct lt_tape_reader *r;

    (void)state;
    p = write_tape(&s, 0, &o, 1, &len);
    r = lt_tape_reader_open_mem(p, len, &err);
    assert_non_null(r);
    assert_int_equal(lt_tape_reader_info(r)->closed, 1);
    assert_int_equal(lt_tape_reader_info(r)->nrecords, 0);
    assert_int_equal(lt_tape_reader_next(r, &rec, &err), 0);
    assert_int_equal(lt_tape_reader_seek_ts(r, 5, &err), 0);
    assert_int_equal(lt_tape_reader_next(r, &rec, &err), 0);
    lt_tape_reader_free(r);
    free(p);
}

static void test_seek(void **state)
{
    struct lt_tape_writer_opts o = {.block_records = 50};
    struct lt_err err = {0};
    struct lt_record rec;
    struct recset s;
    struct lt_tape_reader *r;
    size_t len, nb;
    uint8_t *p;

    (void)state;
    recset_make(&s, 1000, 3, 0, SIZE_MAX);
    p = write_tape(&s, s.n, &o, 1, &len);
    r = lt_tape_reader_open_mem(p, len, &err);
    assert_non_null(r);
    nb = lt_tape_reader_nblocks(r);
    assert_int_equal(nb, 20);
    /* seek_block then read to the end. */
    assert_int_equal(lt_tape_reader_seek_block(r, 7, &err), 0);
    assert_int_equal(read_all(r, &s, 350), 650);
    assert_int_equal(lt_tape_reader_seek_block(r, nb, &err), 0);
    assert_int_equal(lt_tape_reader_next(r, &rec, &err), 0);
    assert_int_equal(lt_tape_reader_seek_block(r, nb + 1, &err), LT_E_USAGE);
    /* seek_ts lands on the first record with ts >= t, for many t. */
    for (size_t i = 0; i < s.n; i += 37) {
        uint64_t t = s.rb[i].rec.ts_ns;
        size_t want = i;
        while (want > 0 && s.rb[want - 1].rec.ts_ns >= t)
            want--;
        assert_int_equal(lt_tape_reader_seek_ts(r, t, &err), 0);
        assert_int_equal(lt_tape_reader_next(r, &rec, &err), 1);
        assert_true(rec_equal(&rec, &s.rb[want].rec));
        /* and one past it: the first record with a bigger ts. */
        assert_int_equal(lt_tape_reader_seek_ts(r, t + 1, &err), 0);
        while (want < s.n && s.rb[want].rec.ts_ns < t + 1)
            want++;
        if (want == s.n) {
            assert_int_equal(lt_tape_reader_next(r, &rec, &err), 0);
        } else {
            assert_int_equal(read_all(r, &s, want), s.n - want);
        }
    }
    assert_int_equal(lt_tape_reader_seek_ts(r, 0, &err), 0);
    assert_int_equal(read_all(r, &s, 0), s.n);
    assert_int_equal(lt_tape_reader_seek_ts(r, UINT64_MAX, &err), 0);
    assert_int_equal(lt_tape_reader_next(r, &rec, &err), 0);
    lt_tape_reader_free(r);
    free(p);
    recset_free(&s);
}

struct drain {
    int fd;
    struct lt_buf buf;
};

static void *drain_pipe(void *arg)
{
    struct drain *d = arg;
    uint8_t tmp[65536];
    ssize_t k;

    while ((k = read(d->fd, tmp, sizeof(tmp))) > 0)
        lt_buf_append(&d->buf, tmp, (size_t)k);
    return NULL;
}

/* The writer never seeks: a pipe carries a whole, closed tape. */
static void test_pipe(void **state)
{
    struct lt_tape_writer_opts o = {.block_records = 100};
    struct lt_err err = {0};
    struct recset s;
    struct drain d;
    pthread_t th;
    int fds[2];
    struct lt_tape_writer *w;
    struct lt_tape_reader *r;

    (void)state;
    recset_make(&s, 1000, 4, 0, SIZE_MAX);
    assert_int_equal(pipe(fds), 0);
    d.fd = fds[0];
    lt_buf_init(&d.buf, 0);
    assert_int_equal(pthread_create(&th, NULL, drain_pipe, &d), 0);
    w = lt_tape_writer_fdopen(fds[1], "pipe", &o, &err);
    assert_non_null(w);
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(lt_tape_writer_append(w, &s.rb[i].rec, &err), 0);
    assert_int_equal(lt_tape_writer_close(w, NULL, &err), 0);
    close(fds[1]);
    pthread_join(th, NULL);
    close(fds[0]);
    r = lt_tape_reader_open_mem(d.buf.data, d.buf.len, &err);
    assert_non_null(r);
    assert_int_equal(lt_tape_reader_info(r)->closed, 1);
    assert_int_equal(lt_tape_reader_info(r)->nblocks, 10);
    assert_int_equal(read_all(r, &s, 0), 1000);
    lt_tape_reader_free(r);
    lt_buf_release(&d.buf);
    recset_free(&s);
}

static void test_writer_refuses(void **state)
{
    struct lt_tape_writer_opts o = {0};
    struct lt_err err = {0};
    struct lt_record a = {.ts_ns = 10}, b = {.ts_ns = 9};
    char *path = tmp_path();
    struct lt_tape_writer *w;

    (void)state;
    unlink(path);
    o.meta_json = "[1]";
    assert_null(lt_tape_writer_open(path, &o, &err));
    assert_int_equal(err.code, LT_E_USAGE);
    assert_int_equal(access(path, F_OK), -1); /* nothing half-written is left */
    o.meta_json = NULL;
    o.level = 20;
    assert_null(lt_tape_writer_open(path, &o, &err));
    assert_string_equal(err.msg, "compression level 20 is out of range 1..19");
    o.level = 0;
    assert_null(lt_tape_writer_open("/nonexistent-dir/x.tape", &o, &err));
    assert_int_equal(err.code, LT_E_IO);
    w = lt_tape_writer_open(path, &o, &err);
    assert_non_null(w);
    assert_int_equal(lt_tape_writer_append(w, &a, &err), 0);
    assert_int_equal(lt_tape_writer_append(w, &b, &err), LT_E_USAGE);
    assert_non_null(strstr(err.msg, "below the previous 10"));
    lt_tape_writer_abort(w);
    assert_int_equal(access(path, F_OK), -1);
}

/*
 * Until its first record a tape is written under a temporary name: a writer
 * that fails or is aborted before then leaves neither an empty tape nor a
 * damaged older one; from the first record on, the tape has its real name.
 */
static void test_writer_no_empty_file(void **state)
{
    struct lt_tape_writer_opts o = {0};
    struct lt_err err = {0};
    struct lt_record a = {.ts_ns = 10};
    char *path = tmp_path(), tmp[96], buf[32] = "";
    struct lt_tape_writer *w;
    struct lt_tape_reader *r;
    FILE *f;

    (void)state;
    f = fopen(path, "w");
    fputs("an older tape", f);
    fclose(f);
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
    w = lt_tape_writer_open(path, &o, &err);
    assert_non_null(w);
    assert_int_equal(access(tmp, F_OK), 0);
    lt_tape_writer_abort(w);
    assert_int_equal(access(tmp, F_OK), -1);
    f = fopen(path, "r");
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "an older tape");

    /* over an older tape: the new one takes its place only at a clean close */
    w = lt_tape_writer_open(path, &o, &err);
    assert_non_null(w);
    assert_int_equal(lt_tape_writer_append(w, &a, &err), 0);
    assert_int_equal(lt_tape_writer_flush(w, &err), 0);
    assert_int_equal(access(tmp, F_OK), 0); /* a writer killed now leaves the older tape */
    lt_tape_writer_abort(w);
    assert_int_equal(access(tmp, F_OK), -1);
    f = fopen(path, "r");
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "an older tape");

    /* a new file: its name with the first record */
    unlink(path);
    w = lt_tape_writer_open(path, &o, &err);
    assert_non_null(w);
    assert_int_equal(lt_tape_writer_append(w, &a, &err), 0);
    assert_int_equal(access(tmp, F_OK), -1); /* a writer killed now leaves 'path' */
    lt_tape_writer_abort(w);
    assert_int_equal(access(path, F_OK), -1);

    /* an empty tape closed cleanly is a tape */
    w = lt_tape_writer_open(path, &o, &err);
    assert_int_equal(lt_tape_writer_close(w, NULL, &err), 0);
    assert_int_equal(access(tmp, F_OK), -1);
    r = lt_tape_reader_open(path, &err);
    assert_non_null(r);
    assert_int_equal(lt_tape_reader_info(r)->closed, 1);
    lt_tape_reader_free(r);
    unlink(path);
}

/* Sets the major version of a tape in memory and fixes its header CRC. */
static void set_major(uint8_t *p, unsigned major)
{
    uint32_t mlen = lt_get_le32(p + 24);

    p[8] = (uint8_t)major;
    lt_put_le32(p + 28 + mlen, lt_crc32c(0, p, 28 + mlen));
}

static void test_version(void **state)
{
    struct lt_tape_writer_opts o = {0};
    struct lt_err err = {0};
    struct recset s;
    size_t len;
    uint8_t *p;
    struct lt_tape_reader *r;

    (void)state;
    recset_make(&s, 10, 5, 0, SIZE_MAX);
    p = write_tape(&s, s.n, &o, 1, &len);
    set_major(p, 2);
    assert_null(lt_tape_reader_open_mem(p, len, &err));
    assert_int_equal(err.code, LT_E_VERSION);
    assert_string_equal(err.msg, "tape '(memory)' has format version 2.0; this loadtape reads "
                                 "version 1.x only: use a newer loadtape");
    /* A newer minor version of the same major is read. */
    set_major(p, 1);
    p[10] = 7;
    lt_put_le32(p + 28 + lt_get_le32(p + 24), lt_crc32c(0, p, 28 + lt_get_le32(p + 24)));
    r = lt_tape_reader_open_mem(p, len, &err);
    assert_non_null(r);
    assert_int_equal(lt_tape_reader_info(r)->version_minor, 7);
    lt_tape_reader_free(r);
    /* Not a tape at all. */
    assert_null(lt_tape_reader_open_mem((const uint8_t *)"{\"ts_ns\":1}\n", 12, &err));
    assert_string_equal(err.msg, "'(memory)' is not a loadtape tape (bad magic at offset 0)");
    free(p);
    recset_free(&s);
}

/*
 * The reader's memory stays within about two blocks whatever the tape's
 * size: the same bound holds for a tape of 5 blocks and one of 200.
 */
static void test_bounded_memory(void **state)
{
    struct lt_tape_writer_opts o = {.block_bytes = 32 * 1024};
    struct lt_err err = {0};
    struct recset s;
    char *path;

    (void)state;
    recset_make(&s, 20000, 6, 0, SIZE_MAX);
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass ? s.n : 500, len, maxraw = 0, maxsize = 0;
        uint8_t *p = write_tape(&s, n, &o, 1, &len);
        struct lt_tape_reader *r;
        FILE *f;

        path = tmp_path();
        f = fopen(path, "wb");
        fwrite(p, 1, len, f);
        fclose(f);
        r = lt_tape_reader_open(path, &err);
        assert_non_null(r);
        if (pass)
            assert_true(lt_tape_reader_nblocks(r) >= 50);
        for (size_t i = 0; i < lt_tape_reader_nblocks(r); i++) {
            const struct lt_block_info *b = lt_tape_reader_block(r, i);
            maxraw = b->raw_size > maxraw ? b->raw_size : maxraw;
            maxsize = b->size > maxsize ? b->size : maxsize;
        }
        assert_int_equal(read_all(r, &s, 0), n);
        /* Buffers: one raw block, one compressed block (or the index); plus
         * small dictionaries and a header array. */
        if (lt_tape_reader_memory(r) >
            maxraw + maxsize + lt_tape_reader_nblocks(r) * 48 + 4096 + 64 * 1024)
            fail_msg("reader holds %zu bytes for blocks of %zu", lt_tape_reader_memory(r), maxraw);
        assert_true(len > 10 * lt_tape_reader_memory(r) || !pass);
        lt_tape_reader_free(r);
        unlink(path);
        free(p);
    }
    recset_free(&s);
}

static void add(struct lt_tape_stats *st, uint64_t ts, uint64_t session, const char *method,
                const char *url, size_t body, int status, uint32_t flags)
{
    static uint8_t zeros[4096];
    struct lt_record r = {.ts_ns = ts, .session = session, .flags = flags};

    r.method = (struct lt_bytes){(const uint8_t *)method, strlen(method)};
    r.url = (struct lt_bytes){(const uint8_t *)url, strlen(url)};
    r.body = (struct lt_bytes){zeros, body};
    r.has_response = status > 0;
    r.status = (uint16_t)(status > 0 ? status : 0);
    lt_tape_stats_add(st, &r);
}

static void test_stats_exact(void **state)
{
    struct lt_tape_stats *st = lt_tape_stats_new();
    cJSON *j;
    char *text;

    (void)state;
    add(st, 100000000, 1, "POST", "/collect/web?x=1", 10, 202, 0);
    add(st, 500000000, 2, "POST", "/collect/web", 20, 202, LT_RF_REDACTED);
    add(st, 1200000000, 1, "GET", "/health", 0, 0, 0);
    add(st, 1300000000, 3, "POST", "/collect/ios/batch", 2000, 503,
        LT_RF_TRUNCATED | LT_RF_REDACTED);
    add(st, 1900000000, 2, "POST", "/collect/web", 30, 202, 0);
    j = lt_tape_stats_json(st);
    text = cJSON_PrintUnformatted(j);
    assert_string_equal(
        text, "{\"records\":5,\"first_ts_ns\":100000000,\"last_ts_ns\":1900000000,\"peak_rps\":3,"
              "\"peak_second\":1,\"sessions\":3,\"sessions_exact\":true,"
              "\"methods\":{\"POST\":4,\"GET\":1},"
              "\"top_urls\":[[\"/collect/web\",3],[\"/collect/ios/batch\",1],[\"/health\",1]],"
              "\"top_streams\":[[\"web\",3],[\"ios\",1]],"
              "\"body_bytes\":{\"total\":2060,\"min\":0,\"p50\":20,\"p90\":2000,\"p99\":2000,"
              "\"max\":2000},"
              "\"flags\":{\"truncated\":1,\"redacted\":2},\"with_response\":4,"
              "\"status\":{\"202\":3,\"503\":1}}");
    free(text);
    cJSON_Delete(j);
    lt_tape_stats_free(st);
}

/* Past the exact cap, sessions are estimated within a few percent; top URLs
 * stay right for the heavy hitters among many distinct ones. */
static void test_stats_bounded(void **state)
{
    struct lt_tape_stats *st = lt_tape_stats_new();
    char url[64];
    cJSON *j, *top;
    double est;

    (void)state;
    for (uint64_t i = 0; i < 400000; i++) {
        if (i % 4 == 0)
            snprintf(url, sizeof(url), "/collect/hot");
        else
            snprintf(url, sizeof(url), "/cold/%llu", (unsigned long long)i);
        add(st, i * 1000, i * 7919 + 1, "POST", url, i % 5000, 202, 0);
    }
    j = lt_tape_stats_json(st);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "sessions_exact")));
    est = cJSON_GetObjectItem(j, "sessions")->valuedouble;
    assert_true(est > 400000 * 0.95 && est < 400000 * 1.05);
    top = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "top_urls"), 0);
    assert_string_equal(cJSON_GetArrayItem(top, 0)->valuestring, "/collect/hot");
    assert_true(cJSON_GetArrayItem(top, 1)->valuedouble >= 100000);
    assert_int_equal(cJSON_GetObjectItem(j, "peak_rps")->valuedouble, 400000);
    /* p50 of 0..4999 (uniform) is 2499, within 1%. */
    est = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "body_bytes"), "p50")->valuedouble;
    assert_true(est >= 2499 * 0.99 && est <= 2499 * 1.01);
    cJSON_Delete(j);
    lt_tape_stats_free(st);
}

/*
 * A writer killed with SIGKILL while writing: every complete block is read
 * back exactly, with the "not closed" warning.
 */
static void test_killed_writer(void **state)
{
    struct lt_tape_writer_opts o = {.block_records = 64};
    struct timespec nap = {0, 200 * 1000 * 1000};
    struct lt_err err = {0};
    struct lt_record rec;
    struct recset s;
    char path[64];
    size_t n = 0;
    pid_t pid;
    int rc, status;
    struct lt_tape_reader *r;

    (void)state;
    recset_make(&s, 500, 9, 0, SIZE_MAX);
    snprintf(path, sizeof(path), "%s", tmp_path());
    unlink(path); /* a new tape: under its name from the first record */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct lt_tape_writer *w = lt_tape_writer_open(path, &o, &err);
        for (size_t i = 0; w && i < 5000000; i++) {
            struct lt_record x = s.rb[i % s.n].rec;
            x.ts_ns = i * 1000;
            x.session = i;
            if (lt_tape_writer_append(w, &x, &err))
                break;
        }
        _exit(0); /* the tape is never closed */
    }
    nanosleep(&nap, NULL);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    r = lt_tape_reader_open(path, &err);
    assert_non_null(r);
    assert_int_equal(lt_tape_reader_info(r)->closed, 0);
    assert_non_null(strstr(lt_tape_reader_warning(r), "was not closed: recovered"));
    while ((rc = lt_tape_reader_next(r, &rec, &err)) == 1) {
        struct lt_record want = s.rb[n % s.n].rec;
        want.ts_ns = n * 1000;
        want.session = n;
        if (!rec_equal(&rec, &want))
            fail_msg("record %zu differs", n);
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, lt_tape_reader_info(r)->nrecords);
    assert_true(n > 0 && n % 64 == 0);
    lt_tape_reader_free(r);
    unlink(path);
    recset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_file),
        cmocka_unit_test(test_roundtrip_mem_levels),
        cmocka_unit_test(test_empty_tape),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_writer_refuses),
        cmocka_unit_test(test_writer_no_empty_file),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_bounded_memory),
        cmocka_unit_test(test_stats_exact),
        cmocka_unit_test(test_stats_bounded),
        cmocka_unit_test(test_killed_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
