/*
 * run.c - one replay on every core.
 *
 * A reader thread reads the source, computes every record's intended send
 * time from one schedule for the whole tape (so the times do not depend on
 * the number of threads or shards), builds each request once (serialised
 * for engines that want it) and hands it to the worker thread its session
 * hashes to, through a bounded ring: a session always goes to the same
 * worker, so its order holds. Each worker has its own epoll loop, engine,
 * share of -c and queue: it releases each request at its absolute deadline
 * (a timerfd armed with TFD_TIMER_ABSTIME on CLOCK_MONOTONIC), queues it when
 * all its connections are busy (the wait counts in its latency), and counts
 * what happens in 1 s intervals of the run's clock. Closed intervals are
 * merged across workers exactly (histograms add) and handed out in order by
 * the calling thread, so the results cannot tell N workers from one.
 *
 * Requests live in transfer objects that go back to a pool when done and
 * keep their buffers, so a steady run allocates nothing per request.
 */
#include "lt_replay.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define RING_ALL 4096      /* requests built ahead, over all workers (memory bound) */
#define RING_MIN 512       /* ... and at least this many per worker */
#define SESS_BUCKETS 16384 /* --keep-order session table, per worker */
#define FD_MAX 1048576
#define NSLOT 4                       /* intervals being merged at once */
#define HELD_NS 1000000               /* a queue wait past this counts as held (client-bound) */
#define POOL_BATCH 64                 /* transfers handed back to the pool at once */
#define POP_BATCH 32                  /* transfers taken from a ring at once */
#define REFILL 64                     /* free ring slots that wake a waiting reader */
#define KEEP_BUFFER ((size_t)1 << 16) /* a pooled request keeps buffers up to this */
#define MAX_THREADS 256
#define GSAMPLES 512 /* a worker's group latencies buffered before they go to the run's */

/* ---- the event loop ------------------------------------------------------ */

struct watch {
    lt_loop_fn fn;
    void *ctx;
    uint32_t events; /* 0: not registered */
};

struct lt_loop {
    int epfd;
    struct watch *w;
    size_t nw;
    lt_loop_fn defer_fn;
    void *defer_ctx;
};

void lt_loop_defer(struct lt_loop *l, lt_loop_fn fn, void *ctx)
{
    l->defer_fn = fn;
    l->defer_ctx = ctx;
}

/* Waits for events (not at all when a deferred call is pending) and runs their callbacks. */
static int loop_turn(struct lt_loop *l)
{
    struct epoll_event evs[64];
    int n = epoll_wait(l->epfd, evs, 64, l->defer_fn ? 0 : -1);

    if (n < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        int fd = evs[i].data.fd;
        struct watch *w = (size_t)fd < l->nw ? &l->w[fd] : NULL;
        if (w && w->fn)
            w->fn(w->ctx, fd, evs[i].events);
    }
    if (l->defer_fn) {
        lt_loop_fn fn = l->defer_fn;
        l->defer_fn = NULL;
        fn(l->defer_ctx, -1, 0);
    }
    return 0;
}

int lt_loop_watch(struct lt_loop *l, int fd, uint32_t events, lt_loop_fn fn, void *ctx)
{
    struct epoll_event ev;

    if (fd < 0 || fd >= FD_MAX)
        return -1;
    if ((size_t)fd >= l->nw) {
        size_t n = l->nw ? l->nw : 64;
        struct watch *w;
        while (n <= (size_t)fd)
            n *= 2;
        w = realloc(l->w, n * sizeof(*w));
        if (!w)
            return -1;
        memset(w + l->nw, 0, (n - l->nw) * sizeof(*w));
        l->w = w;
        l->nw = n;
    }
    memset(&ev, 0, sizeof(ev));
    ev.data.fd = fd;
    ev.events = events;
    if (!events) {
        if (l->w[fd].events)
            epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, &ev);
        l->w[fd].events = 0;
        l->w[fd].fn = NULL;
        return 0;
    }
    if (epoll_ctl(l->epfd, l->w[fd].events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
        return -1;
    l->w[fd].events = events;
    l->w[fd].fn = fn;
    l->w[fd].ctx = ctx;
    return 0;
}

/* ---- state ------------------------------------------------------------------ */

struct sess {
    uint64_t id;
    struct lt_xfer *head, *tail; /* waiting for the one in flight */
    struct sess *next;
};

/* What an answer (or a transport failure) adds to a window's numbers. */
struct answer {
    uint32_t group;
    int status; /* 0 for a transport failure */
    enum lt_xfer_err err;
    int ok, mismatched, timed; /* timed: it enters the histograms */
    uint32_t events;
    int64_t s_rel, latency, service;
    uint64_t bytes_sent, bytes_received;
};

struct worker {
    struct lt_replay *r;
    int idx;
    pthread_t th;
    int started;
    struct lt_loop loop;
    void *engine;
    struct lt_engine_conf conf; /* this worker's share of -c */
    size_t queue_max;
    int sched_fd, tick_fd, wake_fd, stop_fd;

    /* reader -> worker: a bounded ring */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lt_xfer **ring;
    size_t ring_cap;
    size_t rhead, rlen;
    int rclosed, want_wake, reader_waiting;
    struct lt_xfer *local[POP_BATCH]; /* taken from the ring, not yet popped */
    size_t lpos, llen;

    /* the worker's own */
    struct lt_xfer *next;          /* popped, waiting for its deadline */
    struct lt_xfer *qhead, *qtail; /* released, waiting for a connection */
    size_t qlen, inflight, pending;
    struct sess **sess;
    int stopping, source_done;
    int64_t grace_deadline, end_ns;
    int64_t sched_armed; /* deadline the schedule timer is armed for, 0: none */
    struct lt_stats cur;
    /* per-endpoint: the counters of requests not (yet) answered, by group index; the
     * answers go to the run's group totals (gsh), GSAMPLES at a time */
    uint64_t (*gc)[LT_RESULTS_NCOUNTERS];
    struct answer gsample[GSAMPLES];
    size_t ngsample;
    int gfailed; /* a group's stats could not be allocated */
    int64_t interval_k;
    struct lt_xfer *ret[POOL_BATCH]; /* done, on the way back to the pool */
    size_t nret;
    char first_err[5][128]; /* by enum lt_xfer_err */
    int64_t first_err_ns[5];

    /* published for progress (relaxed) */
    atomic_uint_fast64_t pub_sent, pub_completed, pub_errors, pub_inflight, pub_queued;
};

struct lt_replay {
    struct lt_replay_opts o;
    struct lt_record_source *src;
    const struct lt_engine_ops *eng;
    struct worker *w;
    int nw;
    atomic_int stop;
    atomic_int interrupted;
    atomic_int warm; /* the reader is a ring ahead (or done) */
    int64_t start;

    /* the reader (it alone classifies into groups until it is joined) */
    struct lt_groups groups;
    /* the groups' latency and service histograms, one set for all workers (gmu): per
     * worker they would cost a copy of every touched page per thread */
    pthread_mutex_t gmu;
    struct lt_stats **gsh;
    pthread_t reader;
    int reader_started;
    struct lt_err rerr;

    /* the transfer pool */
    pthread_mutex_t pool_mu;
    struct lt_xfer *pool;
    struct lt_xfer *mine; /* the reader's share of the pool */

    /* start gate and interval merging (mu guards everything below) */
    pthread_mutex_t mu;
    pthread_cond_t go_cv, ready_cv, free_cv;
    int go;
    struct lt_stats acc[NSLOT];
    int64_t acc_k[NSLOT];
    int acc_n[NSLOT];
    int64_t done_k[MAX_THREADS]; /* a finished worker's last interval, -2: running */

    /* the calling thread's */
    struct lt_stats total;
    void *scratch;
    const struct lt_replay_cbs *cb;
    struct lt_err cberr;
    int cbfailed;
    struct lt_replay_progress prog;
};

/* ---- the pool ------------------------------------------------------------------ */

/* The reader's next transfer: from its own free list, refilled from the pool at once. */
static struct lt_xfer *xfer_get(struct lt_replay *r)
{
    struct lt_xfer *x;

    if (!r->mine) {
        pthread_mutex_lock(&r->pool_mu);
        r->mine = r->pool;
        r->pool = NULL;
        pthread_mutex_unlock(&r->pool_mu);
    }
    x = r->mine;
    if (x)
        r->mine = x->next;
    if (!x) {
        x = calloc(1, sizeof(*x));
        if (!x)
            return NULL;
        lt_request_init(&x->req);
    }
    return x;
}

static void xfer_destroy(struct lt_xfer *x)
{
    if (x) {
        lt_request_release(&x->req);
        free(x);
    }
}

/* Hands a batch of transfers back (their buffers stay for the next request). */
static void pool_put(struct lt_replay *r, struct lt_xfer **v, size_t n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n; i++)
        lt_request_trim(&v[i]->req, KEEP_BUFFER);
    pthread_mutex_lock(&r->pool_mu);
    for (size_t i = 0; i < n; i++) {
        v[i]->next = r->pool;
        r->pool = v[i];
    }
    pthread_mutex_unlock(&r->pool_mu);
}

static void xfer_done(struct worker *w, struct lt_xfer *x)
{
    w->ret[w->nret++] = x;
    if (w->nret == POOL_BATCH) {
        pool_put(w->r, w->ret, w->nret);
        w->nret = 0;
    }
}

static void gcount(struct worker *w, const struct lt_xfer *x, int c, uint64_t n);

/* Frees a chain of requests never sent, counting each as c in its group. */
static void free_chain(struct worker *w, struct lt_xfer *x, int snext, int c)
{
    while (x) {
        struct lt_xfer *n = snext ? x->snext : x->next;
        gcount(w, x, c, 1);
        xfer_done(w, x);
        x = n;
    }
}

/* ---- metrics ---------------------------------------------------------------- */

/* Progress numbers of the open interval, for the calling thread (relaxed). */
static void publish(struct worker *w)
{
    uint64_t errs = 0;

    for (int i = 0; i < 4; i++)
        errs += w->cur.c[LT_RC_ERR_CONNECT + i];
    atomic_store_explicit(&w->pub_inflight, w->inflight, memory_order_relaxed);
    atomic_store_explicit(&w->pub_queued, w->qlen + w->pending, memory_order_relaxed);
    atomic_store_explicit(&w->pub_sent, w->cur.c[LT_RC_SENT], memory_order_relaxed);
    atomic_store_explicit(&w->pub_completed, w->cur.c[LT_RC_COMPLETED], memory_order_relaxed);
    atomic_store_explicit(&w->pub_errors, errs, memory_order_relaxed);
}

/*
 * A worker's interval k closed: its numbers go into the slot where the
 * workers' shares of k add up; the calling thread hands the sum out.
 */
static void close_interval(struct worker *w, int64_t end_rel)
{
    struct lt_replay *r = w->r;
    int64_t k = w->interval_k, k0 = k * 1000000000LL;
    int slot = (int)(k % NSLOT);

    w->cur.start_ns = k0;
    w->cur.dur_ns = end_rel - k0;
    pthread_mutex_lock(&r->mu);
    while (r->acc_n[slot] > 0 && r->acc_k[slot] != k)
        pthread_cond_wait(&r->free_cv, &r->mu); /* an older interval is still being handed out */
    if (r->acc_n[slot] == 0) {
        lt_stats_reset(&r->acc[slot]);
        r->acc_k[slot] = k;
    }
    lt_stats_merge(&r->acc[slot], &w->cur);
    r->acc_n[slot]++;
    pthread_cond_signal(&r->ready_cv);
    pthread_mutex_unlock(&r->mu);
    lt_stats_reset(&w->cur);
    w->interval_k++;
    publish(w);
}

/* Closes every interval that ended before `now` (so each event lands in its own second). */
static void advance(struct worker *w, int64_t now)
{
    int64_t rel = now - w->r->start;

    while (rel >= (w->interval_k + 1) * 1000000000LL)
        close_interval(w, (w->interval_k + 1) * 1000000000LL);
}

static void count(struct worker *w, int c, uint64_t n)
{
    w->cur.c[c] += n;
}

static void tally(struct lt_stats *s, const struct answer *a);

/*
 * The buffered answers into the run's group totals (one set for every worker: per
 * worker, each thread would hold its own copy of every page a group's histograms touch).
 * A group's totals are allocated with its first answer; without memory the run fails,
 * rather than show groups that do not add up.
 */
static void gflush(struct worker *w)
{
    struct lt_replay *r = w->r;

    if (!w->ngsample)
        return;
    pthread_mutex_lock(&r->gmu);
    for (size_t i = 0; i < w->ngsample; i++) {
        const struct answer *a = &w->gsample[i];
        struct lt_stats *g = r->gsh[a->group];
        if (!g) {
            g = malloc(sizeof(*g));
            if (!g || lt_stats_init(g)) {
                free(g);
                w->gfailed = 1;
                continue;
            }
            r->gsh[a->group] = g;
        }
        tally(g, a);
    }
    pthread_mutex_unlock(&r->gmu);
    w->ngsample = 0;
}

static void gcount(struct worker *w, const struct lt_xfer *x, int c, uint64_t n)
{
    w->gc[x->group][c] += n;
}

/* ---- the reader thread --------------------------------------------------------- */

static void wake(int fd)
{
    uint64_t one = 1;

    if (write(fd, &one, sizeof(one)) < 0) {
        /* the counter is saturated: the reader of fd is awake anyway */
    }
}

static void warmed(struct lt_replay *r)
{
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->warm, 1);
    pthread_cond_broadcast(&r->go_cv);
    pthread_mutex_unlock(&r->mu);
}

static int ring_push(struct lt_replay *r, struct worker *w, struct lt_xfer *x)
{
    int need_wake = 0, full;

    pthread_mutex_lock(&w->mu);
    while (w->rlen == w->ring_cap && !atomic_load(&r->stop)) {
        w->reader_waiting = 1;
        pthread_cond_wait(&w->cv, &w->mu);
    }
    if (atomic_load(&r->stop)) {
        pthread_mutex_unlock(&w->mu);
        return -1;
    }
    w->ring[(w->rhead + w->rlen) % w->ring_cap] = x;
    w->rlen++;

    if (w->want_wake) {
        w->want_wake = 0;
        need_wake = 1;
    }
    full = w->rlen == w->ring_cap;
    pthread_mutex_unlock(&w->mu);
    if (need_wake)
        wake(w->wake_fd);
    if (full && !atomic_load(&r->warm))
        warmed(r); /* the run waits for the reader to get this far ahead before it starts */
    return 0;
}

static void ring_close(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->rclosed = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    wake(w->wake_fd);
}

/* The worker of a session: a hash independent of --shard's, so shards still spread. */
static int worker_of(const struct lt_replay *r, uint64_t session)
{
    return r->nw == 1 ? 0 : (int)(lt_splitmix64(session ^ 0x6a09e667f3bcc909ULL) % (uint64_t)r->nw);
}

static void *reader_main(void *arg)
{
    struct lt_replay *r = arg;
    struct lt_walk walk;
    struct lt_walk_item it;
    struct lt_record rec;
    struct lt_request_opts ro = r->o.req;
    uint64_t id_ctr;
    sigset_t all;

    /* signals go to the calling thread */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    /* a ring ahead, the reader can wait: where it shares a CPU with a worker, the
     * worker's sends come first (a thread's own nice value on Linux; may fail, harmless) */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5) != 0) {
        /* not allowed: the reader keeps the run's priority */
    }
    ro.want_wire = r->eng->wants_wire;
    if (lt_walk_init(&walk, &r->o, r->src, &r->rerr))
        goto out;
    while (!atomic_load(&r->stop)) {
        struct lt_xfer *x;
        int rc = lt_walk_next(&walk, &it, &r->rerr);

        if (rc <= 0)
            break;
        id_ctr = it.index << 20; /* fresh ids unique across the tape (and shards) */
        /* the rewrite rules: once per record, here, off the send path */
        if (lt_rewrite_apply(r->o.rewrite, &it.rec, &rec, &r->rerr))
            goto out;
        x = xfer_get(r);
        if (!x) {
            lt_error(&r->rerr, LT_E_NOMEM, "out of memory");
            goto out;
        }
        if (lt_request_build(&x->req, &rec, &ro, r->o.id_seed, &id_ctr, &r->rerr)) {
            xfer_destroy(x);
            goto out;
        }
        x->session = it.session;
        x->s_ns = it.s_ns;
        if (r->o.scheduled)
            r->o.scheduled(r->o.scheduled_ctx, it.index, it.session, it.s_ns);
        x->r_ns = x->a_ns = x->d_ns = x->q_ns = 0;
        x->status = 0;
        x->err = LT_XERR_NONE;
        x->errmsg[0] = '\0';
        x->bytes_sent = x->bytes_received = 0;
        x->next = x->snext = NULL;
        x->events = lt_count_events(rec.body.p, rec.body.len);
        x->rec_status = rec.has_response ? rec.status : 0;
        /* what it should get: as recorded, or the refusal of an event made invalid */
        x->expect = x->rec_status ? x->rec_status : (rec.flags & LT_RF_INVALID) ? 400 : 0;
        {
            int g = lt_groups_classify(&r->groups, &rec.method, &rec.url);
            if (g < 0) {
                xfer_destroy(x);
                lt_error(&r->rerr, LT_E_NOMEM, "out of memory");
                goto out;
            }
            x->group = (uint32_t)g;
        }
        if (ring_push(r, &r->w[worker_of(r, it.session)], x)) {
            xfer_destroy(x);
            goto out;
        }
    }
out:
    for (int k = 0; k < r->nw; k++)
        ring_close(&r->w[k]);
    warmed(r);
    return NULL;
}

/* ---- queue and dispatch ----------------------------------------------------------- */

/* The next request of the ring: taken POP_BATCH at a time, so the lock is not per request. */
static struct lt_xfer *ring_pop(struct worker *w)
{
    int signal = 0;

    if (w->lpos < w->llen)
        return w->local[w->lpos++];
    w->lpos = w->llen = 0;
    pthread_mutex_lock(&w->mu);
    while (w->rlen && w->llen < POP_BATCH) {
        w->local[w->llen++] = w->ring[w->rhead];
        w->rhead = (w->rhead + 1) % w->ring_cap;
        w->rlen--;
    }
    /* the reader waits for a full ring to have REFILL free slots: a context switch per
     * REFILL requests, not per request, and a refill short enough (about 0.1 ms) not to
     * hold up a worker that shares its CPU */
    if (w->reader_waiting && w->ring_cap - w->rlen >= REFILL) {
        w->reader_waiting = 0;
        signal = 1;
    }
    if (!w->llen) {
        if (w->rclosed)
            w->source_done = 1;
        else
            w->want_wake = 1;
    }
    pthread_mutex_unlock(&w->mu);
    if (signal)
        pthread_cond_broadcast(&w->cv);
    return w->llen ? w->local[w->lpos++] : NULL;
}

static void enqueue(struct worker *w, struct lt_xfer *x, int64_t now)
{
    x->next = NULL;
    x->q_ns = now;
    if (w->qtail)
        w->qtail->next = x;
    else
        w->qhead = x;
    w->qtail = x;
    w->qlen++;
}

static struct sess **sess_slot(struct worker *w, uint64_t id)
{
    struct sess **p = &w->sess[lt_splitmix64(id) % SESS_BUCKETS];

    while (*p && (*p)->id != id)
        p = &(*p)->next;
    return p;
}

/* --keep-order: a session's request waits behind the one in flight. */
static int hold_for_session(struct worker *w, struct lt_xfer *x)
{
    struct sess **p = sess_slot(w, x->session), *s = *p;

    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return 0; /* no memory: send it unordered rather than lose it */
        s->id = x->session;
        *p = s;
        return 0;
    }
    x->snext = NULL;
    if (s->tail)
        s->tail->snext = x;
    else
        s->head = x;
    s->tail = x;
    w->pending++;
    return 1;
}

static void session_done(struct worker *w, struct lt_xfer *x, int64_t now)
{
    struct sess **p = sess_slot(w, x->session), *s = *p;

    if (!s)
        return;
    if (s->head) {
        struct lt_xfer *n = s->head;
        s->head = n->snext;
        if (!s->head)
            s->tail = NULL;
        w->pending--;
        enqueue(w, n, now);
        return;
    }
    *p = s->next;
    free(s);
}

/* A request's outcome in a window's numbers (the open interval, or its group's totals). */
static void tally(struct lt_stats *s, const struct answer *a)
{
    lt_stats_note_send(s, a->s_rel, a->service);
    if (a->err != LT_XERR_NONE) {
        s->c[LT_RC_ERR_CONNECT + (int)a->err - 1]++;
    } else {
        s->c[LT_RC_COMPLETED]++;
        s->c[LT_RC_EVENTS] += a->events;
        s->c[LT_RC_OK] += (uint64_t)a->ok;
        s->status[a->status >= 0 && a->status < LT_STATUS_CODES ? a->status : 0]++;
        s->c[LT_RC_MISMATCHED] += (uint64_t)a->mismatched;
    }
    if (a->timed) {
        lt_hist_record(&s->h[LT_RH_LATENCY], a->latency);
        lt_hist_record(&s->h[LT_RH_SERVICE], a->service);
    }
    s->c[LT_RC_BYTES_SENT] += a->bytes_sent;
    s->c[LT_RC_BYTES_RECEIVED] += a->bytes_received;
}

static void account_done(struct worker *w, struct lt_xfer *x)
{
    struct answer *a = &w->gsample[w->ngsample];

    advance(w, x->d_ns);
    if (x->err != LT_XERR_NONE && !w->first_err[x->err][0]) {
        snprintf(w->first_err[x->err], sizeof(w->first_err[0]), "%s",
                 x->errmsg[0] ? x->errmsg : "failed");
        w->first_err_ns[x->err] = x->d_ns;
    }
    a->group = x->group;
    a->status = x->status;
    a->err = x->err;
    a->ok = x->err == LT_XERR_NONE && lt_ok_match(&w->r->o.ok, x->status, x->expect);
    a->mismatched = x->err == LT_XERR_NONE && x->rec_status && x->rec_status != x->status;
    /* every answer, whatever its status, and a timeout at its elapsed time (it was at
     * least that slow); other transport failures are not timed */
    a->timed = x->err == LT_XERR_NONE || x->err == LT_XERR_TIMEOUT;
    a->events = x->events;
    a->s_rel = x->s_ns - w->r->start;
    a->latency = x->d_ns - x->s_ns;
    a->service = x->d_ns - (x->a_ns ? x->a_ns : x->r_ns);
    a->bytes_sent = x->bytes_sent;
    a->bytes_received = x->bytes_received;
    tally(&w->cur, a);
    /* kept for its group, which the run's totals take GSAMPLES at a time */
    if (++w->ngsample == GSAMPLES)
        gflush(w);
}

static void dispatch(struct worker *w);

static void finish(struct worker *w, struct lt_xfer *x)
{
    w->inflight--;
    account_done(w, x);
    if (w->r->o.keep_order)
        session_done(w, x, x->d_ns);
    xfer_done(w, x);
}

static void on_done(void *ctx, struct lt_xfer *x)
{
    struct worker *w = ctx;

    finish(w, x);
    if (!w->stopping)
        dispatch(w);
}

static void on_aborted(void *ctx, struct lt_xfer *x)
{
    struct worker *w = ctx;

    w->inflight--;
    count(w, LT_RC_ABANDONED, 1);
    gcount(w, x, LT_RC_ABANDONED, 1);
    xfer_done(w, x);
}

static void dispatch(struct worker *w)
{
    int64_t now;

    if (!w->qhead || w->inflight >= (size_t)w->conf.conns || w->stopping)
        return;
    now = lt_mono_ns(); /* one clock read for the whole batch */
    while (w->qhead && w->inflight < (size_t)w->conf.conns && !w->stopping) {
        struct lt_xfer *x = w->qhead;
        struct lt_err e;

        w->qhead = x->next;
        if (!w->qhead)
            w->qtail = NULL;
        w->qlen--;
        if (now - x->q_ns > HELD_NS && w->r->o.sched.mode != LT_MODE_BURST) {
            count(w, LT_RC_HELD, 1); /* it waited for a connection: -c held it back */
            gcount(w, x, LT_RC_HELD, 1);
        }
        count(w, LT_RC_SENT, 1);
        gcount(w, x, LT_RC_SENT, 1);
        w->inflight++;
        x->err = LT_XERR_NONE;
        if (w->r->eng->start(w->engine, x, &e)) {
            /* accounted here, not through on_done, so failures cannot recurse */
            x->d_ns = lt_mono_ns();
            x->err = LT_XERR_OTHER;
            snprintf(x->errmsg, sizeof(x->errmsg), "%.127s", e.msg);
            finish(w, x);
        }
    }
}

/* Releases every request whose time has come (open loop), or as many as
 * there are free connections (--burst). */
static void release_due(struct worker *w)
{
    struct lt_replay *r = w->r;
    int64_t now = lt_mono_ns();
    int burst = r->o.sched.mode == LT_MODE_BURST;

    advance(w, now);
    while (!w->stopping) {
        struct lt_xfer *x;
        if (burst) {
            if (w->qlen + w->inflight >= (size_t)w->conf.conns || w->pending >= w->queue_max)
                break;
        } else if (w->qlen + w->pending >= w->queue_max) {
            break; /* memory bound: later requests release late, and their lag shows it */
        }
        if (!w->next && !(w->next = ring_pop(w)))
            break;
        x = w->next;
        if (burst)
            x->s_ns = now;
        else if (r->start + x->s_ns > now)
            break;
        else
            x->s_ns += r->start;
        w->next = NULL;
        x->r_ns = now;
        count(w, LT_RC_SCHEDULED, 1);
        gcount(w, x, LT_RC_SCHEDULED, 1);
        lt_hist_record(&w->cur.h[LT_RH_LAG], x->r_ns - x->s_ns);
        if (r->o.keep_order && hold_for_session(w, x))
            continue;
        enqueue(w, x, now);
    }
    dispatch(w);
}

static void arm_abs(int fd, int64_t mono_ns)
{
    struct itimerspec its;

    memset(&its, 0, sizeof(its));
    if (mono_ns > 0) {
        its.it_value.tv_sec = mono_ns / 1000000000;
        its.it_value.tv_nsec = mono_ns % 1000000000;
    }
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The schedule's timer, re-armed only when its deadline changes (a syscall saved per turn). */
static void arm_sched(struct worker *w, int64_t mono_ns)
{
    if (mono_ns == w->sched_armed)
        return;
    w->sched_armed = mono_ns;
    arm_abs(w->sched_fd, mono_ns);
}

static void drain_fd(int fd)
{
    uint64_t v;

    if (read(fd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing pending */
    }
}

/* The schedule's timer fired. It is edge-triggered, so it is not read (a
 * syscall per request saved); re-arming resets it. */
static void on_sched(void *ctx, int fd, uint32_t ev)
{
    struct worker *w = ctx;

    (void)fd;
    (void)ev;
    w->sched_armed = 0;
}

static void on_tick(void *ctx, int fd, uint32_t ev)
{
    struct worker *w = ctx;

    (void)ev;
    drain_fd(fd);
    advance(w, lt_mono_ns());
    publish(w);
    if (w->nret) {
        pool_put(w->r, w->ret, w->nret);
        w->nret = 0;
    }
}

static void begin_stop(struct worker *w)
{
    w->stopping = 1;
    if (!w->grace_deadline)
        w->grace_deadline = lt_mono_ns() + w->r->o.grace_ns;
}

static void on_stop(void *ctx, int fd, uint32_t ev)
{
    (void)ev;
    drain_fd(fd);
    begin_stop(ctx);
}

static void on_wake(void *ctx, int fd, uint32_t ev)
{
    (void)ctx;
    (void)ev;
    drain_fd(fd);
}

/*
 * Frees what was released but never sent. Stopped by a signal, it was skipped;
 * at the end of --duration, what still waited for a connection could not be
 * sent because every connection was stuck: a failure of the target's, not a
 * choice (requests a session held back behind its own are skipped).
 */
static void skip_queued(struct worker *w)
{
    size_t n = w->pending;

    if (w->stopping == 2)
        count(w, LT_RC_NOT_SENT, w->qlen);
    else
        n += w->qlen;

    free_chain(w, w->qhead, 0, w->stopping == 2 ? LT_RC_NOT_SENT : LT_RC_SKIPPED);
    w->qhead = w->qtail = NULL;
    w->qlen = 0;
    for (size_t i = 0; i < SESS_BUCKETS; i++) {
        struct sess *s = w->sess[i];
        for (; s; s = s->next) {
            free_chain(w, s->head, 1, LT_RC_SKIPPED);
            s->head = s->tail = NULL;
        }
    }
    w->pending = 0;
    count(w, LT_RC_SKIPPED, n);
}

/* ---- a worker ---------------------------------------------------------------------- */

static void worker_loop(struct worker *w)
{
    struct lt_replay *r = w->r;

    if (r->start > lt_mono_ns())
        arm_sched(w, r->start);
    for (;;) {
        int64_t now;

        if (atomic_load(&r->stop) && !w->grace_deadline)
            begin_stop(w);
        if (!w->stopping && lt_mono_ns() >= r->start)
            release_due(w);
        now = lt_mono_ns();
        if (!w->stopping && r->o.duration_ns && now - r->start >= r->o.duration_ns) {
            /* --duration: what is still waiting is skipped; answers in flight are awaited */
            w->stopping = 2;
            w->grace_deadline = 0;
        }
        if (w->stopping) {
            if (w->qlen || w->pending)
                skip_queued(w);
            if (!w->inflight)
                break;
            if (w->grace_deadline && now >= w->grace_deadline) {
                advance(w, now);
                r->eng->abort_all(w->engine);
                break;
            }
            if (w->grace_deadline)
                arm_sched(w, w->grace_deadline);
        } else if (now < r->start) {
            arm_sched(w, r->start);
        } else if (w->source_done && !w->next && !w->qlen && !w->pending && !w->inflight) {
            break;
        } else if (w->next && r->o.sched.mode != LT_MODE_BURST &&
                   w->qlen + w->pending < w->queue_max) {
            int64_t dl = r->start + w->next->s_ns;
            if (r->o.duration_ns && r->start + r->o.duration_ns < dl)
                dl = r->start + r->o.duration_ns;
            arm_sched(w, dl);
        } else if (r->o.duration_ns) {
            arm_sched(w, r->start + r->o.duration_ns);
        }
        if (loop_turn(&w->loop)) {
            lt_error(&r->rerr, LT_E_INTERNAL, "epoll_wait: %s", strerror(errno));
            break;
        }
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct lt_replay *r = w->r;
    sigset_t all;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&r->mu);
    while (!r->go)
        pthread_cond_wait(&r->go_cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
    if (r->go > 0) {
        struct itimerspec its;
        memset(&its, 0, sizeof(its));
        /* the tick closes intervals on time and publishes progress */
        its.it_interval.tv_nsec = 100000000;
        its.it_value = its.it_interval;
        timerfd_settime(w->tick_fd, 0, &its, NULL);
        worker_loop(w);
    }
    w->end_ns = lt_mono_ns();
    gflush(w);
    advance(w, w->end_ns);
    close_interval(w, w->end_ns - r->start);
    publish(w);
    pool_put(r, w->ret, w->nret);
    w->nret = 0;
    pthread_mutex_lock(&r->mu);
    r->done_k[w->idx] = w->interval_k - 1;
    pthread_cond_signal(&r->ready_cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static int worker_init(struct lt_replay *r, struct worker *w, int idx, struct lt_err *err)
{
    struct lt_engine_events ev;
    int conns = r->o.engine_conf.conns;

    w->r = r;
    w->idx = idx;
    w->sched_fd = w->tick_fd = w->wake_fd = w->stop_fd = w->loop.epfd = -1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->conf = r->o.engine_conf;
    /* -c split as evenly as it goes: the first (conns % n) workers take one more */
    w->conf.conns = conns / r->nw + (idx < conns % r->nw);
    w->queue_max = r->o.queue_max / (size_t)r->nw;
    if (w->queue_max < 64)
        w->queue_max = 64;
    w->ring_cap = RING_ALL / (size_t)r->nw > RING_MIN ? RING_ALL / (size_t)r->nw : RING_MIN;
    w->ring = calloc(w->ring_cap, sizeof(*w->ring));
    w->sess = calloc(SESS_BUCKETS, sizeof(*w->sess));
    w->gc = calloc(r->groups.max + 1, sizeof(*w->gc));
    if (!w->ring || !w->sess || !w->gc || lt_stats_init(&w->cur))
        return lt_error(err, LT_E_NOMEM, "out of memory");
    w->loop.epfd = epoll_create1(EPOLL_CLOEXEC);
    w->sched_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    w->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->loop.epfd < 0 || w->sched_fd < 0 || w->tick_fd < 0 || w->wake_fd < 0 || w->stop_fd < 0 ||
        lt_loop_watch(&w->loop, w->sched_fd, EPOLLIN | EPOLLET, on_sched, w) ||
        lt_loop_watch(&w->loop, w->tick_fd, EPOLLIN, on_tick, w) ||
        lt_loop_watch(&w->loop, w->wake_fd, EPOLLIN, on_wake, w) ||
        lt_loop_watch(&w->loop, w->stop_fd, EPOLLIN, on_stop, w))
        return lt_error(err, LT_E_INTERNAL, "cannot set up the event loop: %s", strerror(errno));
    ev.ctx = w;
    ev.done = on_done;
    ev.aborted = on_aborted;
    w->engine = r->eng->create(&w->loop, &w->conf, &ev, err);
    return w->engine ? 0 : (err && err->code ? err->code : LT_E_INTERNAL);
}

static void worker_release(struct worker *w)
{
    struct lt_replay *r = w->r;

    if (!r)
        return;
    if (w->engine)
        r->eng->destroy(w->engine);
    for (size_t i = 0; i < w->rlen; i++)
        xfer_destroy(w->ring[(w->rhead + i) % w->ring_cap]);
    for (size_t i = w->lpos; i < w->llen; i++)
        xfer_destroy(w->local[i]);
    xfer_destroy(w->next);
    for (struct lt_xfer *x = w->qhead, *n; x; x = n) {
        n = x->next;
        xfer_destroy(x);
    }
    for (size_t i = 0; i < w->nret; i++)
        xfer_destroy(w->ret[i]);
    if (w->sess)
        for (size_t i = 0; i < SESS_BUCKETS; i++)
            while (w->sess[i]) {
                struct sess *s = w->sess[i];
                w->sess[i] = s->next;
                for (struct lt_xfer *x = s->head, *n; x; x = n) {
                    n = x->snext;
                    xfer_destroy(x);
                }
                free(s);
            }
    free(w->sess);
    free(w->ring);
    free(w->gc);
    lt_stats_release(&w->cur);
    for (int *fd = &w->sched_fd; fd <= &w->stop_fd; fd++)
        if (*fd >= 0)
            close(*fd);
    if (w->loop.epfd >= 0)
        close(w->loop.epfd);
    free(w->loop.w);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

/* ---- the run ---------------------------------------------------------------------- */

struct lt_replay *lt_replay_new(const struct lt_replay_opts *o, struct lt_record_source *src,
                                struct lt_err *err)
{
    struct lt_replay *r;

    if (!src->next) {
        lt_error(err, LT_E_USAGE, "replay reads its records one by one: not from this source");
        return NULL;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    r->o = *o;
    r->src = src;
    pthread_mutex_init(&r->pool_mu, NULL);
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->gmu, NULL);
    pthread_cond_init(&r->go_cv, NULL);
    pthread_cond_init(&r->ready_cv, NULL);
    pthread_cond_init(&r->free_cv, NULL);
    if (r->o.loops == 0)
        r->o.loops = 1;
    if (r->o.engine_conf.conns <= 0)
        r->o.engine_conf.conns = 1;
    if (r->o.queue_max == 0)
        r->o.queue_max = 10000;
    r->nw = r->o.threads > 0 ? r->o.threads : 1;
    if (r->nw > MAX_THREADS)
        r->nw = MAX_THREADS;
    if (r->nw > r->o.engine_conf.conns)
        r->nw = r->o.engine_conf.conns; /* every worker needs a connection */
    r->eng = o->engine ? o->engine : &lt_engine_curl;
    r->w = calloc((size_t)r->nw, sizeof(*r->w));
    r->scratch = malloc(lt_stats_scratch_size());
    if (!r->w || !r->scratch || lt_stats_init(&r->total) ||
        lt_groups_init(&r->groups, r->o.max_groups) ||
        !(r->gsh = calloc(r->groups.max + 1, sizeof(*r->gsh)))) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < NSLOT; i++)
        if (lt_stats_init(&r->acc[i])) {
            lt_error(err, LT_E_NOMEM, "out of memory");
            goto fail;
        }
    for (int i = 0; i < r->nw; i++) {
        r->done_k[i] = -2;
        if (worker_init(r, &r->w[i], i, err))
            goto fail;
    }
    return r;
fail:
    lt_replay_free(r);
    return NULL;
}

static void join_all(struct lt_replay *r)
{
    if (r->reader_started) {
        atomic_store(&r->stop, 1);
        for (int i = 0; i < r->nw; i++) {
            pthread_mutex_lock(&r->w[i].mu);
            pthread_cond_broadcast(&r->w[i].cv);
            pthread_mutex_unlock(&r->w[i].mu);
        }
        pthread_join(r->reader, NULL);
        r->reader_started = 0;
    }
}

void lt_replay_free(struct lt_replay *r)
{
    if (!r)
        return;
    if (r->w) {
        /* workers still waiting at the gate are let go without running */
        pthread_mutex_lock(&r->mu);
        if (!r->go)
            r->go = -1;
        pthread_cond_broadcast(&r->go_cv);
        pthread_mutex_unlock(&r->mu);
        for (int i = 0; i < r->nw; i++)
            if (r->w[i].started) {
                /* close_interval may wait for a slot: nobody hands them out now */
                pthread_mutex_lock(&r->mu);
                for (int s = 0; s < NSLOT; s++)
                    r->acc_n[s] = 0;
                pthread_cond_broadcast(&r->free_cv);
                pthread_mutex_unlock(&r->mu);
                pthread_join(r->w[i].th, NULL);
                r->w[i].started = 0;
            }
    }
    join_all(r);
    if (r->w)
        for (int i = 0; i < r->nw; i++)
            worker_release(&r->w[i]);
    free(r->w);
    for (struct lt_xfer **l = &r->pool; l; l = l == &r->pool ? &r->mine : NULL)
        while (*l) {
            struct lt_xfer *x = *l;
            *l = x->next;
            xfer_destroy(x);
        }
    for (int i = 0; i < NSLOT; i++)
        lt_stats_release(&r->acc[i]);
    free(r->scratch);
    lt_stats_release(&r->total);
    for (size_t i = 0; r->gsh && i <= r->groups.max; i++)
        if (r->gsh[i]) {
            lt_stats_release(r->gsh[i]);
            free(r->gsh[i]);
        }
    free(r->gsh);
    lt_groups_release(&r->groups);
    pthread_mutex_destroy(&r->gmu);
    pthread_mutex_destroy(&r->pool_mu);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->go_cv);
    pthread_cond_destroy(&r->ready_cv);
    pthread_cond_destroy(&r->free_cv);
    free(r);
}

static void stop_workers(struct lt_replay *r)
{
    atomic_store(&r->stop, 1);
    for (int i = 0; i < r->nw; i++)
        wake(r->w[i].stop_fd);
}

void lt_replay_stop(struct lt_replay *r)
{
    /* only atomics and write(2): async-signal-safe */
    atomic_store(&r->interrupted, 1);
    stop_workers(r);
}

const struct lt_stats *lt_replay_totals(const struct lt_replay *r)
{
    return &r->total;
}

const struct lt_groups *lt_replay_groups(const struct lt_replay *r)
{
    return &r->groups;
}

/*
 * The run's group totals (after every thread has ended) become the groups' stats,
 * with the workers' counters of requests not answered added. Each group's window is
 * the run's.
 */
static int gather_groups(struct lt_replay *r)
{
    for (size_t i = 0; i < r->groups.n; i++) {
        struct lt_group *g = r->groups.g[i];
        int any = r->gsh[i] != NULL;
        for (int k = 0; k < r->nw && !any; k++)
            for (int c = 0; c < LT_RESULTS_NCOUNTERS && !any; c++)
                any = r->w[k].gc[i][c] != 0;
        if (!any)
            continue;
        if (r->gsh[i]) {
            g->st = r->gsh[i];
            r->gsh[i] = NULL;
        } else if (!lt_groups_stats(&r->groups, i)) {
            return -1;
        }
        for (int k = 0; k < r->nw; k++)
            for (int c = 0; c < LT_RESULTS_NCOUNTERS; c++)
                g->st->c[c] += r->w[k].gc[i][c];
        g->st->start_ns = 0;
        g->st->dur_ns = r->total.dur_ns;
        g->st->c[LT_RC_INTERRUPTED] = r->total.c[LT_RC_INTERRUPTED];
    }
    for (int k = 0; k < r->nw; k++)
        if (r->w[k].gfailed)
            return -1;
    return 0;
}

const char *lt_replay_first_error(const struct lt_replay *r, enum lt_xfer_err cls)
{
    const char *best = "";
    int64_t when = 0;

    if ((unsigned)cls >= 5)
        return "";
    for (int i = 0; i < r->nw; i++)
        if (r->w[i].first_err[cls][0] && (!when || r->w[i].first_err_ns[cls] < when)) {
            best = r->w[i].first_err[cls];
            when = r->w[i].first_err_ns[cls];
        }
    return best;
}

int lt_replay_threads(const struct lt_replay *r)
{
    return r->nw;
}

/* Progress for the callback: closed intervals plus what the workers published since. */
static void report_progress(struct lt_replay *r)
{
    struct lt_replay_progress *p = &r->prog;
    int64_t now = lt_mono_ns();

    p->elapsed_ns = now > r->start ? now - r->start : 0;
    p->total_ns = r->o.total_hint_ns;
    p->sent = r->total.c[LT_RC_SENT];
    p->completed = r->total.c[LT_RC_COMPLETED];
    p->errors = 0;
    for (int i = 0; i < 4; i++)
        p->errors += r->total.c[LT_RC_ERR_CONNECT + i];
    p->in_flight = p->queued = 0;
    for (int i = 0; i < r->nw; i++) {
        struct worker *w = &r->w[i];
        p->sent += atomic_load_explicit(&w->pub_sent, memory_order_relaxed);
        p->completed += atomic_load_explicit(&w->pub_completed, memory_order_relaxed);
        p->errors += atomic_load_explicit(&w->pub_errors, memory_order_relaxed);
        p->in_flight += atomic_load_explicit(&w->pub_inflight, memory_order_relaxed);
        p->queued += atomic_load_explicit(&w->pub_queued, memory_order_relaxed);
    }
    r->cb->progress(r->cb->ctx, p);
}

/* Interval k is whole: into the totals, and out through the callback. Called without
 * r->mu: the slot stays taken (acc_n > 0) until the caller frees it. */
static void emit(struct lt_replay *r, int64_t k)
{
    struct lt_stats *s = &r->acc[k % NSLOT];
    struct lt_results_section sec;

    /* the window of an interval is its whole second, but the last one ends with the run */
    r->prog.rps_last = s->dur_ns > 0 ? (double)s->c[LT_RC_COMPLETED] * 1e9 / (double)s->dur_ns : 0;
    r->prog.p50_last_ns = lt_hist_percentile(&s->h[LT_RH_LATENCY], 50);
    r->prog.p99_last_ns = lt_hist_percentile(&s->h[LT_RH_LATENCY], 99);
    lt_stats_merge(&r->total, s);
    if (r->cb && r->cb->interval && !r->cbfailed) {
        lt_stats_to_section(s, LT_RESULTS_INTERVAL, r->scratch, &sec);
        if (r->cb->interval(r->cb->ctx, &sec, &r->cberr)) {
            r->cbfailed = 1;
            stop_workers(r);
        }
    }
}

/* Hands out merged intervals in order until every worker has finished. */
static void collect(struct lt_replay *r)
{
    int64_t k = 0, period = r->o.progress_ns > 0 ? r->o.progress_ns : 0;
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&r->mu);
    for (;;) {
        int need = 0, slot = (int)(k % NSLOT), have;
        for (int i = 0; i < r->nw; i++)
            need += r->done_k[i] == -2 || r->done_k[i] >= k;
        if (need == 0)
            break;
        have = r->acc_n[slot] > 0 && r->acc_k[slot] == k ? r->acc_n[slot] : 0;
        if (have == need) {
            pthread_mutex_unlock(&r->mu);
            emit(r, k);
            pthread_mutex_lock(&r->mu);
            r->acc_n[slot] = 0;
            pthread_cond_broadcast(&r->free_cv);
            k++;
            continue;
        }
        if (period && r->cb && r->cb->progress) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > next.tv_sec ||
                (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec)) {
                pthread_mutex_unlock(&r->mu);
                report_progress(r);
                pthread_mutex_lock(&r->mu);
                next = now;
                next.tv_nsec += period % 1000000000;
                next.tv_sec += period / 1000000000 + next.tv_nsec / 1000000000;
                next.tv_nsec %= 1000000000;
                continue;
            }
            {
                /* a condition variable's clock is CLOCK_REALTIME: wait relative to it */
                struct timespec rt;
                int64_t left =
                    (next.tv_sec - now.tv_sec) * 1000000000LL + (next.tv_nsec - now.tv_nsec);
                clock_gettime(CLOCK_REALTIME, &rt);
                rt.tv_nsec += left % 1000000000;
                rt.tv_sec += left / 1000000000 + rt.tv_nsec / 1000000000;
                rt.tv_nsec %= 1000000000;
                pthread_cond_timedwait(&r->ready_cv, &r->mu, &rt);
            }
        } else {
            pthread_cond_wait(&r->ready_cv, &r->mu);
        }
    }
    pthread_mutex_unlock(&r->mu);
}

int lt_replay_run(struct lt_replay *r, const struct lt_replay_cbs *cb, struct lt_err *err)
{
    int rc = 0;
    int64_t end = 0;

    r->cb = cb;
    for (int i = 0; i < r->nw; i++) {
        if (pthread_create(&r->w[i].th, NULL, worker_main, &r->w[i]) != 0) {
            stop_workers(r);
            return lt_error(err, LT_E_INTERNAL, "cannot start a worker thread");
        }
        r->w[i].started = 1;
    }
    if (pthread_create(&r->reader, NULL, reader_main, r) != 0) {
        stop_workers(r);
        return lt_error(err, LT_E_INTERNAL, "cannot start the reader thread");
    }
    r->reader_started = 1;
    /* warm up: the first requests are built before the clock starts (a ring
     * full, or the source read to its end) */
    pthread_mutex_lock(&r->mu);
    while (!atomic_load(&r->warm) && !atomic_load(&r->stop))
        pthread_cond_wait(&r->go_cv, &r->mu);
    /* --start-at: the workers wait for the instant themselves (absolute timers) */
    r->start = r->o.start_mono_ns > 0 ? r->o.start_mono_ns : lt_mono_ns() + 1000000;
    r->go = 1;
    pthread_cond_broadcast(&r->go_cv);
    pthread_mutex_unlock(&r->mu);
    collect(r);
    for (int i = 0; i < r->nw; i++) {
        pthread_join(r->w[i].th, NULL);
        r->w[i].started = 0;
        if (r->w[i].end_ns > end)
            end = r->w[i].end_ns;
    }
    r->total.start_ns = 0;
    r->total.dur_ns = end > r->start ? end - r->start : 0;
    if (atomic_load(&r->interrupted))
        r->total.c[LT_RC_INTERRUPTED] = 1;
    /* stop the reader; records it still held were never scheduled */
    join_all(r);
    if (gather_groups(r))
        rc = lt_error(err, LT_E_NOMEM, "out of memory for the per-endpoint groups");
    if (!rc && r->cbfailed) {
        if (err)
            *err = r->cberr;
        rc = r->cberr.code ? r->cberr.code : LT_E_IO;
    }
    if (!rc && r->rerr.code) {
        if (err)
            *err = r->rerr;
        rc = r->rerr.code;
    }
    return rc;
}
