/*
 * tcp_flow.c - the flow table: TCP connections keyed by their 4-tuple, each
 * with a session number of its own (4-tuples are reused, sessions never),
 * two reassembled directions and an HTTP state. Flows end on FIN from both
 * sides or RST, when a new SYN reuses their 4-tuple, or after being idle
 * (by packet time) for the idle timeout; a cap on the number of flows ends
 * the least recently active one first.
 */
#include "cap_internal.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS_MIN 4096u
#define BUCKETS_MAX (1u << 22)

static uint64_t endpoint_hash(const uint8_t *addr, uint16_t port)
{
    uint64_t a, b;

    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    return lt_splitmix64(a ^ lt_splitmix64(b ^ ((uint64_t)port << 48)));
}

/* Symmetric: the same for both directions of a connection. */
static uint64_t flow_hash(const struct lt_pkt *p)
{
    return endpoint_hash(p->src, p->sport) ^ endpoint_hash(p->dst, p->dport) ^ p->family;
}

int cap_flows_init(struct cap_flows *t)
{
    memset(t, 0, sizeof(*t));
    t->buckets = calloc(BUCKETS_MIN, sizeof(*t->buckets));
    if (!t->buckets)
        return LT_E_NOMEM;
    t->nbuckets = BUCKETS_MIN;
    return 0;
}

static void grow(struct cap_flows *t)
{
    size_t nb = t->nbuckets * 2;
    struct cap_flow **b;

    if (nb > BUCKETS_MAX)
        return;
    b = calloc(nb, sizeof(*b));
    if (!b)
        return; /* chains just get longer */
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct cap_flow *f = t->buckets[i], *nx;
        for (; f; f = nx) {
            nx = f->hnext;
            f->hnext = b[f->hash & (nb - 1)];
            b[f->hash & (nb - 1)] = f;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

/* Finds the flow of p; *dir receives 0 when p goes client to server. */
static struct cap_flow *lookup(struct cap_flows *t, const struct lt_pkt *p, uint64_t h, int *dir)
{
    for (struct cap_flow *f = t->buckets[h & (t->nbuckets - 1)]; f; f = f->hnext) {
        if (f->hash != h || f->family != p->family)
            continue;
        for (int d = 0; d < 2; d++)
            if (f->port[d] == p->sport && f->port[1 - d] == p->dport &&
                memcmp(f->addr[d], p->src, 16) == 0 && memcmp(f->addr[1 - d], p->dst, 16) == 0) {
                *dir = d;
                return f;
            }
    }
    return NULL;
}

static void lru_unlink(struct cap_flows *t, struct cap_flow *f)
{
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        t->lru_head = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    else
        t->lru_tail = f->lprev;
    f->lprev = f->lnext = NULL;
}

static void lru_append(struct cap_flows *t, struct cap_flow *f)
{
    f->lprev = t->lru_tail;
    f->lnext = NULL;
    if (t->lru_tail)
        t->lru_tail->lnext = f;
    else
        t->lru_head = f;
    t->lru_tail = f;
}

/*
 * Ends a flow: both directions are flushed (held bytes become gaps), the
 * HTTP state hands out what it has, and the flow is freed.
 */
static void flow_end(struct lt_capture *c, struct cap_flow *f, int64_t ts)
{
    struct cap_flows *t = &c->flows;
    struct cap_flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];

    lt_tcp_stream_flush(&f->dir[0], ts);
    lt_tcp_stream_flush(&f->dir[1], ts);
    cap_http_end(f, ts);
    lt_tcp_stream_release(&f->dir[0]);
    lt_tcp_stream_release(&f->dir[1]);
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    lru_unlink(t, f);
    t->n--;
    free(f);
}

/*
 * 1 when the payload starts like a request, 0 like a response, -1 unknown.
 * A request: a common method and a space, or any token (a method, RFC 9110)
 * and a space on a first line that ends in " HTTP/1.x".
 */
static int payload_role(const struct lt_pkt *p)
{
    static const char *const starts[] = {"GET ",     "POST ",  "PUT ",   "HEAD ",   "DELETE ",
                                         "OPTIONS ", "PATCH ", "TRACE ", "CONNECT "};
    const uint8_t *b = p->payload;
    size_t n = p->caplen, i = 0;
    const uint8_t *lf;
    size_t ln;

    if (n >= 7 && memcmp(b, "HTTP/1.", 7) == 0)
        return 0;
    for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
        size_t m = strlen(starts[k]);
        if (n >= m && memcmp(b, starts[k], m) == 0)
            return 1;
    }
    while (i < n && i < 32 && b[i] > 0x20 && b[i] < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", b[i]))
        i++;
    if (i == 0 || i >= n || b[i] != ' ')
        return -1;
    lf = memchr(b, '\n', n < 8192 ? n : 8192);
    if (!lf)
        return -1;
    ln = (size_t)(lf - b);
    if (ln && b[ln - 1] == '\r')
        ln--;
    return ln >= 10 && memcmp(b + ln - 9, " HTTP/1.", 8) == 0 ? 1 : -1;
}

/*
 * Which side is the client. A SYN without ACK comes from the client, a SYN
 * with ACK from the server. Mid-connection, a payload that starts like a
 * request or a response says; failing that, the lower port is taken to be
 * the server's (a guess, revised by the first payload that says otherwise).
 */
static int sender_is_client(const struct lt_pkt *p, int *guessed)
{
    int role;

    *guessed = 0;
    if (p->flags & LT_TCP_SYN)
        return !(p->flags & LT_TCP_ACK);
    role = payload_role(p);
    if (role >= 0)
        return role;
    *guessed = 1;
    return p->sport > p->dport;
}

/* The guess was wrong: the two sides change roles (nothing was parsed yet). */
static void flip(struct cap_flow *f)
{
    struct lt_tcp_stream t = f->dir[0];
    struct lt_tcp_sink s0 = f->dir[0].sink, s1 = f->dir[1].sink;
    uint8_t a[16];
    uint16_t port = f->port[0];
    int syn = f->saw_syn[0];

    cap_http_reset(f);
    f->dir[0] = f->dir[1];
    f->dir[1] = t;
    f->dir[0].sink = s0;
    f->dir[1].sink = s1;
    memcpy(a, f->addr[0], 16);
    memcpy(f->addr[0], f->addr[1], 16);
    memcpy(f->addr[1], a, 16);
    f->port[0] = f->port[1];
    f->port[1] = port;
    f->saw_syn[0] = f->saw_syn[1];
    f->saw_syn[1] = syn;
}

static struct cap_flow *flow_new(struct lt_capture *c, const struct lt_pkt *p, uint64_t h, int *dir)
{
    struct cap_flows *t = &c->flows;
    struct cap_flow *f;
    size_t maxf = c->o.max_flows;
    int cd;

    while (t->n >= maxf && t->lru_head) {
        c->st.flows_expired++;
        flow_end(c, t->lru_head, p->ts_ns);
    }
    f = calloc(1, sizeof(*f));
    if (!f) {
        cap_fail(c, LT_E_NOMEM, "flow table");
        return NULL;
    }
    cd = sender_is_client(p, &f->guessed) ? 0 : 1;
    f->hash = h;
    f->family = p->family;
    memcpy(f->addr[cd], p->src, 16);
    memcpy(f->addr[1 - cd], p->dst, 16);
    f->port[cd] = p->sport;
    f->port[1 - cd] = p->dport;
    f->session = ++c->next_session;
    f->cap = c;
    for (int d = 0; d < 2; d++) {
        const struct lt_tcp_sink *sk = d == 0 ? &cap_http_req_sink : &cap_http_resp_sink;
        struct lt_tcp_sink s = *sk;
        s.ctx = f;
        lt_tcp_stream_init(&f->dir[d], &s, c->o.flow_buffer_max, &c->mem, &c->st);
    }
    cap_http_init(f);
    f->hnext = t->buckets[h & (t->nbuckets - 1)];
    t->buckets[h & (t->nbuckets - 1)] = f;
    lru_append(t, f);
    t->n++;
    c->st.flows++;
    if (t->n > t->nbuckets * 2)
        grow(t);
    *dir = cd;
    return f;
}

/*
 * HTTP messages in progress hold more than the total cap: the flows holding
 * the most are ended (their requests kept, flagged, counted as memory cap)
 * until the total is under it again.
 */
static void shed(struct lt_capture *c, int64_t ts)
{
    for (size_t guard = 0; c->http_inflight > c->o.total_buffer_max && guard < c->flows.n + 1;
         guard++) {
        struct cap_flow *big = NULL;
        size_t most = 0;
        for (struct cap_flow *f = c->flows.lru_head; f; f = f->lnext) {
            size_t held = f->http.inflight[0] + f->http.inflight[1];
            if (held > most) {
                most = held;
                big = f;
            }
        }
        if (!big)
            return;
        big->http.memcapped = 1;
        c->st.memcap_bytes += most;
        flow_end(c, big, ts);
    }
}

void cap_flows_packet(struct lt_capture *c, const struct lt_pkt *p)
{
    uint64_t h = flow_hash(p);
    int dir = 0;
    struct cap_flow *f = lookup(&c->flows, p, h, &dir);

    /* A new SYN on a 4-tuple in use: the old connection is over. */
    if (f && (p->flags & (LT_TCP_SYN | LT_TCP_ACK)) == LT_TCP_SYN) {
        const struct lt_tcp_stream *s = &f->dir[dir];
        int again = f->saw_syn[dir] && !s->ended && s->next == p->seq + 1;
        if (!again) {
            flow_end(c, f, p->ts_ns);
            f = NULL;
        }
    }
    if (!f) {
        /* Only a SYN or data starts a flow: the last ACK, a FIN or a RST of a
         * connection already over (or never seen) does not. */
        if ((p->flags & LT_TCP_RST) || (!(p->flags & LT_TCP_SYN) && !p->len))
            return;
        f = flow_new(c, p, h, &dir);
        if (!f)
            return;
    }
    if (f->guessed && p->len && !f->http.messages) {
        int role = payload_role(p);
        if (role >= 0) {
            f->guessed = 0;
            if (role != (dir == 0)) {
                flip(f);
                dir = 1 - dir;
            }
        }
    }
    if (p->flags & LT_TCP_SYN)
        f->saw_syn[dir] = 1;
    f->last_ts_ns = p->ts_ns;
    if (c->flows.lru_tail != f) {
        lru_unlink(&c->flows, f);
        lru_append(&c->flows, f);
    }
    /* The acknowledgement first: it tells what the sender had received
     * before it sent this segment's data (which may answer it). */
    if (p->flags & LT_TCP_ACK)
        lt_tcp_stream_ack(&f->dir[1 - dir], p->ack, p->ts_ns);
    lt_tcp_stream_segment(&f->dir[dir], p);
    if (p->flags & LT_TCP_RST)
        lt_tcp_stream_flush(&f->dir[1 - dir], p->ts_ns);
    if (f->dir[0].ended && f->dir[1].ended)
        flow_end(c, f, p->ts_ns);
    if (c->http_inflight > c->o.total_buffer_max)
        shed(c, p->ts_ns);
}

void cap_flows_expire(struct lt_capture *c, int64_t now_ns)
{
    struct cap_flows *t = &c->flows;

    while (t->lru_head && now_ns - t->lru_head->last_ts_ns > c->o.idle_timeout_ns) {
        c->st.flows_expired++;
        flow_end(c, t->lru_head, now_ns);
    }
}

void cap_flows_end_all(struct lt_capture *c, int64_t now_ns)
{
    while (c->flows.lru_head)
        flow_end(c, c->flows.lru_head, now_ns);
}

void cap_flows_release(struct lt_capture *c)
{
    /* Only after end_all, or on teardown after a failure: free without output. */
    struct cap_flows *t = &c->flows;

    while (t->lru_head) {
        struct cap_flow *f = t->lru_head;
        lru_unlink(t, f);
        lt_tcp_stream_release(&f->dir[0]);
        lt_tcp_stream_release(&f->dir[1]);
        f->http.tunnel = 1;
        cap_http_end(f, 0);
        free(f);
    }
    free(t->buckets);
    t->buckets = NULL;
}
