/*
 * rec_order.c - records leave in ts order. Every request enters a min-heap
 * (by the time of its first packet, then by arrival) as soon as its first
 * byte is seen, so a record is written only when no earlier request can
 * still appear. The head of the heap goes out when it is complete and
 * answered, or when it has waited the reorder window (packet time) for its
 * response, or when its flow has ended. A request still being received
 * holds the queue until it completes or its flow ends: it is never cut short
 * to keep the window.
 */
#include "cap_internal.h"

#include <stdlib.h>
#include <string.h>

static int before(const struct cap_req *a, const struct cap_req *b)
{
    if (a->ts_ns != b->ts_ns)
        return a->ts_ns < b->ts_ns;
    return a->order < b->order;
}

static void place(struct cap_order *o, size_t i, struct cap_req *r)
{
    o->v[i] = r;
    r->heap_idx = i;
}

static void sift_up(struct cap_order *o, size_t i)
{
    struct cap_req *r = o->v[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(r, o->v[parent]))
            break;
        place(o, i, o->v[parent]);
        i = parent;
    }
    place(o, i, r);
}

static void sift_down(struct cap_order *o, size_t i)
{
    struct cap_req *r = o->v[i];

    for (;;) {
        size_t l = 2 * i + 1, m = i;
        struct cap_req *best = r;
        if (l < o->n && before(o->v[l], best)) {
            m = l;
            best = o->v[l];
        }
        if (l + 1 < o->n && before(o->v[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        place(o, i, o->v[m]);
        i = m;
    }
    place(o, i, r);
}

int cap_order_push(struct cap_order *o, struct cap_req *r)
{
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 1024;
        struct cap_req **v = realloc(o->v, nc * sizeof(*v));
        if (!v)
            return LT_E_NOMEM;
        o->v = v;
        o->cap = nc;
    }
    r->in_heap = 1;
    place(o, o->n++, r);
    sift_up(o, o->n - 1);
    return 0;
}

void cap_order_remove(struct cap_order *o, struct cap_req *r)
{
    size_t i = r->heap_idx;

    if (!r->in_heap || i >= o->n || o->v[i] != r)
        return;
    r->in_heap = 0;
    o->n--;
    if (i == o->n)
        return;
    place(o, i, o->v[o->n]);
    if (i > 0 && before(o->v[i], o->v[(i - 1) / 2]))
        sift_up(o, i);
    else
        sift_down(o, i);
}

void cap_req_put(struct cap_req *r)
{
    if (!r || r->in_heap || r->in_fifo)
        return;
    lt_recbuf_release(&r->rb);
    free(r);
}

void cap_order_release(struct cap_order *o)
{
    for (size_t i = 0; i < o->n; i++) {
        o->v[i]->in_heap = 0;
        cap_req_put(o->v[i]);
    }
    free(o->v);
    memset(o, 0, sizeof(*o));
}

void cap_fail(struct lt_capture *c, int code, const char *what)
{
    if (c->failed)
        return;
    c->failed = code;
    if (code == LT_E_NOMEM)
        lt_error(&c->err, code, "out of memory (%s)", what);
    else
        lt_error(&c->err, code, "%s failed", what);
}

void cap_order_pump(struct lt_capture *c, int force)
{
    struct cap_order *o = &c->order;

    while (o->n && !c->failed) {
        struct cap_req *r = o->v[0];
        int ready = r->state == REQ_DONE;

        if (!ready && r->state == REQ_WAITING)
            ready = force || c->now_ns - r->ts_ns >= c->o.reorder_window_ns;
        if (!ready && force && r->state == REQ_RECEIVING) {
            /* Only at teardown: flows end before a forced pump. */
            cap_order_remove(o, r);
            cap_req_put(r);
            continue;
        }
        if (!ready)
            break;
        cap_order_remove(o, r);
        if (r->has_msg && r->state != REQ_DROPPED) {
            int rc = cap_emit(c, r);
            if (rc && !c->failed) {
                c->failed = rc;
            }
        }
        /* The flow may still hold it to pair a response: keep the struct, drop the bytes. */
        if (r->in_fifo) {
            lt_recbuf_release(&r->rb);
            lt_recbuf_init(&r->rb);
            r->has_msg = 0;
            r->state = REQ_DONE;
        }
        cap_req_put(r);
    }
}
