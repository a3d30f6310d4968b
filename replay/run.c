/*
 * run.c - one replay: a reader thread turns records into requests with
 * their intended send times (so reading and decompressing never stall
 * sending), and the main thread's epoll loop releases each at its absolute
 * deadline (a timerfd armed with TFD_TIMER_ABSTIME on CLOCK_MONOTONIC),
 * queues it when all -c connections are busy (the wait counts in its
 * latency), hands it to the engine, and accounts for it in 1 s intervals
 * that are streamed out as they close.
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
#include <sys/timerfd.h>
#include <unistd.h>

#define RING 4096
#define SESS_BUCKETS 65536
#define FD_MAX 1048576

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

/* ---- the run ---------------------------------------------------------------- */

struct sess {
    uint64_t id;
    struct lt_xfer *head, *tail; /* waiting for the one in flight */
    struct sess *next;
};

struct lt_replay {
    struct lt_replay_opts o;
    struct lt_source *src;
    struct lt_loop loop;
    void *engine;
    const struct lt_engine_ops *eng;
    int sched_fd, tick_fd, wake_fd, stop_fd;
    atomic_int stop;

    /* reader -> main: a bounded ring */
    pthread_t reader;
    int reader_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lt_xfer *ring[RING];
    size_t rhead, rlen;
    int rclosed, want_wake;
    struct lt_err rerr; /* the reader's error, when it stopped on one */

    /* main thread */
    int64_t start;
    struct lt_xfer *next;          /* popped, waiting for its deadline */
    struct lt_xfer *qhead, *qtail; /* released, waiting for a connection */
    size_t qlen, inflight, pending;
    struct sess **sess;
    int stopping, source_done;
    int64_t end_ns, grace_deadline;
    int64_t sched_armed; /* deadline the schedule timer is armed for, 0: none */

    /* metrics */
    struct lt_stats cur, total;
    int64_t interval_k;
    void *scratch;
    const struct lt_replay_cbs *cb;
    struct lt_err cberr;
    int cbfailed;
    struct lt_replay_progress prog;
    char first_err[5][128]; /* by enum lt_xfer_err */
};

/* ---- metrics ---------------------------------------------------------------- */

static void close_interval(struct lt_replay *r, int64_t end_rel)
{
    struct lt_results_section sec;
    int64_t k0 = r->interval_k * 1000000000LL;

    r->cur.start_ns = k0;
    r->cur.dur_ns = end_rel - k0;
    r->prog.rps_last =
        r->cur.dur_ns > 0 ? (double)r->cur.c[LT_RC_COMPLETED] * 1e9 / (double)r->cur.dur_ns : 0;
    r->prog.p50_last_ns = lt_hist_percentile(&r->cur.h[LT_RH_LATENCY], 50);
    r->prog.p99_last_ns = lt_hist_percentile(&r->cur.h[LT_RH_LATENCY], 99);
    lt_stats_merge(&r->total, &r->cur);
    if (r->cb && r->cb->interval && !r->cbfailed) {
        lt_stats_to_section(&r->cur, LT_RESULTS_INTERVAL, r->scratch, &sec);
        if (r->cb->interval(r->cb->ctx, &sec, &r->cberr)) {
            r->cbfailed = 1;
            r->stopping = 1;
        }
    }
    lt_stats_reset(&r->cur);
    r->interval_k++;
}

/* Closes every interval that ended before `now` (so each event lands in its own second). */
static void advance(struct lt_replay *r, int64_t now)
{
    int64_t rel = now - r->start;

    while (rel >= (r->interval_k + 1) * 1000000000LL)
        close_interval(r, (r->interval_k + 1) * 1000000000LL);
}

static void count(struct lt_replay *r, int c, uint64_t n)
{
    r->cur.c[c] += n;
}

/* ---- the reader thread --------------------------------------------------------- */

static int ring_push(struct lt_replay *r, struct lt_xfer *x)
{
    int wake = 0;

    pthread_mutex_lock(&r->mu);
    while (r->rlen == RING && !atomic_load(&r->stop))
        pthread_cond_wait(&r->cv, &r->mu);
    if (atomic_load(&r->stop)) {
        pthread_mutex_unlock(&r->mu);
        return -1;
    }
    r->ring[(r->rhead + r->rlen) % RING] = x;
    r->rlen++;
    if (r->rlen == RING)
        pthread_cond_broadcast(&r->cv); /* the run waits for a full ring to start */
    if (r->want_wake) {
        r->want_wake = 0;
        wake = 1;
    }
    pthread_mutex_unlock(&r->mu);
    if (wake) {
        uint64_t one = 1;
        if (write(r->wake_fd, &one, sizeof(one)) < 0) {
            /* the counter is saturated: main is awake anyway */
        }
    }
    return 0;
}

static void ring_close(struct lt_replay *r)
{
    uint64_t one = 1;

    pthread_mutex_lock(&r->mu);
    r->rclosed = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (write(r->wake_fd, &one, sizeof(one)) < 0) {
        /* saturated: main is awake anyway */
    }
}

static void free_xfer(struct lt_xfer *x)
{
    if (x) {
        free(x->req);
        free(x);
    }
}

static void *reader_main(void *arg)
{
    struct lt_replay *r = arg;
    struct lt_schedule sc;
    struct lt_record rec;
    uint64_t i = 0, first_ts = 0, last_ts = 0, npass = 0, id_ctr;
    int64_t pass_len = 0;
    int have_first = 0, rc = 0;
    sigset_t all;

    /* signals go to the main thread */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    if (lt_schedule_init(&sc, &r->o.sched, &r->rerr))
        goto out;
    for (uint64_t pass = 0; pass < r->o.loops && !atomic_load(&r->stop); pass++) {
        uint64_t inpass = 0;
        if (pass > 0) {
            if (npass == 0)
                break; /* an empty source stays empty */
            if (r->src->rewind(r->src->ctx, &r->rerr))
                goto out;
            if (pass == 1) {
                /* passes follow each other with one mean gap between them */
                int64_t span = (int64_t)(last_ts - first_ts);
                pass_len = span + (npass > 1 ? span / (int64_t)(npass - 1) : 1000000000LL);
                if (pass_len <= 0)
                    pass_len = 1;
            }
        }
        while (!atomic_load(&r->stop) && (!r->o.limit || inpass < r->o.limit)) {
            struct lt_xfer *x;
            uint64_t session;
            int64_t s;

            rc = r->src->next(r->src->ctx, &rec, &r->rerr);
            if (rc < 0)
                goto out;
            if (rc == 0)
                break;
            if (!have_first) {
                first_ts = rec.ts_ns;
                have_first = 1;
            }
            if (pass == 0) {
                last_ts = rec.ts_ns;
                npass++;
            }
            inpass++;
            /* the schedule covers every record, whatever the shard */
            s = lt_schedule_next(&sc, i,
                                 (int64_t)(rec.ts_ns - first_ts) + (int64_t)pass * pass_len);
            id_ctr = i << 20; /* fresh ids unique across the tape (and shards) */
            i++;
            if (r->o.duration_ns && r->o.sched.mode != LT_MODE_BURST && s >= r->o.duration_ns)
                goto out;
            session =
                pass ? lt_splitmix64(rec.session ^ (pass * 0x9e3779b97f4a7c15ULL)) : rec.session;
            if (!lt_shard_member(session, r->o.shard_i, r->o.shard_n))
                continue;
            x = calloc(1, sizeof(*x));
            if (!x) {
                lt_error(&r->rerr, LT_E_NOMEM, "out of memory");
                goto out;
            }
            x->req = lt_request_build(&rec, &r->o.req, r->o.id_seed, &id_ctr, &r->rerr);
            if (!x->req) {
                free(x);
                goto out;
            }
            x->session = session;
            x->s_ns = s;
            x->rec_status = rec.has_response ? rec.status : 0;
            if (ring_push(r, x)) {
                free_xfer(x);
                goto out;
            }
        }
    }
out:
    ring_close(r);
    return NULL;
}

/* ---- queue and dispatch ----------------------------------------------------------- */

static struct lt_xfer *ring_pop(struct lt_replay *r)
{
    struct lt_xfer *x = NULL;
    int signal = 0;

    pthread_mutex_lock(&r->mu);
    if (r->rlen) {
        x = r->ring[r->rhead];
        r->rhead = (r->rhead + 1) % RING;
        signal = r->rlen == RING;
        r->rlen--;
    } else if (r->rclosed) {
        r->source_done = 1;
    } else {
        r->want_wake = 1;
    }
    pthread_mutex_unlock(&r->mu);
    if (signal)
        pthread_cond_broadcast(&r->cv);
    return x;
}

static void enqueue(struct lt_replay *r, struct lt_xfer *x)
{
    x->next = NULL;
    if (r->qtail)
        r->qtail->next = x;
    else
        r->qhead = x;
    r->qtail = x;
    r->qlen++;
}

static struct sess **sess_slot(struct lt_replay *r, uint64_t id)
{
    struct sess **p = &r->sess[lt_splitmix64(id) % SESS_BUCKETS];

    while (*p && (*p)->id != id)
        p = &(*p)->next;
    return p;
}

/* --keep-order: a session's request waits behind the one in flight. */
static int hold_for_session(struct lt_replay *r, struct lt_xfer *x)
{
    struct sess **p = sess_slot(r, x->session), *s = *p;

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
    r->pending++;
    return 1;
}

static void session_done(struct lt_replay *r, struct lt_xfer *x)
{
    struct sess **p = sess_slot(r, x->session), *s = *p;

    if (!s)
        return;
    if (s->head) {
        struct lt_xfer *n = s->head;
        s->head = n->snext;
        if (!s->head)
            s->tail = NULL;
        r->pending--;
        enqueue(r, n);
        return;
    }
    *p = s->next;
    free(s);
}

static void account_done(struct lt_replay *r, struct lt_xfer *x)
{
    advance(r, x->d_ns);
    if (x->err != LT_XERR_NONE) {
        count(r, LT_RC_ERR_CONNECT + (int)x->err - 1, 1);
        if (!r->first_err[x->err][0])
            snprintf(r->first_err[x->err], sizeof(r->first_err[0]), "%s",
                     x->errmsg[0] ? x->errmsg : "failed");
    } else {
        count(r, LT_RC_COMPLETED, 1);
        if (x->status >= 200 && x->status <= 299)
            count(r, LT_RC_OK, 1);
        r->cur.status[x->status >= 0 && x->status < LT_STATUS_CODES ? x->status : 0]++;
        if (x->rec_status && x->rec_status != x->status)
            count(r, LT_RC_MISMATCHED, 1);
        lt_hist_record(&r->cur.h[LT_RH_LATENCY], x->d_ns - x->s_ns);
        lt_hist_record(&r->cur.h[LT_RH_SERVICE], x->d_ns - (x->a_ns ? x->a_ns : x->r_ns));
    }
    count(r, LT_RC_BYTES_SENT, x->bytes_sent);
    count(r, LT_RC_BYTES_RECEIVED, x->bytes_received);
}

static void dispatch(struct lt_replay *r);

static void finish(struct lt_replay *r, struct lt_xfer *x)
{
    r->inflight--;
    account_done(r, x);
    if (r->o.keep_order)
        session_done(r, x);
    free_xfer(x);
}

static void on_done(void *ctx, struct lt_xfer *x)
{
    struct lt_replay *r = ctx;

    finish(r, x);
    if (!r->stopping)
        dispatch(r);
}

static void on_aborted(void *ctx, struct lt_xfer *x)
{
    struct lt_replay *r = ctx;

    r->inflight--;
    count(r, LT_RC_ABANDONED, 1);
    free_xfer(x);
}

static void dispatch(struct lt_replay *r)
{
    while (r->qhead && r->inflight < (size_t)r->o.engine_conf.conns && !r->stopping) {
        struct lt_xfer *x = r->qhead;
        struct lt_err e;

        r->qhead = x->next;
        if (!r->qhead)
            r->qtail = NULL;
        r->qlen--;
        count(r, LT_RC_SENT, 1);
        r->inflight++;
        if (r->eng->start(r->engine, x, &e)) {
            /* accounted here, not through on_done, so failures cannot recurse */
            x->d_ns = lt_mono_ns();
            x->err = LT_XERR_OTHER;
            finish(r, x);
        }
    }
}

/* Releases every request whose time has come (open loop), or as many as
 * there are free connections (--burst). */
static void release_due(struct lt_replay *r)
{
    int64_t now = lt_mono_ns();
    int burst = r->o.sched.mode == LT_MODE_BURST;

    advance(r, now);
    while (!r->stopping) {
        struct lt_xfer *x;
        if (burst) {
            if (r->qlen + r->inflight >= (size_t)r->o.engine_conf.conns ||
                r->pending >= r->o.queue_max)
                break;
        } else if (r->qlen + r->pending >= r->o.queue_max) {
            break; /* memory bound: later requests release late, and their lag shows it */
        }
        if (!r->next && !(r->next = ring_pop(r)))
            break;
        x = r->next;
        if (burst)
            x->s_ns = now;
        else if (r->start + x->s_ns > now)
            break;
        else
            x->s_ns += r->start;
        r->next = NULL;
        x->r_ns = now;
        count(r, LT_RC_SCHEDULED, 1);
        lt_hist_record(&r->cur.h[LT_RH_LAG], x->r_ns - x->s_ns);
        if (r->o.keep_order && hold_for_session(r, x))
            continue;
        enqueue(r, x);
    }
    dispatch(r);
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
static void arm_sched(struct lt_replay *r, int64_t mono_ns)
{
    if (mono_ns == r->sched_armed)
        return;
    r->sched_armed = mono_ns;
    arm_abs(r->sched_fd, mono_ns);
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
    struct lt_replay *r = ctx;

    (void)fd;
    (void)ev;
    r->sched_armed = 0;
}

static void on_tick(void *ctx, int fd, uint32_t ev)
{
    struct lt_replay *r = ctx;
    int64_t now = lt_mono_ns();

    (void)ev;
    drain_fd(fd);
    advance(r, now);
    if (r->cb && r->cb->progress) {
        struct lt_replay_progress *p = &r->prog;
        p->elapsed_ns = now - r->start;
        p->total_ns = r->o.total_hint_ns;
        p->sent = r->total.c[LT_RC_SENT] + r->cur.c[LT_RC_SENT];
        p->completed = r->total.c[LT_RC_COMPLETED] + r->cur.c[LT_RC_COMPLETED];
        p->errors = 0;
        for (int i = 0; i < 4; i++)
            p->errors += r->total.c[LT_RC_ERR_CONNECT + i] + r->cur.c[LT_RC_ERR_CONNECT + i];
        p->in_flight = r->inflight;
        p->queued = r->qlen + r->pending;
        r->cb->progress(r->cb->ctx, p);
    }
}

static void on_stop(void *ctx, int fd, uint32_t ev)
{
    struct lt_replay *r = ctx;

    (void)ev;
    drain_fd(fd);
    r->stopping = 1;
    if (!r->grace_deadline)
        r->grace_deadline = lt_mono_ns() + r->o.grace_ns;
}

static void on_wake(void *ctx, int fd, uint32_t ev)
{
    (void)ctx;
    (void)ev;
    drain_fd(fd);
}

struct lt_replay *lt_replay_new(const struct lt_replay_opts *o, struct lt_source *src,
                                struct lt_err *err)
{
    struct lt_replay *r = calloc(1, sizeof(*r));
    struct lt_engine_events ev;

    if (!r) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    r->o = *o;
    r->src = src;
    r->sched_fd = r->tick_fd = r->wake_fd = r->stop_fd = r->loop.epfd = -1;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (r->o.loops == 0)
        r->o.loops = 1;
    if (r->o.engine_conf.conns <= 0)
        r->o.engine_conf.conns = 1;
    if (r->o.queue_max == 0)
        r->o.queue_max = 10000;
    r->eng = o->engine ? o->engine : &lt_engine_curl;
    r->sess = calloc(SESS_BUCKETS, sizeof(*r->sess));
    r->scratch = malloc(lt_stats_scratch_size());
    if (!r->sess || !r->scratch || lt_stats_init(&r->cur) || lt_stats_init(&r->total)) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        goto fail;
    }
    r->loop.epfd = epoll_create1(EPOLL_CLOEXEC);
    r->sched_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    r->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    r->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r->loop.epfd < 0 || r->sched_fd < 0 || r->tick_fd < 0 || r->wake_fd < 0 || r->stop_fd < 0 ||
        lt_loop_watch(&r->loop, r->sched_fd, EPOLLIN | EPOLLET, on_sched, r) ||
        lt_loop_watch(&r->loop, r->tick_fd, EPOLLIN, on_tick, r) ||
        lt_loop_watch(&r->loop, r->wake_fd, EPOLLIN, on_wake, r) ||
        lt_loop_watch(&r->loop, r->stop_fd, EPOLLIN, on_stop, r)) {
        lt_error(err, LT_E_INTERNAL, "cannot set up the event loop: %s", strerror(errno));
        goto fail;
    }
    ev.ctx = r;
    ev.done = on_done;
    ev.aborted = on_aborted;
    r->engine = r->eng->create(&r->loop, &r->o.engine_conf, &ev, err);
    if (!r->engine)
        goto fail;
    return r;
fail:
    lt_replay_free(r);
    return NULL;
}

static void free_chain(struct lt_xfer *x, int snext)
{
    while (x) {
        struct lt_xfer *n = snext ? x->snext : x->next;
        free_xfer(x);
        x = n;
    }
}

void lt_replay_free(struct lt_replay *r)
{
    if (!r)
        return;
    if (r->engine)
        r->eng->destroy(r->engine);
    if (r->reader_started) {
        atomic_store(&r->stop, 1);
        pthread_mutex_lock(&r->mu);
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->reader, NULL);
    }
    for (size_t i = 0; i < r->rlen; i++)
        free_xfer(r->ring[(r->rhead + i) % RING]);
    free_xfer(r->next);
    free_chain(r->qhead, 0);
    if (r->sess)
        for (size_t i = 0; i < SESS_BUCKETS; i++)
            while (r->sess[i]) {
                struct sess *s = r->sess[i];
                r->sess[i] = s->next;
                free_chain(s->head, 1);
                free(s);
            }
    free(r->sess);
    free(r->scratch);
    lt_stats_release(&r->cur);
    lt_stats_release(&r->total);
    for (int *fd = &r->sched_fd; fd <= &r->stop_fd; fd++)
        if (*fd >= 0)
            close(*fd);
    if (r->loop.epfd >= 0)
        close(r->loop.epfd);
    free(r->loop.w);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

void lt_replay_stop(struct lt_replay *r)
{
    uint64_t one = 1;

    atomic_store(&r->stop, 1);
    if (write(r->stop_fd, &one, sizeof(one)) < 0) {
        /* saturated: a stop is pending anyway */
    }
}

const struct lt_stats *lt_replay_totals(const struct lt_replay *r)
{
    return &r->total;
}

const char *lt_replay_first_error(const struct lt_replay *r, enum lt_xfer_err cls)
{
    return (unsigned)cls < 5 ? r->first_err[cls] : "";
}

/* Counts what was released but never sent as skipped, and frees it. */
static void skip_queued(struct lt_replay *r)
{
    size_t n = r->qlen + r->pending;

    free_chain(r->qhead, 0);
    r->qhead = r->qtail = NULL;
    r->qlen = 0;
    for (size_t i = 0; i < SESS_BUCKETS; i++) {
        struct sess *s = r->sess[i];
        for (; s; s = s->next) {
            free_chain(s->head, 1);
            s->head = s->tail = NULL;
        }
    }
    r->pending = 0;
    count(r, LT_RC_SKIPPED, n);
}

int lt_replay_run(struct lt_replay *r, const struct lt_replay_cbs *cb, struct lt_err *err)
{
    int rc = 0;

    r->cb = cb;
    if (pthread_create(&r->reader, NULL, reader_main, r) != 0)
        return lt_error(err, LT_E_INTERNAL, "cannot start the reader thread");
    r->reader_started = 1;
    /* warm up: the first requests are built before the clock starts */
    pthread_mutex_lock(&r->mu);
    while (r->rlen < RING && !r->rclosed && !atomic_load(&r->stop))
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
    /* --start-at: wait for the instant (absolute), unless stopped */
    r->start = r->o.start_mono_ns > 0 ? r->o.start_mono_ns : lt_mono_ns();
    if (r->start > lt_mono_ns()) {
        arm_abs(r->sched_fd, r->start);
        while (lt_mono_ns() < r->start && !atomic_load(&r->stop))
            if (loop_turn(&r->loop))
                break;
    }
    {
        /* the tick closes intervals on time (and drives progress) */
        int64_t period = r->o.progress_ns > 0 ? r->o.progress_ns : 250000000;
        struct itimerspec its;
        memset(&its, 0, sizeof(its));
        its.it_interval.tv_sec = period / 1000000000;
        its.it_interval.tv_nsec = period % 1000000000;
        its.it_value = its.it_interval;
        timerfd_settime(r->tick_fd, 0, &its, NULL);
    }
    for (;;) {
        int64_t now;

        if (atomic_load(&r->stop) && !r->grace_deadline) {
            r->stopping = 1;
            r->grace_deadline = lt_mono_ns() + r->o.grace_ns;
        }
        if (!r->stopping)
            release_due(r);
        now = lt_mono_ns();
        if (!r->stopping && r->o.duration_ns && now - r->start >= r->o.duration_ns) {
            /* --duration: what is still waiting is skipped; answers in flight are awaited */
            r->stopping = 2;
            r->grace_deadline = 0;
        }
        if (r->stopping) {
            if (r->qlen || r->pending)
                skip_queued(r);
            if (!r->inflight)
                break;
            if (r->grace_deadline && now >= r->grace_deadline) {
                advance(r, now);
                r->eng->abort_all(r->engine);
                break;
            }
            arm_sched(r, r->grace_deadline);
        } else if (r->source_done && !r->next && !r->qlen && !r->pending && !r->inflight) {
            break;
        } else if (r->next && r->o.sched.mode != LT_MODE_BURST &&
                   r->qlen + r->pending < r->o.queue_max) {
            int64_t dl = r->start + r->next->s_ns;
            if (r->o.duration_ns && r->start + r->o.duration_ns < dl)
                dl = r->start + r->o.duration_ns;
            arm_sched(r, dl);
        } else if (r->o.duration_ns) {
            arm_sched(r, r->start + r->o.duration_ns);
        }
        if (loop_turn(&r->loop)) {
            rc = lt_error(err, LT_E_INTERNAL, "epoll_wait: %s", strerror(errno));
            break;
        }
    }
    /* the last, partial interval */
    r->end_ns = lt_mono_ns();
    advance(r, r->end_ns);
    close_interval(r, r->end_ns - r->start);
    r->total.start_ns = 0;
    r->total.dur_ns = r->end_ns - r->start;
    /* stop the reader; records it still held were never scheduled */
    atomic_store(&r->stop, 1);
    pthread_mutex_lock(&r->mu);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->reader, NULL);
    r->reader_started = 0;
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
