/*
 * engine_curl.c - the libcurl engine: one multi handle driven through
 * curl_multi_socket_action() by the run's epoll loop (sockets) and a timerfd
 * (libcurl's own timeouts; the send schedule has its own clock in run.c).
 * Connections are reused (HTTP/1.1 keep-alive, HTTP/2 over https). The run
 * never hands over more than conf.conns requests at a time, so libcurl's
 * queue stays empty and every wait is in loadtape's own queue, where it is
 * measured. libcurl adds nothing to the request: its Accept, Expect and form
 * Content-Type are suppressed and the path goes out as recorded.
 */
#include "lt_replay.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct slot {
    CURL *easy;
    struct curl_slist *hdrs;
    struct lt_xfer *x;
    struct cengine *e;
    size_t active_idx;
    int configured;
    char errbuf[CURL_ERROR_SIZE];
};

struct cengine {
    CURLM *multi;
    struct lt_loop *loop;
    struct lt_engine_conf conf;
    struct lt_engine_events ev;
    int tfd;
    struct slot **free_slots;
    size_t nfree, free_cap;
    struct slot **active;
    size_t nactive, active_cap;
    int64_t armed;      /* the timerfd's deadline (mono ns), 0: none */
    struct lt_buf line; /* one header line, for curl_slist_append */
};

static void check_done(struct cengine *e);

static void on_sock(void *ctx, int fd, uint32_t events)
{
    struct cengine *e = ctx;
    int flags = 0, running;

    if (events & EPOLLIN)
        flags |= CURL_CSELECT_IN;
    if (events & EPOLLOUT)
        flags |= CURL_CSELECT_OUT;
    if (events & (EPOLLERR | EPOLLHUP))
        flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(e->multi, fd, flags, &running);
    check_done(e);
}

static void on_timer(void *ctx, int fd, uint32_t events)
{
    struct cengine *e = ctx;
    int running;

    (void)fd;
    (void)events;
    /* edge-triggered: not read (re-arming resets it) */
    e->armed = 0;
    curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(e);
}

static int sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct cengine *e = userp;
    uint32_t ev = 0;

    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE)
        return lt_loop_watch(e->loop, s, 0, NULL, NULL) ? -1 : 0;
    if (what & CURL_POLL_IN)
        ev |= EPOLLIN;
    if (what & CURL_POLL_OUT)
        ev |= EPOLLOUT;
    return lt_loop_watch(e->loop, s, ev, on_sock, e) ? -1 : 0;
}

static void on_due(void *ctx, int fd, uint32_t events)
{
    struct cengine *e = ctx;
    int running;

    (void)fd;
    (void)events;
    curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(e);
}

/*
 * libcurl's timeout, in ms: fine for libcurl's own housekeeping (sends are
 * never timed by it). libcurl asks for "now" and re-sets its timer several
 * times per request, so "now" is a deferred call on the loop, and the timerfd
 * is re-armed only for an earlier deadline: firing early is harmless, libcurl
 * just asks again.
 */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct cengine *e = userp;
    struct itimerspec its;
    int64_t now, dl;

    (void)multi;
    if (timeout_ms < 0)
        return 0; /* leave a pending timer: a spurious wake-up costs less than a syscall */
    if (timeout_ms == 0) {
        lt_loop_defer(e->loop, on_due, e);
        return 0;
    }
    now = lt_mono_ns();
    dl = now + (int64_t)timeout_ms * 1000000;
    if (e->armed > now && e->armed <= dl)
        return 0;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = dl / 1000000000;
    its.it_value.tv_nsec = dl % 1000000000;
    e->armed = dl;
    return timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL) ? -1 : 0;
}

static int prereq_cb(void *clientp, char *primary_ip, char *local_ip, int primary_port,
                     int local_port)
{
    struct slot *s = clientp;

    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    s->x->a_ns = lt_mono_ns();
    return CURL_PREREQFUNC_OK;
}

static size_t discard_cb(char *p, size_t size, size_t n, void *userp)
{
    (void)p;
    (void)userp;
    return size * n;
}

static enum lt_xfer_err classify(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return LT_XERR_NONE;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return LT_XERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return LT_XERR_TIMEOUT;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return LT_XERR_RESET;
    default:
        return LT_XERR_OTHER;
    }
}

static void slot_release(struct cengine *e, struct slot *s)
{
    struct slot *last = e->active[--e->nactive];

    last->active_idx = s->active_idx;
    e->active[s->active_idx] = last;
    curl_multi_remove_handle(e->multi, s->easy);
    curl_slist_free_all(s->hdrs);
    s->hdrs = NULL;
    s->x = NULL;
    e->free_slots[e->nfree++] = s;
}

static void check_done(struct cengine *e)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(e->multi, &left))) {
        struct slot *s;
        struct lt_xfer *x;
        long code = 0;
        curl_off_t down = 0;
        long hsize = 0, rsize = 0;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        x = s->x;
        x->d_ns = lt_mono_ns();
        x->err = classify(m->data.result);
        if (x->err == LT_XERR_NONE) {
            curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
            x->status = (int)code;
        } else {
            snprintf(x->errmsg, sizeof(x->errmsg), "%.*s", (int)sizeof(x->errmsg) - 1,
                     s->errbuf[0] ? s->errbuf : curl_easy_strerror(m->data.result));
        }
        curl_easy_getinfo(s->easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
        curl_easy_getinfo(s->easy, CURLINFO_HEADER_SIZE, &hsize);
        curl_easy_getinfo(s->easy, CURLINFO_REQUEST_SIZE, &rsize);
        x->bytes_received = (uint64_t)down + (uint64_t)hsize;
        x->bytes_sent = (uint64_t)rsize;
        slot_release(e, s);
        e->ev.done(e->ev.ctx, x);
    }
}

static void *create(struct lt_loop *loop, const struct lt_engine_conf *c,
                    const struct lt_engine_events *ev, struct lt_err *err)
{
    struct cengine *e = calloc(1, sizeof(*e));

    if (!e) {
        lt_error(err, LT_E_NOMEM, "out of memory");
        return NULL;
    }
    e->tfd = -1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        lt_error(err, LT_E_INTERNAL, "libcurl initialisation failed");
        free(e);
        return NULL;
    }
    e->loop = loop;
    e->conf = *c;
    lt_buf_init(&e->line, 0);
    e->ev = *ev;
    e->free_cap = e->active_cap = (size_t)(c->conns > 0 ? c->conns : 1);
    e->free_slots = calloc(e->free_cap, sizeof(*e->free_slots));
    e->active = calloc(e->active_cap, sizeof(*e->active));
    e->multi = curl_multi_init();
    e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (!e->free_slots || !e->active || !e->multi || e->tfd < 0) {
        lt_error(err, LT_E_NOMEM, "cannot set up the libcurl engine");
        goto fail;
    }
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)e->free_cap);
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->free_cap);
    if (lt_loop_watch(loop, e->tfd, EPOLLIN | EPOLLET, on_timer, e)) {
        lt_error(err, LT_E_INTERNAL, "cannot watch the libcurl timer");
        goto fail;
    }
    return e;
fail:
    if (e->multi)
        curl_multi_cleanup(e->multi);
    if (e->tfd >= 0)
        close(e->tfd);
    free(e->free_slots);
    free(e->active);
    free(e);
    curl_global_cleanup();
    return NULL;
}

static size_t abort_all(void *ep)
{
    struct cengine *e = ep;
    size_t n = e->nactive;

    while (e->nactive) {
        struct slot *s = e->active[e->nactive - 1];
        struct lt_xfer *x = s->x;
        slot_release(e, s);
        if (e->ev.aborted)
            e->ev.aborted(e->ev.ctx, x);
    }
    return n;
}

static void destroy(void *ep)
{
    struct cengine *e = ep;

    if (!e)
        return;
    abort_all(e);
    for (size_t i = 0; i < e->nfree; i++) {
        curl_easy_cleanup(e->free_slots[i]->easy);
        free(e->free_slots[i]);
    }
    curl_multi_cleanup(e->multi);
    lt_loop_watch(e->loop, e->tfd, 0, NULL, NULL);
    close(e->tfd);
    free(e->free_slots);
    free(e->active);
    lt_buf_release(&e->line);
    free(e);
    curl_global_cleanup();
}

/* A header line for libcurl: "Name: value", or "Name;" for an empty value
 * (libcurl's spelling; "Name:" would remove the header instead). */
static struct curl_slist *add_line(struct curl_slist *l, struct cengine *e,
                                   const struct lt_header *h)
{
    struct curl_slist *t;

    lt_buf_reset(&e->line);
    if (lt_buf_append(&e->line, h->name.p, h->name.len) ||
        (h->value.len
             ? lt_buf_append(&e->line, ": ", 2) || lt_buf_append(&e->line, h->value.p, h->value.len)
             : lt_buf_putc(&e->line, ';')) ||
        lt_buf_cstr(&e->line))
        return NULL;
    t = curl_slist_append(l, (const char *)e->line.data);
    if (!t)
        curl_slist_free_all(l);
    return t;
}

static int set_request(struct slot *s, const struct lt_request *rq, struct cengine *e)
{
    const struct lt_engine_conf *c = &e->conf;
    const char *method = (const char *)rq->method.p;
    CURL *h = s->easy;
    struct curl_slist *l = NULL;
    int rc = 0;

    for (size_t i = 0; i < rq->nhdrs; i++)
        if (!(l = add_line(l, e, &rq->hdrs[i])))
            return -1;
    /* "Name:" tells libcurl not to add its own */
    if ((!rq->has_accept && !(l = curl_slist_append(l, "Accept:"))) ||
        (!rq->has_expect && !(l = curl_slist_append(l, "Expect:"))) ||
        (!rq->has_ctype && !(l = curl_slist_append(l, "Content-Type:"))))
        goto nomem;
    s->hdrs = l;
    if (!s->configured) {
        /* what every request of this handle shares, set once */
        rc |= curl_easy_setopt(h, CURLOPT_URL, c->target->origin);
        rc |= curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
        rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        rc |= curl_easy_setopt(h, CURLOPT_PRIVATE, s);
        rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
        rc |= curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, prereq_cb);
        rc |= curl_easy_setopt(h, CURLOPT_PREREQDATA, s);
        rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
        if (c->timeout_ns > 0)
            rc |=
                curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)((c->timeout_ns + 999999) / 1000000));
        if (c->insecure) {
            rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
            rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        s->configured = 1;
    }
    /* the request target exactly as built (asterisk-form included), not from the URL */
    rc |= curl_easy_setopt(h, CURLOPT_REQUEST_TARGET, (const char *)rq->target.p);
    rc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
    /* the method, resetting what the handle's previous request set */
    if (strcmp(method, "HEAD") == 0) {
        rc |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
        rc |= curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (rq->body.len || strcmp(method, "POST") == 0) {
        rc |= curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
        rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body.len);
        rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body.p);
        rc |=
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") != 0 ? method : NULL);
    } else {
        rc |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        rc |=
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") != 0 ? method : NULL);
    }
    return rc ? -1 : 0;
nomem:
    curl_slist_free_all(l);
    return -1;
}

static int start(void *ep, struct lt_xfer *x, struct lt_err *err)
{
    struct cengine *e = ep;
    struct slot *s;

    if (e->nactive >= e->active_cap)
        return lt_error(err, LT_E_INTERNAL, "engine: more transfers than connections");
    if (e->nfree) {
        s = e->free_slots[--e->nfree]; /* options are overwritten, not reset */
    } else {
        s = calloc(1, sizeof(*s));
        if (!s || !(s->easy = curl_easy_init())) {
            free(s);
            return lt_error(err, LT_E_NOMEM, "cannot create a libcurl handle");
        }
        s->e = e;
    }
    s->x = x;
    x->engine_data = s;
    s->active_idx = e->nactive;
    e->active[e->nactive++] = s;
    if (set_request(s, &x->req, e) || curl_multi_add_handle(e->multi, s->easy) != CURLM_OK) {
        /* undo: the slot goes back; the caller counts an error */
        struct slot *last = e->active[--e->nactive];
        last->active_idx = s->active_idx;
        e->active[s->active_idx] = last;
        curl_slist_free_all(s->hdrs);
        s->hdrs = NULL;
        s->x = NULL;
        e->free_slots[e->nfree++] = s;
        return lt_error(err, LT_E_INTERNAL, "cannot start a libcurl transfer");
    }
    return 0;
}

const struct lt_engine_ops lt_engine_curl = {
    .name = "libcurl",
    .create = create,
    .destroy = destroy,
    .start = start,
    .abort_all = abort_all,
};
