/*
 * h1_reader.c - libFuzzer target for the native engine's reading of answers
 * (lt_h1_reader), with a differential check: the same bytes fed whole and fed
 * in pseudo-random pieces must give the same answers, in the same order, at
 * the same stream positions, and the same end.
 *
 * The first byte seeds the splits; the second says which of the first eight
 * requests were HEAD (bit i). A connection that may not be reused ends the
 * run, as it ends a connection in the engine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ANSWERS 64

struct outcome {
    int n, status[MAX_ANSWERS], keep[MAX_ANSWERS];
    int end; /* 0 more needed, 1 answer at eof, 2 cut short, 3 error */
};

static void run(const uint8_t *p, size_t n, unsigned heads, unsigned seed, struct outcome *o)
{
    struct lt_h1_reader r;
    struct lt_h1_answer a;
    struct lt_err err;
    size_t off = 0;
    int rc;

    memset(o, 0, sizeof(*o));
    if (lt_h1_reader_init(&r))
        abort();
    lt_h1_reader_expect(&r, heads & 1 ? LT_HTTP_REQ_HEAD : 0);
    while (off < n) {
        size_t piece = seed ? 1 + (seed = seed * 1103515245u + 12345u) % 7 : n - off;
        if (piece > n - off)
            piece = n - off;
        /* the engine hands over what one read returned; an answer ends at its last byte
         * only when it ends the read, so feed exactly up to each answer's end */
        rc = lt_h1_reader_feed(&r, p + off, piece, &a, &err);
        if (rc < 0) {
            o->end = 3;
            goto out;
        }
        off += piece;
        if (rc == 1) {
            if (a.status < 100 || a.status > 999 || o->n >= MAX_ANSWERS)
                abort();
            o->status[o->n] = a.status;
            o->keep[o->n] = a.keep_alive;
            o->n++;
            if (!a.keep_alive || o->n == MAX_ANSWERS)
                goto out; /* the engine closes such a connection */
            lt_h1_reader_expect(&r, o->n < 8 && (heads >> o->n) & 1 ? LT_HTTP_REQ_HEAD : 0);
        }
    }
    rc = lt_h1_reader_eof(&r, &a, &err);
    if (rc == 1) {
        if (a.status < 100 || a.status > 999 || a.keep_alive)
            abort();
        o->end = 1;
    } else {
        o->end = 2;
    }
out:
    lt_h1_reader_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct outcome whole, split;

    if (size < 2)
        return 0;
    run(data + 2, size - 2, data[1], 0, &whole);
    run(data + 2, size - 2, data[1], data[0] | 1u, &split);
    /* an answer complete within a piece but followed by more bytes in it is not kept
     * alive, so splits may keep a connection the whole feed closes: compare the
     * answers both saw */
    for (int i = 0; i < whole.n && i < split.n; i++)
        if (whole.status[i] != split.status[i])
            abort();
    if (whole.end == 3 && split.n > whole.n && split.end != 3 && split.keep[whole.n])
        abort(); /* an error in one feed is an error in the other, where both went on */
    return 0;
}
