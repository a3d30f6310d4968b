/*
 * hist.c - a log-linear histogram after HdrHistogram's design, written from
 * scratch: values in ns, 2048 sub-buckets per power of two (3 significant
 * digits), 32 buckets reaching past one hour. Bucket 0 holds 0..2047 at 1 ns
 * resolution; bucket b >= 1 holds [1024 << b, 2048 << b) in 1024 slots of
 * width 1 << b. Recording is a shift and an add; merging adds counts.
 */
#include "lt_replay.h"

#include <stdlib.h>
#include <string.h>

#define HALF (LT_HIST_SUB_BUCKETS / 2)
#define HALF_MAG 10 /* log2(HALF) */
#define TOP_VALUE (((uint64_t)LT_HIST_SUB_BUCKETS << (LT_HIST_BUCKETS - 1)) - 1)

int lt_hist_init(struct lt_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->counts = calloc(LT_HIST_COUNTS, sizeof(*h->counts));
    if (!h->counts)
        return LT_E_NOMEM;
    h->min = UINT64_MAX;
    return 0;
}

void lt_hist_release(struct lt_hist *h)
{
    if (!h)
        return;
    free(h->counts);
    h->counts = NULL;
}

void lt_hist_reset(struct lt_hist *h)
{
    memset(h->counts, 0, LT_HIST_COUNTS * sizeof(*h->counts));
    h->count = h->sum = h->max = 0;
    h->min = UINT64_MAX;
}

uint32_t lt_hist_index(uint64_t v)
{
    int bucket;
    uint64_t sub;

    if (v > TOP_VALUE)
        v = TOP_VALUE;
    /* position of the highest bit of v, at least that of 2047 */
    bucket = 64 - __builtin_clzll(v | (LT_HIST_SUB_BUCKETS - 1)) - (HALF_MAG + 1);
    sub = v >> bucket;
    return (uint32_t)(((uint64_t)(bucket + 1) << HALF_MAG) + (sub - HALF));
}

uint64_t lt_hist_lowest(uint32_t index)
{
    int bucket = (int)(index >> HALF_MAG) - 1;
    uint64_t sub = (index & (HALF - 1)) + HALF;

    if (bucket < 0) {
        sub -= HALF;
        bucket = 0;
    }
    return sub << bucket;
}

uint64_t lt_hist_highest(uint32_t index)
{
    int bucket = (int)(index >> HALF_MAG) - 1;

    if (bucket < 0)
        bucket = 0;
    return lt_hist_lowest(index) + ((uint64_t)1 << bucket) - 1;
}

void lt_hist_record(struct lt_hist *h, int64_t ns)
{
    uint64_t v = ns < 0 ? 0 : (uint64_t)ns;

    h->counts[lt_hist_index(v)]++;
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

void lt_hist_merge(struct lt_hist *h, const struct lt_hist *o)
{
    if (!o->count)
        return;
    /* only where o has counts: pages of h nothing fell into stay untouched */
    for (uint32_t i = 0; i < LT_HIST_COUNTS; i++)
        if (o->counts[i])
            h->counts[i] += o->counts[i];
    h->count += o->count;
    h->sum += o->sum;
    if (o->min < h->min)
        h->min = o->min;
    if (o->max > h->max)
        h->max = o->max;
}

uint64_t lt_hist_percentile(const struct lt_hist *h, double p)
{
    uint64_t want, seen = 0;

    if (!h->count)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    /* the smallest value with at least p% of the counts at or below it */
    {
        double exact = (p / 100.0) * (double)h->count;
        want = (uint64_t)exact;
        if ((double)want < exact - 1e-9) /* ceil, tolerant of 0.99 * 1000 */
            want++;
    }
    if (want < 1)
        want = 1;
    if (want > h->count)
        want = h->count;
    for (uint32_t i = 0; i < LT_HIST_COUNTS; i++) {
        seen += h->counts[i];
        if (seen >= want) {
            uint64_t v = lt_hist_highest(i);
            if (v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return v;
        }
    }
    return h->max;
}

double lt_hist_mean(const struct lt_hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

void lt_hist_export(const struct lt_hist *h, struct lt_results_hist *out,
                    struct lt_results_bin *bins)
{
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    out->sub_buckets = LT_HIST_SUB_BUCKETS;
    out->nindex = LT_HIST_COUNTS;
    out->unit_ns = 1;
    out->count = h->count;
    out->min = h->count ? h->min : 0;
    out->max = h->max;
    out->sum = h->sum;
    if (h->count)
        for (uint32_t i = 0; i < LT_HIST_COUNTS; i++)
            if (h->counts[i]) {
                bins[n].index = i;
                bins[n].count = h->counts[i];
                n++;
            }
    out->bins = bins;
    out->nbins = n;
}

int lt_hist_import(struct lt_hist *h, const struct lt_results_hist *in, struct lt_err *err)
{
    if (in->sub_buckets != LT_HIST_SUB_BUCKETS || in->nindex != LT_HIST_COUNTS || in->unit_ns != 1)
        return lt_error(
            err, LT_E_FORMAT, "histogram layout %u/%u/%uns is not this build's (%u/%u/1ns)",
            in->sub_buckets, in->nindex, in->unit_ns, LT_HIST_SUB_BUCKETS, LT_HIST_COUNTS);
    if (!in->count)
        return 0;
    for (size_t i = 0; i < in->nbins; i++)
        h->counts[in->bins[i].index] += in->bins[i].count;
    h->count += in->count;
    h->sum += in->sum;
    if (in->min < h->min)
        h->min = in->min;
    if (in->max > h->max)
        h->max = in->max;
    return 0;
}

uint64_t lt_hist_count_above(const struct lt_hist *h, uint64_t ns)
{
    uint64_t n = 0;

    if (!h->count || h->max <= ns)
        return 0;
    /* whole buckets past the one holding ns: their every value is above it */
    for (uint32_t i = lt_hist_index(ns) + 1; i < LT_HIST_COUNTS; i++)
        n += h->counts[i];
    return n;
}
