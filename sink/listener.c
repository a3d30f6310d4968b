/*
 * listener.c - the HTTP/1.x listener under `loadtape sink` and
 * `capture --listen` (lt_sink.h).
 *
 * Each worker owns an epoll loop, a SO_REUSEPORT listening socket, a timerfd
 * and an eventfd (for stopping). Connections are indexed by fd; a
 * generation number travels with every epoll event and timer entry so
 * nothing acts on a connection that was closed and whose fd was reused.
 *
 * Responses leave in request order. A response that may go at once is
 * written straight into the connection's output buffer; one that must wait
 * (a delay, or an earlier response still waiting) joins the connection's
 * queue and the worker's timer heap. Timeouts use the same heap: one "next
 * wake-up" entry per connection, pushed again only when it moves earlier,
 * so the heap stays about as large as the number of connections.
 */
#include "lt_sink.h"
#include "listener_probe.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define RBUF_SIZE (128 * 1024)
/*
 * A client that sends without reading: once a connection's unsent output is
 * over OUT_HIGH, or PQ_HIGH responses wait in its queue, the listener stops
 * parsing its input (what was read is held, at most one read's worth) and
 * stops reading from it until the output drains. So one connection holds at
 * most OUT_HIGH + one response of output, PQ_HIGH waiting responses and
 * RBUF_SIZE of unparsed input (docs/DECISIONS.md).
 */
#define OUT_HIGH LT_LISTENER_OUT_CAP
#define PQ_HIGH LT_LISTENER_QUEUE_CAP
#define LINGER_NS (2 * (int64_t)1000000000)
#define LINGER_BYTES ((size_t)256 << 20)
#define NS_PER_S ((int64_t)1000000000)
#define ACCEPT_PAUSE_NS (100 * (int64_t)1000000)

enum cstate { C_OPEN, C_LINGER };

struct pending {
    int64_t ready_ns;
    uint8_t *bytes;
    size_t len;
    int close;
};

struct conn {
    int fd;
    uint32_t gen;
    uint64_t id;
    enum cstate state;
    struct lt_http_parser parser;
    struct lt_buf out;
    size_t out_off;
    struct lt_buf held; /* input read but not parsed while the output was over its cap */
    size_t held_off;
    struct pending *pq; /* ring */
    size_t pq_head, pq_len, pq_cap;
    int64_t first_byte_ns; /* of the request being read, 0 between requests */
    int64_t activity_ns;
    int64_t linger_until;
    int64_t timer_at; /* earliest heap entry for this connection, 0 when none */
    int want_close;   /* no more requests: close once the queue is out */
    int close_after_out;
    int read_eof;
    uint32_t events;
    size_t linger_bytes;
};

struct tmr {
    int64_t at;
    int fd;
    uint32_t gen;
};

struct worker {
    struct lt_listener *l;
    unsigned idx;
    int epfd, lfd, tfd, efd;
    pthread_t th;
    int started;
    struct conn **conns; /* by fd */
    size_t conns_cap;
    uint32_t gen;
    struct tmr *heap;
    size_t hlen, hcap;
    int64_t armed_at;
    int64_t accept_paused_until; /* out of descriptors: not accepting until then */
    uint8_t *rbuf;
    struct lt_buf scratch;
    time_t date_sec;
    char date[40];
    atomic_uint_fast64_t accepted, open, requests, rejected, timeouts;
    int rc;
    struct lt_err err;
};

struct lt_listener {
    struct lt_listener_opts o;
    struct lt_limits lim;
    char url[96];
    unsigned nworkers;
    struct worker *w;
    atomic_int stop;
    atomic_uint_fast64_t next_conn;
    int64_t stop_at;
};

/* ---- timer heap -------------------------------------------------------------- */

static void sift_down(struct worker *w, size_t i)
{
    struct tmr t = w->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->hlen)
            break;
        if (c + 1 < w->hlen && w->heap[c + 1].at < w->heap[c].at)
            c++;
        if (w->heap[c].at >= t.at)
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    w->heap[i] = t;
}

/*
 * Drops entries of connections that are gone. Entries are not removed when
 * a connection closes (that would need a search), so under connection churn
 * they pile up; this runs when the heap is full and mostly stale.
 */
static void heap_compact(struct worker *w)
{
    size_t k = 0;

    for (size_t i = 0; i < w->hlen; i++) {
        struct tmr t = w->heap[i];
        struct conn *c = (size_t)t.fd < w->conns_cap ? w->conns[t.fd] : NULL;
        if (c && c->gen == t.gen)
            w->heap[k++] = t;
    }
    w->hlen = k;
    for (size_t i = k / 2; i-- > 0;)
        sift_down(w, i);
}

static int heap_push(struct worker *w, int64_t at, int fd, uint32_t gen)
{
    size_t i;

    if (w->hlen == w->hcap && w->hlen > 4 * (size_t)atomic_load(&w->open) + 1024)
        heap_compact(w);
    if (w->hlen == w->hcap) {
        size_t cap = w->hcap ? w->hcap * 2 : 256;
        struct tmr *h = realloc(w->heap, cap * sizeof(*h));
        if (!h)
            return LT_E_NOMEM;
        w->heap = h;
        w->hcap = cap;
    }
    i = w->hlen++;
    while (i > 0 && w->heap[(i - 1) / 2].at > at) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = (struct tmr){at, fd, gen};
    return 0;
}

static struct tmr heap_pop(struct worker *w)
{
    struct tmr top = w->heap[0];

    w->heap[0] = w->heap[--w->hlen];
    if (w->hlen)
        sift_down(w, 0);
    return top;
}

/* ---- connections ------------------------------------------------------------- */

static void conn_close(struct worker *w, struct conn *c)
{
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    w->conns[c->fd] = NULL;
    for (size_t i = 0; i < c->pq_len; i++)
        free(c->pq[(c->pq_head + i) % c->pq_cap].bytes);
    free(c->pq);
    lt_http_parser_release(&c->parser);
    lt_buf_release(&c->out);
    lt_buf_release(&c->held);
    free(c);
    atomic_fetch_sub(&w->open, 1);
}

/* The next time this connection needs attention: a waiting response or a timeout. */
static void conn_schedule(struct worker *w, struct conn *c)
{
    const struct lt_listener_opts *o = &w->l->o;
    int64_t wake;

    if (c->state == C_LINGER)
        wake = c->linger_until;
    else if (c->first_byte_ns)
        wake = c->first_byte_ns + o->request_timeout_ns;
    else
        wake = c->activity_ns + o->idle_timeout_ns;
    if (c->pq_len && c->pq[c->pq_head].ready_ns < wake)
        wake = c->pq[c->pq_head].ready_ns;
    if (c->timer_at == 0 || wake < c->timer_at) {
        if (heap_push(w, wake, c->fd, c->gen) == 0)
            c->timer_at = wake;
    }
}

/* The connection's output is at its cap: parse and read no more until it drains. */
static int over_cap(const struct conn *c)
{
    return c->out.len - c->out_off > OUT_HIGH || c->pq_len > PQ_HIGH;
}

static int has_held(const struct conn *c)
{
    return c->held.len > c->held_off;
}

static void conn_interest(struct worker *w, struct conn *c)
{
    uint32_t want = 0;
    size_t unsent = c->out.len - c->out_off;

    if (c->state == C_LINGER) {
        want = EPOLLIN;
    } else {
        if (!c->read_eof && !c->want_close && unsent <= OUT_HIGH && c->pq_len <= PQ_HIGH &&
            c->held.len == c->held_off)
            want |= EPOLLIN;
        if (unsent)
            want |= EPOLLOUT;
    }
    if (want != c->events) {
        struct epoll_event ev = {.events = want,
                                 .data.u64 = (uint64_t)c->gen << 32 | (uint32_t)c->fd};
        epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
        c->events = want;
    }
}

static int pq_push(struct conn *c, int64_t ready, const uint8_t *p, size_t n, int close)
{
    struct pending e = {ready, malloc(n ? n : 1), n, close};

    if (!e.bytes)
        return LT_E_NOMEM;
    memcpy(e.bytes, p, n);
    if (c->pq_len == c->pq_cap) {
        size_t cap = c->pq_cap ? c->pq_cap * 2 : 8;
        struct pending *q = malloc(cap * sizeof(*q));
        if (!q) {
            free(e.bytes);
            return LT_E_NOMEM;
        }
        for (size_t i = 0; i < c->pq_len; i++)
            q[i] = c->pq[(c->pq_head + i) % c->pq_cap];
        free(c->pq);
        c->pq = q;
        c->pq_cap = cap;
        c->pq_head = 0;
    }
    c->pq[(c->pq_head + c->pq_len) % c->pq_cap] = e;
    c->pq_len++;
    return 0;
}

/* Moves every response whose time has come (in order) into the output buffer. */
static void release_ready(struct conn *c, int64_t now)
{
    while (c->pq_len && c->pq[c->pq_head].ready_ns <= now) {
        struct pending *e = &c->pq[c->pq_head];
        lt_buf_append(&c->out, e->bytes, e->len);
        if (e->close)
            c->close_after_out = 1;
        free(e->bytes);
        c->pq_head = (c->pq_head + 1) % c->pq_cap;
        c->pq_len--;
    }
}

static void begin_linger(struct conn *c, int64_t now)
{
    /*
     * Closing with unread input makes the kernel send a reset, which can
     * destroy the response before the client reads it. Shut down our side,
     * then read and discard for a while (bounded) before closing.
     */
    shutdown(c->fd, SHUT_WR);
    c->state = C_LINGER;
    c->linger_until = now + LINGER_NS;
}

/*
 * Writes what can be written. Returns 0, or -1 when the connection was
 * closed (c is gone).
 */
static void drain_held(struct worker *w, struct conn *c, int64_t now);

static int conn_flush(struct worker *w, struct conn *c, int64_t now)
{
    /* Bounded: each round either parses held input or finds the output at its cap. */
    for (int round = 0; round < 64; round++) {
        release_ready(c, now);
        while (c->out_off < c->out.len) {
            ssize_t n =
                send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
            if (n > 0) {
                c->out_off += (size_t)n;
                c->activity_ns = now;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            conn_close(w, c);
            return -1;
        }
        if (c->out_off == c->out.len) {
            lt_buf_reset(&c->out);
            c->out_off = 0;
        } else if (c->out_off > OUT_HIGH) {
            /* keep the buffer from growing with what was sent long ago */
            memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
            c->out.len -= c->out_off;
            c->out_off = 0;
        }
        if (c->state != C_OPEN || !has_held(c) || over_cap(c))
            break;
        drain_held(w, c, now);
    }
    if (c->out_off == c->out.len) {
        if (c->pq_len == 0 && c->state == C_OPEN && !has_held(c)) {
            if (c->close_after_out) {
                begin_linger(c, now);
            } else if (c->read_eof) {
                conn_close(w, c);
                return -1;
            }
        }
    }
    conn_interest(w, c);
    conn_schedule(w, c);
    return 0;
}

/* ---- responses -------------------------------------------------------------------- */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

static const char *http_date(struct worker *w)
{
    time_t t = time(NULL);

    if (t != w->date_sec) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(w->date, sizeof(w->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        w->date_sec = t;
    }
    return w->date;
}

/* Appends a whole response to b. */
static void build_response(struct worker *w, struct lt_buf *b, int status, const char *ctype,
                           const void *body, size_t blen, int head, int close, int http10_ka)
{
    lt_buf_printf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, reason_phrase(status), http_date(w));
    if (ctype)
        lt_buf_printf(b, "Content-Type: %s\r\n", ctype);
    lt_buf_printf(b, "Content-Length: %zu\r\n%s\r\n", blen,
                  close       ? "Connection: close\r\n"
                  : http10_ka ? "Connection: keep-alive\r\n"
                              : "");
    if (!head && blen)
        lt_buf_append(b, body, blen);
}

/*
 * Queues a response: straight into the output when nothing waits before it
 * and its time has come, else in the queue.
 */
static void enqueue(struct worker *w, struct conn *c, int64_t ready, int64_t now, int status,
                    const char *ctype, const void *body, size_t blen, int head, int close,
                    int http10_ka)
{
    if (c->pq_len == 0 && ready <= now) {
        build_response(w, &c->out, status, ctype, body, blen, head, close, http10_ka);
        if (close)
            c->close_after_out = 1;
        return;
    }
    lt_buf_reset(&w->scratch);
    build_response(w, &w->scratch, status, ctype, body, blen, head, close, http10_ka);
    if (pq_push(c, ready, w->scratch.data, w->scratch.len, close) < 0) {
        c->want_close = 1;
        c->close_after_out = 1;
    }
}

/* The listener answers by itself (parse errors, timeouts) and closes. */
static void reject(struct worker *w, struct conn *c, int status, const char *msg, int64_t now)
{
    struct lt_listener *l = w->l;
    struct lt_buf body;

    atomic_fetch_add(&w->rejected, 1);
    if (l->o.on_reject)
        l->o.on_reject(l->o.ctx, w->idx, status, msg);
    lt_buf_init(&body, 4096);
    lt_buf_puts(&body, "{\"error\":");
    lt_buf_json_str(&body, msg);
    lt_buf_putc(&body, '}');
    enqueue(w, c, now, now, status, "application/json", body.data, body.len, 0, 1, 0);
    lt_buf_release(&body);
    c->want_close = 1;
    c->first_byte_ns = 0;
}

/*
 * RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host header, and a
 * server answers 400 otherwise. (The parser leaves this to the server, since
 * capture records what clients sent, right or wrong.)
 */
static const char *host_problem(const struct lt_http_msg *m)
{
    size_t n = 0;

    for (size_t i = 0; i < m->nheaders; i++)
        if (m->headers[i].name.len == 4 &&
            strncasecmp((const char *)m->headers[i].name.p, "host", 4) == 0)
            n++;
    if (n > 1)
        return "more than one Host header";
    if (n == 0 && m->version_minor == 1)
        return "missing Host header";
    return NULL;
}

static void handle_request(struct worker *w, struct conn *c, const struct lt_http_msg *m,
                           int64_t now)
{
    struct lt_listener *l = w->l;
    struct lt_listener_req rq = {m, c->id, c->first_byte_ns ? c->first_byte_ns : now, now, w->idx};
    struct lt_listener_resp rs;
    int keep = (m->flags & LT_HTTP_F_KEEPALIVE) != 0;
    int head = m->method.len == 4 && memcmp(m->method.p, "HEAD", 4) == 0;
    int close;

    memset(&rs, 0, sizeof(rs));
    l->o.handler(l->o.ctx, &rq, &rs);
    atomic_fetch_add(&w->requests, 1);
    close = rs.close || !keep;
    enqueue(w, c, now + (rs.delay_ns > 0 ? rs.delay_ns : 0), now, rs.status ? rs.status : 500,
            rs.content_type, rs.body, rs.body_len, head, close, keep && m->version_minor == 0);
    if (close)
        c->want_close = 1;
}

/*
 * Feeds bytes to the parser and handles what comes out, until they are used
 * up, the connection will take no more, or its output is at its cap. Returns
 * the bytes used.
 */
static size_t conn_input(struct worker *w, struct conn *c, const uint8_t *buf, size_t n,
                         int64_t now)
{
    size_t pos = 0;

    while (pos < n && !c->want_close && !over_cap(c)) {
        struct lt_http_msg m;
        struct lt_err err;
        size_t used = 0;
        int rc;

        if (c->first_byte_ns == 0)
            c->first_byte_ns = now;
        rc = lt_http_parser_feed(&c->parser, buf + pos, n - pos, &used, &m, &err);
        pos += used;
        if (rc == LT_HTTP_MESSAGE) {
            const char *bad = host_problem(&m);
            if (bad) {
                reject(w, c, 400, bad, now);
                break;
            }
            handle_request(w, c, &m, now);
            c->first_byte_ns = 0;
        } else if (rc == LT_HTTP_CONTINUE) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            if (c->pq_len == 0)
                lt_buf_append(&c->out, cont, sizeof(cont) - 1);
            else
                pq_push(c, now, (const uint8_t *)cont, sizeof(cont) - 1, 0);
        } else if (rc < 0) {
            reject(w, c, lt_http_parser_error_status(&c->parser), err.msg, now);
            break;
        } else {
            break;
        }
    }
    if (lt_http_parser_idle(&c->parser))
        c->first_byte_ns = 0;
    return pos;
}

/* Bytes just read: what the parser does not take now is held for later. */
static void feed(struct worker *w, struct conn *c, const uint8_t *buf, size_t n, int64_t now)
{
    size_t used = conn_input(w, c, buf, n, now);

    if (used < n && !c->want_close && lt_buf_append(&c->held, buf + used, n - used) < 0) {
        reject(w, c, 503, "out of memory", now);
        lt_buf_reset(&c->held);
        c->held_off = 0;
    }
}

/* Input held while the output was at its cap goes to the parser first. */
static void drain_held(struct worker *w, struct conn *c, int64_t now)
{
    if (!has_held(c))
        return;
    if (!c->want_close)
        c->held_off += conn_input(w, c, c->held.data + c->held_off, c->held.len - c->held_off, now);
    if (c->want_close || c->held_off == c->held.len) {
        lt_buf_reset(&c->held);
        c->held_off = 0;
    }
}

/* Reads what is there. Returns -1 when the connection was closed. */
static int conn_read(struct worker *w, struct conn *c, int64_t now)
{
    if (c->state == C_OPEN) {
        drain_held(w, c, now);
        if (has_held(c))
            return conn_flush(w, c, now);
    }
    for (int round = 0; round < 4; round++) {
        ssize_t n = recv(c->fd, w->rbuf, RBUF_SIZE, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            conn_close(w, c);
            return -1;
        }
        if (n == 0) {
            if (c->state == C_LINGER) {
                conn_close(w, c);
                return -1;
            }
            c->read_eof = 1;
            break;
        }
        c->activity_ns = now;
        if (c->state == C_LINGER) {
            c->linger_bytes += (size_t)n;
            if (c->linger_bytes > LINGER_BYTES) {
                conn_close(w, c);
                return -1;
            }
            continue;
        }
        feed(w, c, w->rbuf, (size_t)n, now);
        if (c->want_close || (size_t)n < RBUF_SIZE || has_held(c) || over_cap(c))
            break;
    }
    return conn_flush(w, c, now);
}

static void conn_timer(struct worker *w, struct conn *c, int64_t now)
{
    const struct lt_listener_opts *o = &w->l->o;

    if (c->state == C_LINGER) {
        if (now >= c->linger_until) {
            conn_close(w, c);
            return;
        }
    } else if (c->first_byte_ns && now >= c->first_byte_ns + o->request_timeout_ns) {
        atomic_fetch_add(&w->timeouts, 1);
        reject(w, c, 408, "request not received within the request timeout", now);
    } else if (!c->first_byte_ns && c->pq_len == 0 && now >= c->activity_ns + o->idle_timeout_ns) {
        atomic_fetch_add(&w->timeouts, 1);
        conn_close(w, c);
        return;
    }
    conn_flush(w, c, now);
}

static int conn_new(struct worker *w, int fd, int64_t now)
{
    struct conn *c;
    struct lt_http_parser_opts po = {.limits = &w->l->lim};
    struct epoll_event ev;
    int one = 1;

    if ((size_t)fd >= w->conns_cap) {
        size_t cap = w->conns_cap ? w->conns_cap : 1024;
        struct conn **cs;
        while (cap <= (size_t)fd)
            cap *= 2;
        cs = realloc(w->conns, cap * sizeof(*cs));
        if (!cs)
            return LT_E_NOMEM;
        memset(cs + w->conns_cap, 0, (cap - w->conns_cap) * sizeof(*cs));
        w->conns = cs;
        w->conns_cap = cap;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return LT_E_NOMEM;
    if (lt_http_parser_init(&c->parser, LT_HTTP_REQUEST, &po)) {
        free(c);
        return LT_E_NOMEM;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    c->gen = ++w->gen;
    c->id = atomic_fetch_add(&w->l->next_conn, 1) + 1;
    c->activity_ns = now;
    c->events = EPOLLIN;
    lt_buf_init(&c->out, 0);
    lt_buf_init(&c->held, RBUF_SIZE);
    ev.events = EPOLLIN;
    ev.data.u64 = (uint64_t)c->gen << 32 | (uint32_t)fd;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        lt_http_parser_release(&c->parser);
        free(c);
        return LT_E_NET;
    }
    w->conns[fd] = c;
    atomic_fetch_add(&w->open, 1);
    atomic_fetch_add(&w->accepted, 1);
    conn_schedule(w, c);
    return 0;
}

static void do_accept(struct worker *w, int64_t now)
{
    size_t max = w->l->o.max_conns;

    for (int i = 0; i < 64; i++) {
        int fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /*
                 * Out of descriptors: the listening socket stays readable, so
                 * stop watching it for a moment instead of spinning.
                 */
                struct epoll_event ev = {.events = 0, .data.u64 = (uint32_t)w->lfd};
                epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->lfd, &ev);
                w->accept_paused_until = now + ACCEPT_PAUSE_NS;
            }
            return;
        }
        if (atomic_load(&w->open) >= max || conn_new(w, fd, now) < 0)
            close(fd);
    }
}

/* ---- the loop --------------------------------------------------------------------------- */

static void arm_timer(struct worker *w, int64_t now)
{
    int64_t at = w->hlen ? w->heap[0].at : 0;
    int64_t stop_at = w->l->stop_at;
    struct itimerspec its;

    if (stop_at && (at == 0 || stop_at < at))
        at = stop_at;
    if (w->accept_paused_until && (at == 0 || w->accept_paused_until < at))
        at = w->accept_paused_until;
    if (at == w->armed_at)
        return;
    memset(&its, 0, sizeof(its));
    if (at) {
        if (at <= now)
            at = now + 1;
        its.it_value.tv_sec = at / NS_PER_S;
        its.it_value.tv_nsec = at % NS_PER_S;
    }
    timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
    w->armed_at = at;
}

static void run_timers(struct worker *w, int64_t now)
{
    /* Bounded: each entry is popped once; new ones due now wait for the next round. */
    size_t budget = w->hlen;

    while (w->hlen && w->heap[0].at <= now && budget--) {
        struct tmr t = heap_pop(w);
        struct conn *c = (size_t)t.fd < w->conns_cap ? w->conns[t.fd] : NULL;
        if (!c || c->gen != t.gen)
            continue;
        if (t.at == c->timer_at)
            c->timer_at = 0;
        conn_timer(w, c, now);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct lt_listener *l = w->l;
    struct epoll_event evs[256];

    arm_timer(w, lt_mono_ns()); /* --duration may be the only timer */
    while (!atomic_load(&l->stop)) {
        int n = epoll_wait(w->epfd, evs, 256, -1);
        int64_t now;

        if (n < 0) {
            if (errno == EINTR)
                continue;
            w->rc = lt_error(&w->err, LT_E_NET, "epoll_wait: %s", strerror(errno));
            break;
        }
        now = lt_mono_ns();
        for (int i = 0; i < n; i++) {
            uint64_t u = evs[i].data.u64;
            int fd = (int)(uint32_t)u;
            uint32_t gen = (uint32_t)(u >> 32);
            struct conn *c;

            if (gen == 0) {
                uint64_t junk;
                if (fd == w->lfd)
                    do_accept(w, now);
                else if (read(fd, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
                    continue;
                if (fd == w->tfd) {
                    w->armed_at = 0;
                    run_timers(w, now);
                }
                continue;
            }
            c = (size_t)fd < w->conns_cap ? w->conns[fd] : NULL;
            if (!c || c->gen != gen)
                continue;
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                if (conn_read(w, c, now) < 0)
                    continue;
            }
            if (evs[i].events & EPOLLOUT)
                conn_flush(w, c, now);
        }
        if (l->stop_at && now >= l->stop_at)
            lt_listener_stop(l);
        if (w->accept_paused_until && now >= w->accept_paused_until) {
            struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint32_t)w->lfd};
            epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->lfd, &ev);
            w->accept_paused_until = 0;
        }
        arm_timer(w, now);
    }
    for (size_t i = 0; i < w->conns_cap; i++)
        if (w->conns[i])
            conn_close(w, w->conns[i]);
    return NULL;
}

/* ---- setup --------------------------------------------------------------------------------- */

/* "HOST:PORT", "[V6]:PORT", ":PORT" (all addresses) or "PORT" (127.0.0.1). */
static int split_listen(const char *s, char *host, size_t hl, char *port, size_t pl,
                        struct lt_err *err)
{
    const char *colon;
    size_t n;

    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            return lt_error(err, LT_E_USAGE, "bad listen address '%s': expected [ADDR]:PORT", s);
        n = (size_t)(end - s - 1);
        colon = end + 1;
        if (n >= hl)
            return lt_error(err, LT_E_USAGE, "bad listen address '%s'", s);
        memcpy(host, s + 1, n);
        host[n] = '\0';
    } else if ((colon = strrchr(s, ':')) != NULL) {
        n = (size_t)(colon - s);
        if (n >= hl || memchr(s, ':', n))
            return lt_error(err, LT_E_USAGE,
                            "bad listen address '%s': write IPv6 addresses as [ADDR]:PORT", s);
        memcpy(host, s, n);
        host[n] = '\0';
        if (n == 0)
            snprintf(host, hl, "0.0.0.0");
    } else {
        if (!s[0] || strspn(s, "0123456789") != strlen(s))
            return lt_error(err, LT_E_USAGE, "bad listen address '%s': expected ADDR:PORT", s);
        snprintf(host, hl, "127.0.0.1");
        colon = s - 1;
    }
    n = strlen(colon + 1);
    if (n == 0 || n >= pl || strspn(colon + 1, "0123456789") != n || atol(colon + 1) > 65535)
        return lt_error(err, LT_E_USAGE, "bad listen address '%s': port must be 0-65535", s);
    memcpy(port, colon + 1, n + 1);
    return 0;
}

static int open_socket(const struct sockaddr *sa, socklen_t len, int reuseport, const char *what,
                       struct lt_err *err)
{
    int one = 1;
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return lt_error(err, LT_E_NET, "cannot listen on '%s': %s", what, strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (reuseport)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (bind(fd, sa, len) < 0 || listen(fd, 4096) < 0) {
        int e = errno;
        close(fd);
        return lt_error(err, LT_E_NET, "cannot listen on '%s': %s", what, strerror(e));
    }
    return fd;
}

struct lt_listener *lt_listener_new(const struct lt_listener_opts *o, struct lt_err *err)
{
    struct lt_listener *l = calloc(1, sizeof(*l));
    struct addrinfo hints, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    char host[256], port[16], nhost[NI_MAXHOST], nport[NI_MAXSERV];
    const char *listen_s;
    int rc;

    if (!l) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    l->o = *o;
    listen_s = o->listen ? o->listen : LT_LISTEN_DEFAULT;
    if (!l->o.workers)
        l->o.workers = 1;
    if (l->o.workers > 256)
        l->o.workers = 256;
    if (l->o.idle_timeout_ns <= 0)
        l->o.idle_timeout_ns = 60 * NS_PER_S;
    if (l->o.request_timeout_ns <= 0)
        l->o.request_timeout_ns = 10 * NS_PER_S;
    if (!l->o.max_conns)
        l->o.max_conns = 10000;
    if (o->limits)
        l->lim = *o->limits;
    else
        lt_limits_default(&l->lim);
    l->nworkers = l->o.workers;
    l->w = calloc(l->nworkers, sizeof(*l->w));
    if (!l->w) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < l->nworkers; i++)
        l->w[i].lfd = l->w[i].epfd = l->w[i].tfd = l->w[i].efd = -1;
    if (split_listen(listen_s, host, sizeof(host), port, sizeof(port), err) < 0)
        goto fail;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        lt_error(err, LT_E_USAGE, "bad listen address '%s': %s", listen_s, gai_strerror(rc));
        goto fail;
    }
    for (unsigned i = 0; i < l->nworkers; i++) {
        struct worker *w = &l->w[i];
        struct epoll_event ev;
        int fd = open_socket(i == 0 ? ai->ai_addr : (struct sockaddr *)&ss,
                             i == 0 ? ai->ai_addrlen : sslen, l->nworkers > 1, listen_s, err);
        if (fd < 0)
            goto fail;
        w->lfd = fd;
        if (i == 0 && getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0) {
            lt_error(err, LT_E_NET, "getsockname: %s", strerror(errno));
            goto fail;
        }
        w->l = l;
        w->idx = i;
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        w->rbuf = malloc(RBUF_SIZE);
        lt_buf_init(&w->scratch, 0);
        if (w->epfd < 0 || w->tfd < 0 || w->efd < 0 || !w->rbuf) {
            lt_error(err, LT_E_NET, "cannot set up the event loop: %s", strerror(errno));
            goto fail;
        }
        int fds[3] = {w->lfd, w->tfd, w->efd};
        for (int k = 0; k < 3; k++) {
            ev.events = EPOLLIN;
            ev.data.u64 = (uint32_t)fds[k]; /* generation 0: not a connection */
            if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fds[k], &ev) < 0) {
                lt_error(err, LT_E_NET, "epoll_ctl: %s", strerror(errno));
                goto fail;
            }
        }
    }
    if (getnameinfo((struct sockaddr *)&ss, sslen, nhost, sizeof(nhost), nport, sizeof(nport),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        lt_error(err, LT_E_NET, "cannot name the bound address");
        goto fail;
    }
    snprintf(l->url, sizeof(l->url), ss.ss_family == AF_INET6 ? "http://[%s]:%s" : "http://%s:%s",
             nhost, nport);
    freeaddrinfo(ai);
    return l;
fail:
    if (ai)
        freeaddrinfo(ai);
    lt_listener_free(l);
    return NULL;
}

const char *lt_listener_url(const struct lt_listener *l)
{
    return l->url;
}

void lt_listener_stop(struct lt_listener *l)
{
    uint64_t one = 1;

    atomic_store(&l->stop, 1);
    for (unsigned i = 0; i < l->nworkers; i++)
        if (l->w[i].efd >= 0 && write(l->w[i].efd, &one, sizeof(one)) < 0) {
            /* The counter is full: a wake-up is pending anyway. */
        }
}

int lt_listener_run(struct lt_listener *l, int64_t duration_ns, struct lt_err *err)
{
    int rc = 0;

    l->stop_at = duration_ns > 0 ? lt_mono_ns() + duration_ns : 0;
    for (unsigned i = 1; i < l->nworkers; i++) {
        if (pthread_create(&l->w[i].th, NULL, worker_main, &l->w[i]) != 0) {
            lt_listener_stop(l);
            rc = lt_error(err, LT_E_INTERNAL, "cannot start worker thread %u", i);
            break;
        }
        l->w[i].started = 1;
    }
    if (rc == 0)
        worker_main(&l->w[0]);
    lt_listener_stop(l);
    for (unsigned i = 1; i < l->nworkers; i++)
        if (l->w[i].started) {
            pthread_join(l->w[i].th, NULL);
            l->w[i].started = 0;
        }
    for (unsigned i = 0; i < l->nworkers && rc == 0; i++)
        if (l->w[i].rc) {
            rc = l->w[i].rc;
            if (err)
                *err = l->w[i].err;
        }
    return rc;
}

void lt_listener_stats(const struct lt_listener *l, struct lt_listener_stats *st)
{
    memset(st, 0, sizeof(*st));
    for (unsigned i = 0; i < l->nworkers; i++) {
        struct worker *w = &l->w[i];
        st->accepted += atomic_load(&w->accepted);
        st->open += atomic_load(&w->open);
        st->requests += atomic_load(&w->requests);
        st->rejected += atomic_load(&w->rejected);
        st->timeouts += atomic_load(&w->timeouts);
    }
}

void lt_listener_free(struct lt_listener *l)
{
    if (!l)
        return;
    for (unsigned i = 0; l->w && i < l->nworkers; i++) {
        struct worker *w = &l->w[i];
        for (size_t k = 0; k < w->conns_cap; k++)
            if (w->conns[k])
                conn_close(w, w->conns[k]);
        if (w->lfd >= 0)
            close(w->lfd);
        if (w->epfd >= 0)
            close(w->epfd);
        if (w->tfd >= 0)
            close(w->tfd);
        if (w->efd >= 0)
            close(w->efd);
        free(w->conns);
        free(w->heap);
        free(w->rbuf);
        lt_buf_release(&w->scratch);
    }
    free(l->w);
    free(l);
}

/* ---- one connection driven by hand (listener_probe.h) ------------------------------ */

struct lt_listener_probe {
    struct lt_listener l;
    struct worker w;
    int fd;
    uint32_t gen;
};

struct lt_listener_probe *lt_listener_probe_new(const struct lt_listener_opts *o, int fd,
                                                int64_t now)
{
    struct lt_listener_probe *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->l.o = *o;
    if (p->l.o.idle_timeout_ns <= 0)
        p->l.o.idle_timeout_ns = 60 * NS_PER_S;
    if (p->l.o.request_timeout_ns <= 0)
        p->l.o.request_timeout_ns = 10 * NS_PER_S;
    if (o->limits)
        p->l.lim = *o->limits;
    else
        lt_limits_default(&p->l.lim);
    p->l.nworkers = 1;
    p->l.w = &p->w;
    p->w.l = &p->l;
    p->w.lfd = p->w.tfd = p->w.efd = -1;
    p->w.epfd = epoll_create1(EPOLL_CLOEXEC);
    p->w.rbuf = malloc(RBUF_SIZE);
    lt_buf_init(&p->w.scratch, 0);
    p->fd = fd;
    if (p->w.epfd < 0 || !p->w.rbuf || conn_new(&p->w, fd, now) != 0) {
        lt_listener_probe_free(p);
        return NULL;
    }
    p->gen = p->w.conns[fd]->gen;
    return p;
}

static struct conn *probe_conn(struct lt_listener_probe *p)
{
    struct conn *c = (size_t)p->fd < p->w.conns_cap ? p->w.conns[p->fd] : NULL;

    return c && c->gen == p->gen ? c : NULL;
}

int lt_listener_probe_step(struct lt_listener_probe *p, int64_t now)
{
    struct conn *c = probe_conn(p);

    if (!c)
        return -1;
    run_timers(&p->w, now);
    if (!(c = probe_conn(p)))
        return -1;
    if (c->events & EPOLLIN && conn_read(&p->w, c, now) < 0)
        return -1;
    if (!(c = probe_conn(p)))
        return -1;
    if (c->events & EPOLLOUT && conn_flush(&p->w, c, now) < 0)
        return -1;
    return probe_conn(p) ? 0 : -1;
}

int64_t lt_listener_probe_next_timer(const struct lt_listener_probe *p)
{
    return p->w.hlen ? p->w.heap[0].at : 0;
}

size_t lt_listener_probe_buffered(struct lt_listener_probe *p, size_t *queued)
{
    struct conn *c = probe_conn(p);

    *queued = c ? c->pq_len : 0;
    return c ? c->out.len - c->out_off : 0;
}

void lt_listener_probe_free(struct lt_listener_probe *p)
{
    if (!p)
        return;
    for (size_t k = 0; k < p->w.conns_cap; k++)
        if (p->w.conns[k])
            conn_close(&p->w, p->w.conns[k]);
    if (p->w.epfd >= 0)
        close(p->w.epfd);
    free(p->w.conns);
    free(p->w.heap);
    free(p->w.rbuf);
    lt_buf_release(&p->w.scratch);
    free(p);
}
