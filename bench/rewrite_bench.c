/*
 * rewrite_bench.c - records per second through replay's reader with and
 * without rewrite rules: each record is read from the tape, rewritten (or
 * not), built into a request and serialised, as the reader thread does before
 * a request is handed to a worker. Used by bench/rewrite.sh.
 *
 *   rewrite_bench TAPE [ROUNDS]
 *
 * Each round times a pass without rules and a pass with three (a path regex
 * with a group, a query parameter set, a JSON field set), in turn, and prints
 * one line of key=value pairs; then each rule alone (the median of as many
 * passes, its cost against the median pass without rules), and the medians. Timings are CPU
 * time of this single-threaded process (the machine may be shared).
 */
#include "lt_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One pass over the tape; returns records per CPU second, or -1. */
static double pass(const char *path, struct lt_rewrite *rw, const struct lt_request_opts *ro,
                   uint64_t *nrec, uint64_t *bytes)
{
    struct lt_err err;
    struct lt_tape_reader *rd = lt_tape_reader_open(path, &err);
    struct lt_request rq;
    struct lt_record rec, out;
    uint64_t n = 0, b = 0, ctr = 0;
    int64_t t0;
    int rc;

    if (!rd) {
        fprintf(stderr, "rewrite_bench: %s\n", err.msg);
        return -1;
    }
    lt_request_init(&rq);
    t0 = cpu_ns();
    while ((rc = lt_tape_reader_next(rd, &rec, &err)) == 1) {
        if (lt_rewrite_apply(rw, &rec, &out, &err) ||
            lt_request_build(&rq, &out, ro, 1, &ctr, &err)) {
            rc = -1;
            break;
        }
        b += rq.wire.len;
        n++;
    }
    t0 = cpu_ns() - t0;
    lt_request_release(&rq);
    lt_tape_reader_free(rd);
    if (rc < 0) {
        fprintf(stderr, "rewrite_bench: %s\n", err.msg);
        return -1;
    }
    *nrec = n;
    *bytes = b;
    return (double)n * 1e9 / (double)(t0 > 0 ? t0 : 1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const char *const rules[][2] = {
        {"rewrite-path", "^/collect/(.*)$=>/v2/collect/\\1"},
        {"set-query", "source=replay"},
        {"set-field", "context.library.name=loadtape"},
    };
    static const enum lt_rule_kind kinds[] = {LT_RULE_REWRITE_PATH, LT_RULE_SET_QUERY,
                                              LT_RULE_SET_FIELD};
    struct lt_target target;
    struct lt_request_opts ro;
    struct lt_rewrite *rw;
    struct lt_err err;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    double none[64], with[64], ratio[64];
    uint64_t n = 0, b0 = 0, b1 = 0;

    if (argc < 2 || rounds < 1 || rounds > 64) {
        fprintf(stderr, "usage: rewrite_bench TAPE [ROUNDS (1-64)]\n");
        return 2;
    }
    if (lt_target_parse(&target, "http://127.0.0.1:8080", &err))
        return 1;
    memset(&ro, 0, sizeof(ro));
    ro.target = &target;
    ro.want_wire = 1;
    rw = lt_rewrite_new();
    for (size_t i = 0; rw && i < 3; i++)
        if (lt_rewrite_add(rw, kinds[i], rules[i][1], &err)) {
            fprintf(stderr, "rewrite_bench: --%s: %s\n", rules[i][0], err.msg);
            return 1;
        }
    for (int r = 0; r < rounds; r++) {
        none[r] = pass(argv[1], NULL, &ro, &n, &b0);
        with[r] = pass(argv[1], rw, &ro, &n, &b1);
        if (none[r] < 0 || with[r] < 0)
            return 1;
        ratio[r] = with[r] / none[r];
        printf("round=%d records=%llu none_rps=%.0f rules3_rps=%.0f ratio=%.3f\n", r + 1,
               (unsigned long long)n, none[r], with[r], ratio[r]);
    }
    for (size_t i = 0; i < 3; i++) {
        struct lt_rule_stat st;
        lt_rewrite_stat(rw, i, &st);
        printf("rule=%zu option=%s matched=%llu added=%llu\n", i + 1, st.option,
               (unsigned long long)st.matched, (unsigned long long)st.added);
    }
    qsort(none, (size_t)rounds, sizeof(double), cmp_d);
    qsort(with, (size_t)rounds, sizeof(double), cmp_d);
    qsort(ratio, (size_t)rounds, sizeof(double), cmp_d);
    /* each rule alone: where the time goes */
    for (size_t i = 0; i < 3; i++) {
        struct lt_rewrite *one = lt_rewrite_new();
        double rps[64];
        uint64_t b;
        if (!one || lt_rewrite_add(one, kinds[i], rules[i][1], &err))
            return 1;
        for (int r = 0; r < rounds; r++)
            if ((rps[r] = pass(argv[1], one, &ro, &n, &b)) < 0)
                return 1;
        qsort(rps, (size_t)rounds, sizeof(double), cmp_d);
        printf("alone=--%s rps=%.0f ns_per_record=%.0f\n", rules[i][0], rps[rounds / 2],
               1e9 / rps[rounds / 2] - 1e9 / none[rounds / 2]);
        lt_rewrite_free(one);
    }
    printf("median records=%llu none_rps=%.0f rules3_rps=%.0f ratio=%.3f "
           "rules_ns_per_record=%.0f wire_bytes_none=%llu wire_bytes_rules=%llu\n",
           (unsigned long long)n, none[rounds / 2], with[rounds / 2], ratio[rounds / 2],
           1e9 / with[rounds / 2] - 1e9 / none[rounds / 2], (unsigned long long)b0,
           (unsigned long long)b1);
    lt_rewrite_free(rw);
    return 0;
}
