/*
 * tape_stream.c - a forward-only byte window on a pipe, for reading a tape
 * from standard input: the reader asks for [off, off+n), which must not start
 * before what it asked for last, and the window holds at most that much
 * (one block, or the index), so memory stays bounded as with a file.
 */
#include "tape_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t tape_stream_fill(struct tape_stream *s, uint64_t off, size_t n, const uint8_t **p)
{
    if (off < s->off) {
        errno = ESPIPE;
        return -1;
    }
    /* drop what lies before off */
    if (off - s->off >= s->len) {
        uint64_t skip = off - s->off - s->len;
        s->off += s->len;
        s->len = 0;
        while (skip > 0 && !s->eof) {
            uint8_t tmp[4096];
            ssize_t k = read(s->fd, tmp, skip < sizeof(tmp) ? (size_t)skip : sizeof(tmp));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                return -1;
            if (k == 0)
                s->eof = 1;
            skip -= (uint64_t)k;
            s->off += (uint64_t)k;
        }
        if (skip)
            return 0;
    } else if (off > s->off) {
        size_t drop = (size_t)(off - s->off);
        memmove(s->buf, s->buf + drop, s->len - drop);
        s->len -= drop;
        s->off = off;
    }
    if (n > s->cap) {
        uint8_t *nb = realloc(s->buf, n);
        if (!nb) {
            errno = ENOMEM;
            return -1;
        }
        s->buf = nb;
        s->cap = n;
    }
    while (s->len < n && !s->eof) {
        ssize_t k = read(s->fd, s->buf + s->len, n - s->len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            s->eof = 1;
        s->len += (size_t)k;
    }
    *p = s->buf;
    return (ssize_t)(s->len < n ? s->len : n);
}

void tape_stream_release(struct tape_stream *s)
{
    free(s->buf);
    s->buf = NULL;
    s->len = s->cap = 0;
}
