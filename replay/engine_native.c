/*
 * engine_native.c - loadtape's own HTTP/1.1 client for http:// targets.
 *
 * A fixed set of connection slots (the run's share of -c) on the run's
 * epoll loop. A request goes out as its serialised bytes (struct
 * lt_request.wire, built on the reader thread) in one send(), on a kept-alive
 * connection when one is idle, else on a new one; the response is framed by
 * formats' lt_http_parser (Content-Length, chunked with trailers,
 * close-delimited, 1xx interim answers, HEAD/204/304), its body counted and
 * dropped. No pipelining: one request per connection at a time.
 *
 * The hot path allocates nothing and arms no timer per request: every
 * request has the same timeout, so requests in flight form a FIFO ordered by
 * deadline, and one timerfd is armed for the oldest, re-armed only when it
 * fires. A connection is watched for input the whole time it is open (idle
 * ones too, to see the server close them), so epoll is touched only when a
 * send does not finish at once or a connection opens or closes.
 *
 * A request sent on a reused connection that the server closed before
 * answering a byte (a keep-alive race) is sent once more on a new
 * connection, as HTTP clients do; its service time keeps the first send.
 */
#include "lt_replay.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define RBUF_SIZE 65536

enum cstate { C_CLOSED, C_CONNECTING, C_IDLE, C_SENDING, C_READING };

struct conn {
    int fd;
    enum cstate st;
    uint32_t watched; /* epoll events registered for fd */
    struct nengine *e;
    struct lt_xfer *x;
    size_t woff;   /* bytes of the request sent */
    int reused;    /* the request went out on a kept-alive connection */
    int retried;   /* already sent once more after an early close */
    uint64_t rcvd; /* bytes of the current response */
    int64_t deadline;
    struct conn *tprev, *tnext; /* in flight, oldest first */
    struct conn *fnext;         /* on the idle or the closed list */
    int reader_ok;              /* rd is initialised */
    struct lt_h1_reader rd;
};

struct nengine {
    struct lt_loop *loop;
    struct lt_engine_conf conf;
    struct lt_engine_events ev;
    struct sockaddr_storage addr;
    socklen_t alen;
    char where[64]; /* "host:port", for messages (cut to fit) */
    struct conn *conns;
    int nconns;
    struct conn *idle, *closed; /* open and unused; without a socket */
    struct conn *warming;       /* opened before the run, still connecting, no request yet */
    struct conn *thead, *ttail;
    int tfd;
    int64_t armed; /* timer deadline, 0: not armed */
    int in_start;  /* inside start(): completions wait for the next turn */
    struct lt_xfer *late, **late_tail;
    uint8_t rbuf[RBUF_SIZE];
};

static void on_conn(void *ctx, int fd, uint32_t events);

/* ---- lists ------------------------------------------------------------------ */

static void fifo_push(struct nengine *e, struct conn *c)
{
    c->tnext = NULL;
    c->tprev = e->ttail;
    if (e->ttail)
        e->ttail->tnext = c;
    else
        e->thead = c;
    e->ttail = c;
}

static void fifo_remove(struct nengine *e, struct conn *c)
{
    if (c->tprev)
        c->tprev->tnext = c->tnext;
    else if (e->thead == c)
        e->thead = c->tnext;
    if (c->tnext)
        c->tnext->tprev = c->tprev;
    else if (e->ttail == c)
        e->ttail = c->tprev;
    c->tprev = c->tnext = NULL;
}

static void arm(struct nengine *e)
{
    struct itimerspec its;

    if (!e->thead || e->armed)
        return;
    memset(&its, 0, sizeof(its));
    e->armed = e->thead->deadline;
    its.it_value.tv_sec = e->armed / 1000000000;
    its.it_value.tv_nsec = e->armed % 1000000000;
    timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- connections -------------------------------------------------------------- */

static int watch(struct conn *c, uint32_t ev)
{
    if (c->watched == ev)
        return 0;
    c->watched = ev;
    return lt_loop_watch(c->e->loop, c->fd, ev, on_conn, c);
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0) {
        lt_loop_watch(c->e->loop, c->fd, 0, NULL, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->watched = 0;
    c->st = C_CLOSED;
}

/* The slot goes to the idle list (open) or the closed list. */
static void conn_park(struct conn *c)
{
    struct nengine *e = c->e;

    c->x = NULL;
    if (c->fd >= 0) {
        c->st = C_IDLE;
        c->fnext = e->idle;
        e->idle = c;
    } else {
        c->st = C_CLOSED;
        c->fnext = e->closed;
        e->closed = c;
    }
}

static void deliver_late(void *ctx, int fd, uint32_t events)
{
    struct nengine *e = ctx;

    (void)fd;
    (void)events;
    while (e->late) {
        struct lt_xfer *x = e->late;
        e->late = x->next;
        if (!e->late)
            e->late_tail = &e->late;
        e->ev.done(e->ev.ctx, x);
    }
}

/* Ends the request in flight on c: accounted through the run's done callback. */
static void conn_finish(struct conn *c, int status, enum lt_xfer_err err, const char *msg, int keep)
{
    struct nengine *e = c->e;
    struct lt_xfer *x = c->x;

    x->d_ns = lt_mono_ns();
    x->status = err ? 0 : status;
    x->err = err;
    if (err)
        snprintf(x->errmsg, sizeof(x->errmsg), "%.127s", msg);
    x->bytes_sent = x->req.wire.len;
    x->bytes_received = c->rcvd;
    fifo_remove(e, c);
    if (!keep)
        conn_close(c);
    conn_park(c);
    if (e->in_start) {
        /* failed at once (a refused connect): told on the loop's next turn, so a
         * queue of requests to a dead target cannot recurse through start() */
        x->next = NULL;
        *e->late_tail = x;
        e->late_tail = &x->next;
        lt_loop_defer(e->loop, deliver_late, e);
        return;
    }
    /* last: the callback may start the next request, on this very slot */
    e->ev.done(e->ev.ctx, x);
}

static void fail_errno(struct conn *c, enum lt_xfer_err cls, const char *what, int errnum)
{
    char msg[128];

    snprintf(msg, sizeof(msg), "%.30s %.63s: %.30s", what, c->e->where, strerror(errnum));
    conn_finish(c, 0, cls, msg, 0);
}

static int conn_open(struct conn *c);
static void conn_send(struct conn *c);

/*
 * The connection ended before a whole response. A kept-alive connection
 * closed by the server before a byte of the answer gets the request once
 * more on a new connection; anything else is a reset.
 */
static void early_close(struct conn *c, int errnum)
{
    if (c->reused && !c->retried && c->rcvd == 0) {
        conn_close(c);
        c->retried = 1;
        c->reused = 0;
        c->woff = 0; /* the whole request again, on the new connection */
        if (conn_open(c) == 0)
            return;
        fail_errno(c, LT_XERR_CONNECT, "connect to", errno);
        return;
    }
    if (errnum)
        fail_errno(c, LT_XERR_RESET, "connection to", errnum);
    else
        conn_finish(c, 0, LT_XERR_RESET,
                    c->rcvd ? "the connection closed inside the response"
                            : "the connection closed before the response",
                    0);
}

static int conn_open(struct conn *c)
{
    struct nengine *e = c->e;
    int one = 1, fd;

    fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    c->watched = 0;
    /* a new connection, a new reader: nothing of the old stream carries over */
    if (c->reader_ok)
        lt_h1_reader_release(&c->rd);
    c->reader_ok = 0;
    if (lt_h1_reader_init(&c->rd)) {
        conn_close(c);
        errno = ENOMEM;
        return -1;
    }
    c->reader_ok = 1;
    if (connect(fd, (const struct sockaddr *)&e->addr, e->alen) == 0) {
        if (watch(c, EPOLLIN)) {
            conn_close(c);
            return -1;
        }
        if (c->x)
            conn_send(c);
        else
            conn_park(c); /* opened ahead of the run: idle */
        return 0;
    }
    if (errno != EINPROGRESS) {
        int en = errno;
        conn_close(c);
        errno = en;
        return -1;
    }
    c->st = C_CONNECTING;
    if (watch(c, EPOLLOUT)) {
        conn_close(c);
        return -1;
    }
    if (!c->x) {
        c->fnext = e->warming;
        e->warming = c;
    }
    return 0;
}

/*
 * Opens every connection before the run starts, as a client population already
 * connected would be: the first requests then do not pay for connects (which
 * would show as the client's own lag). One that fails is simply opened again
 * when a request needs it, and fails then as it should.
 */
static void preconnect(struct nengine *e)
{
    while (e->closed) {
        struct conn *c = e->closed;
        e->closed = c->fnext;
        c->fnext = NULL;
        c->x = NULL;
        if (conn_open(c) != 0) {
            c->fnext = e->closed; /* the target is not there yet: leave the rest closed */
            e->closed = c;
            return;
        }
    }
}

/* Sends what is left of the request; waits for the socket when it is full. */
static void conn_send(struct conn *c)
{
    const struct lt_bytes *w = &c->x->req.wire;
    ssize_t n;

    if (c->woff == 0) {
        c->x->a_ns = c->x->a_ns ? c->x->a_ns : lt_mono_ns();
        lt_h1_reader_expect(&c->rd, c->x->req.req_bits);
    }
    c->st = C_SENDING;
    while (c->woff < w->len) {
        n = send(c->fd, w->p + c->woff, w->len - c->woff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (watch(c, EPOLLIN | EPOLLOUT))
                    fail_errno(c, LT_XERR_OTHER, "cannot watch the connection to", errno);
                return;
            }
            early_close(c, errno);
            return;
        }
        c->woff += (size_t)n;
    }
    c->st = C_READING;
    if (watch(c, EPOLLIN))
        fail_errno(c, LT_XERR_OTHER, "cannot watch the connection to", errno);
}

/* Feeds received bytes to the reader; finishes the request on its final answer. */
static void conn_feed(struct conn *c, const uint8_t *p, size_t n)
{
    struct lt_h1_answer a;
    struct lt_err err;
    int rc;

    c->rcvd += n;
    rc = lt_h1_reader_feed(&c->rd, p, n, &a, &err);
    if (rc < 0) {
        char msg[128];
        snprintf(msg, sizeof(msg), "bad response from %.40s: %.60s", c->e->where, err.msg);
        conn_finish(c, 0, LT_XERR_OTHER, msg, 0);
    } else if (rc == 1) {
        /* an answer before the whole request went out: the connection is not reused */
        conn_finish(c, a.status, LT_XERR_NONE, "", a.keep_alive && c->woff == c->x->req.wire.len);
    }
}

static void conn_eof(struct conn *c)
{
    struct lt_h1_answer a;
    struct lt_err err;

    if (lt_h1_reader_eof(&c->rd, &a, &err) == 1) {
        conn_finish(c, a.status, LT_XERR_NONE, "", 0);
        return;
    }
    early_close(c, 0);
}

static void conn_read(struct conn *c)
{
    uint8_t *buf = c->e->rbuf;

    for (;;) {
        ssize_t n = recv(c->fd, buf, RBUF_SIZE, 0);
        if (n > 0) {
            conn_feed(c, buf, (size_t)n);
            /* a short read drained the socket; a finished request leaves the slot */
            if (c->st != C_READING && c->st != C_SENDING)
                return;
            if ((size_t)n < RBUF_SIZE)
                return;
            continue;
        }
        if (n == 0) {
            conn_eof(c);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            early_close(c, errno);
        return;
    }
}

/* Takes c off a free list (short lists: a scan). */
static void unlist(struct conn **head, struct conn *c)
{
    struct conn **pp = head;

    while (*pp && *pp != c)
        pp = &(*pp)->fnext;
    if (*pp)
        *pp = c->fnext;
    c->fnext = NULL;
}

/* An idle connection became readable: the server closed it (or talks out of turn). */
static void idle_event(struct conn *c)
{
    struct nengine *e = c->e;

    unlist(&e->idle, c);
    conn_close(c);
    c->fnext = e->closed;
    e->closed = c;
}

static void on_conn(void *ctx, int fd, uint32_t events)
{
    struct conn *c = ctx;

    (void)fd;
    switch (c->st) {
    case C_CONNECTING: {
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            soerr = errno;
        if (!soerr && !(events & EPOLLOUT) && !(events & (EPOLLERR | EPOLLHUP)))
            return;
        if (!c->x) {
            /* opened ahead of the run: ready for its first request, or not to be had */
            unlist(&c->e->warming, c);
            if (soerr || watch(c, EPOLLIN))
                conn_close(c);
            conn_park(c);
            return;
        }
        if (soerr) {
            fail_errno(c, LT_XERR_CONNECT, "connect to", soerr);
            return;
        }
        if (watch(c, EPOLLIN)) {
            fail_errno(c, LT_XERR_OTHER, "cannot watch the connection to", errno);
            return;
        }
        conn_send(c);
        return;
    }
    case C_SENDING:
        if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            conn_read(c);
            if (c->st != C_SENDING)
                return;
        }
        if (events & EPOLLOUT)
            conn_send(c);
        return;
    case C_READING:
        conn_read(c);
        return;
    case C_IDLE:
        idle_event(c);
        return;
    case C_CLOSED:
        return;
    }
}

/* ---- timeouts ------------------------------------------------------------------ */

static void on_timer(void *ctx, int fd, uint32_t events)
{
    struct nengine *e = ctx;
    int64_t now = lt_mono_ns();
    char msg[128];

    (void)fd;
    (void)events;
    /* edge-triggered, not read: re-arming resets it */
    e->armed = 0;
    while (e->thead && e->thead->deadline <= now) {
        struct conn *c = e->thead;
        snprintf(msg, sizeof(msg), "no complete response from %.63s within the timeout", e->where);
        conn_finish(c, 0, LT_XERR_TIMEOUT, msg, 0);
    }
    arm(e);
}

/* ---- the engine ------------------------------------------------------------------ */

static int resolve(struct nengine *e, const struct lt_target *t, struct lt_err *err)
{
    struct addrinfo hints, *res = NULL;
    char port[8];
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    snprintf(port, sizeof(port), "%u", (unsigned)t->port);
    rc = getaddrinfo(t->hostname, port, &hints, &res);
    if (rc != 0 || !res)
        return lt_error(err, LT_E_NET, "cannot resolve '%s': %s", t->hostname, gai_strerror(rc));
    memcpy(&e->addr, res->ai_addr, res->ai_addrlen);
    e->alen = res->ai_addrlen;
    freeaddrinfo(res);
    snprintf(e->where, sizeof(e->where), "%.63s", t->host);
    return 0;
}

static void destroy(void *ep);

static void *create(struct lt_loop *loop, const struct lt_engine_conf *c,
                    const struct lt_engine_events *ev, struct lt_err *err)
{
    struct nengine *e;

    if (!c->target || c->target->https) {
        lt_error(err, LT_E_USAGE, "the native engine speaks http:// only (use --engine curl)");
        return NULL;
    }
    e = calloc(1, sizeof(*e));
    if (!e) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    e->loop = loop;
    e->conf = *c;
    e->ev = *ev;
    e->tfd = -1;
    e->late_tail = &e->late;
    e->nconns = c->conns > 0 ? c->conns : 1;
    if (resolve(e, c->target, err))
        goto fail;
    e->conns = calloc((size_t)e->nconns, sizeof(*e->conns));
    e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (!e->conns || e->tfd < 0) {
        lt_error(err, LT_E_NOMEM, "cannot set up the native engine");
        goto fail;
    }
    for (int i = e->nconns - 1; i >= 0; i--) {
        struct conn *k = &e->conns[i];
        k->fd = -1;
        k->e = e;
        k->st = C_CLOSED;
        k->fnext = e->closed;
        e->closed = k;
    }
    if (lt_loop_watch(loop, e->tfd, EPOLLIN | EPOLLET, on_timer, e)) {
        lt_error(err, LT_E_INTERNAL, "cannot watch the engine's timer");
        goto fail;
    }
    preconnect(e);
    return e;
fail:
    destroy(e);
    return NULL;
}

static size_t abort_all(void *ep)
{
    struct nengine *e = ep;
    size_t n = 0;

    deliver_late(e, -1, 0); /* failed ones are failures, not abandoned */
    while (e->thead) {
        struct conn *c = e->thead;
        struct lt_xfer *x = c->x;
        fifo_remove(e, c);
        conn_close(c);
        conn_park(c);
        n++;
        if (e->ev.aborted)
            e->ev.aborted(e->ev.ctx, x);
    }
    return n;
}

static void destroy(void *ep)
{
    struct nengine *e = ep;

    if (!e)
        return;
    if (e->conns) {
        abort_all(e);
        for (int i = 0; i < e->nconns; i++) {
            conn_close(&e->conns[i]);
            if (e->conns[i].reader_ok)
                lt_h1_reader_release(&e->conns[i].rd);
        }
    }
    if (e->tfd >= 0) {
        lt_loop_watch(e->loop, e->tfd, 0, NULL, NULL);
        close(e->tfd);
    }
    free(e->conns);
    free(e);
}

static int start(void *ep, struct lt_xfer *x, struct lt_err *err)
{
    struct nengine *e = ep;
    struct conn *c;

    if (x->req.wire.len == 0)
        return lt_error(err, LT_E_INTERNAL, "engine: a request without its wire form");
    if (e->idle) {
        c = e->idle;
        e->idle = c->fnext;
        c->reused = 1; /* kept alive, or opened ahead: the server may have closed it meanwhile */
    } else if (e->warming) {
        /* still connecting: the request goes out when the connection is up */
        c = e->warming;
        e->warming = c->fnext;
        c->reused = 0;
    } else if (e->closed) {
        c = e->closed;
        e->closed = c->fnext;
        c->reused = 0;
    } else {
        return lt_error(err, LT_E_INTERNAL, "engine: more transfers than connections");
    }
    c->fnext = NULL;
    c->x = x;
    c->woff = 0;
    c->rcvd = 0;
    c->retried = 0;
    x->engine_data = c;
    x->a_ns = 0;
    c->deadline = lt_mono_ns() + (e->conf.timeout_ns > 0 ? e->conf.timeout_ns : INT64_MAX / 4);
    fifo_push(e, c);
    arm(e);
    e->in_start++;
    /* a connection still opening sends it from on_conn once it is up */
    if (c->st != C_CONNECTING && c->fd >= 0)
        conn_send(c);
    else if (c->st != C_CONNECTING && conn_open(c) != 0)
        fail_errno(c, LT_XERR_CONNECT, "connect to", errno);
    e->in_start--;
    return 0;
}

const struct lt_engine_ops lt_engine_native = {
    .name = "native",
    .wants_wire = 1,
    .create = create,
    .destroy = destroy,
    .start = start,
    .abort_all = abort_all,
};
