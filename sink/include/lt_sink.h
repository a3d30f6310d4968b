/*
 * lt_sink.h - the server side: an HTTP/1.x listener on formats' parser, the
 * embedded event collector on it (`loadtape sink`, DESIGN.md §4), and the
 * recorder behind `capture --listen`. The collector (when recording) and the
 * recorder are record sources: each request they receive becomes a record,
 * handed to a struct lt_record_sink the caller chooses (in loadtape, the
 * redaction transform and then the tape).
 */
#ifndef LT_SINK_H
#define LT_SINK_H

#include "lt_formats.h"

/* ==== the HTTP listener (sink/listener.c) ================================= */

/*
 * The listener: an HTTP/1.x server on loadtape's own parser. One epoll loop
 * per worker thread (each with its own SO_REUSEPORT socket), non-blocking
 * sockets, keep-alive, pipelined requests answered in order, response delays
 * kept as timers in the loop (a timer heap behind a timerfd; no thread ever
 * sleeps for a request). Malformed, oversized and slow requests are answered
 * by the listener itself (400, 413, 414, 431, 501, 505, 408) and close only
 * their own connection. `loadtape sink` and `loadtape capture --listen`
 * both sit on it.
 */

struct lt_listener;

/* A complete request, handed to the handler. */
struct lt_listener_req {
    const struct lt_http_msg *msg; /* borrowed for the duration of the call */
    uint64_t conn_id;              /* connections are numbered from 1, across workers */
    int64_t first_byte_ns;         /* CLOCK_MONOTONIC when its first byte was read */
    int64_t done_ns;               /* CLOCK_MONOTONIC when it was complete */
    unsigned worker;               /* 0 .. workers-1: the calling thread */
};

/* The handler's answer. The listener copies everything before returning. */
struct lt_listener_resp {
    uint16_t status;          /* 0 means 500 */
    const char *content_type; /* NULL: no Content-Type header */
    const void *body;         /* may be NULL when body_len is 0 */
    size_t body_len;
    int64_t delay_ns; /* sent no earlier than done_ns + delay_ns (order is kept) */
    int close;        /* close the connection after this response */
};

/*
 * Called for every complete request, on the worker's thread: with several
 * workers, concurrently. Must not block.
 */
typedef void (*lt_listener_fn)(void *ctx, const struct lt_listener_req *req,
                               struct lt_listener_resp *resp);
/*
 * Called when the listener answers by itself: status 400/413/414/431/501/505
 * for a request it could not parse (reason is the parser's message), 408
 * when a request did not arrive in time.
 */
typedef void (*lt_listener_reject_fn)(void *ctx, unsigned worker, int status, const char *reason);

struct lt_listener_opts {
    const char *listen;      /* "127.0.0.1:8080", "[::1]:0", "localhost:9000"; NULL: default */
    unsigned workers;        /* threads; 0 means 1 */
    int64_t idle_timeout_ns; /* keep-alive connection with nothing to do; 0: 60 s */
    int64_t
        request_timeout_ns; /* a request must arrive whole within this of its first byte; 0: 10 s */
    size_t max_conns;       /* per worker; 0: 10000; more are accepted and closed */
    const struct lt_limits *limits; /* NULL: lt_limits_default() */
    lt_listener_fn handler;
    lt_listener_reject_fn on_reject; /* may be NULL */
    void *ctx;
};

#define LT_LISTEN_DEFAULT "127.0.0.1:8080"

/* Binds and listens (so the port is known at once); no thread runs yet. */
struct lt_listener *lt_listener_new(const struct lt_listener_opts *o, struct lt_err *err);
/* "http://127.0.0.1:8080" or "http://[::1]:8080", with the port actually bound. Borrowed. */
const char *lt_listener_url(const struct lt_listener *l);
/*
 * Serves until lt_listener_stop() or, when duration_ns > 0, that long.
 * Runs workers-1 extra threads and one loop on the calling thread. Open
 * connections are closed on return (delayed responses not yet sent are
 * dropped).
 */
int lt_listener_run(struct lt_listener *l, int64_t duration_ns, struct lt_err *err);
/* Asks lt_listener_run to return. Async-signal-safe; any thread. */
void lt_listener_stop(struct lt_listener *l);
void lt_listener_free(struct lt_listener *l);

struct lt_listener_stats {
    uint64_t accepted; /* connections accepted */
    uint64_t open;     /* connections open now */
    uint64_t requests; /* complete requests handed to the handler */
    uint64_t rejected; /* requests answered by the listener (4xx/5xx above) */
    uint64_t timeouts; /* 408s and idle connections closed */
};
void lt_listener_stats(const struct lt_listener *l, struct lt_listener_stats *st);

/* ==== the event collector (sink/collector.c) ============================= */

/*
 * The sink (DESIGN.md §4): POST /collect/{stream} with an event or a batch
 * -> 202 {"accepted":N} or 400 {"error":"..."}; GET /health; GET /stats;
 * optional delay, jitter and injected 503s. Run as a source, it also hands
 * every request it answers to a record sink (--record).
 */
struct lt_sink_opts {
    struct lt_listener_opts net; /* handler, on_reject and ctx are the sink's own */
    int64_t delay_ns;            /* added to /collect responses */
    int64_t jitter_ns;           /* delay varies uniformly in [delay-jitter, delay+jitter] */
    double error_rate;           /* share of /collect requests answered 503 */
    uint64_t seed;               /* for jitter and error injection */
    /*
     * Called once, on a worker thread, when the record sink refuses a record
     * (the tape cannot be written: a full disk): from then on /collect and
     * /health answer 503. recorded is what the sink holds (its durable
     * count), lost what was answered but went with what the failure took.
     * May be NULL.
     */
    void (*on_record_error)(void *ctx, const char *msg, uint64_t recorded, uint64_t lost);
    void *ctx;
};

struct lt_sink;

/* Binds (so the URL is known at once); no thread runs yet. */
struct lt_sink *lt_sink_new(const struct lt_sink_opts *o, struct lt_err *err);
const char *lt_sink_url(const struct lt_sink *s);
/* Unix ns when the sink was made: ts 0 of the records it hands out. */
int64_t lt_sink_origin(const struct lt_sink *s);
/* Serves until lt_sink_stop() or duration_ns (when > 0), recording nothing. */
int lt_sink_run(struct lt_sink *s, int64_t duration_ns, struct lt_err *err);
/*
 * *src becomes a push source whose run() serves as lt_sink_run does and puts
 * every request answered (all routes; not those the listener refused) into
 * the sink it is given, one at a time under a lock, from the worker threads:
 * ts_ns from the request's first byte since lt_sink_origin (kept
 * non-decreasing across workers), session = its connection, method, target,
 * headers and decoded body as received (lt_record_from_http), and the
 * answer's status and time to it (delay included) as the response. A put
 * that fails does not stop the run: see on_record_error. s is borrowed;
 * releasing *src frees nothing.
 */
void lt_sink_source(struct lt_record_source *src, struct lt_sink *s, int64_t duration_ns);
/* Async-signal-safe. */
void lt_sink_stop(struct lt_sink *s);
/* The /stats document (a new string; the caller frees it). */
char *lt_sink_stats_json(struct lt_sink *s);
/* Records put into the sink (after a failure: those it holds). */
uint64_t lt_sink_recorded(const struct lt_sink *s);
/* After a put failed: its message (borrowed), and in *lost (may be NULL) the
 * requests answered 202 that were lost with it. NULL when none failed. */
const char *lt_sink_record_error(const struct lt_sink *s, uint64_t *lost);
void lt_sink_free(struct lt_sink *s);

/* ==== the recorder: capture --listen (sink/recorder.c) ===================== */

/*
 * A listener (one worker, so records leave in the order requests complete)
 * that answers every request 202 with an empty body and hands it, as a
 * record, to a sink: ts_ns from its first byte since lt_recorder_origin
 * (non-decreasing), session = its connection, no response (the answer was
 * loadtape's own). For traffic a proxy mirrors to it.
 */
struct lt_recorder_opts {
    const char *listen;             /* ADDR:PORT, as lt_listener_opts.listen */
    uint64_t limit;                 /* > 0: stop after that many records */
    const struct lt_limits *limits; /* NULL: lt_limits_default() */
};

struct lt_recorder_stats {
    uint64_t requests;           /* complete requests received */
    uint64_t records;            /* put into the sink */
    uint64_t dropped_timeout;    /* refused by the listener: not whole in time (408) */
    uint64_t dropped_unparsable; /* refused: unparsable (400, 501, 505) */
    uint64_t dropped_limit;      /* refused: over a limit (413, 414, 431) */
};

struct lt_recorder;

/* Binds; no thread runs yet. */
struct lt_recorder *lt_recorder_new(const struct lt_recorder_opts *o, struct lt_err *err);
/* "http://127.0.0.1:PORT" with the port bound. Borrowed. */
const char *lt_recorder_url(const struct lt_recorder *r);
/* Unix ns when the recorder was made: ts 0 of its records. */
int64_t lt_recorder_origin(const struct lt_recorder *r);
/*
 * *src becomes a push source whose run() serves until lt_recorder_stop(),
 * the limit, or duration_ns (when > 0), putting each request into the sink
 * it is given. A put that fails stops the run, which returns that error.
 * r is borrowed; releasing *src frees nothing.
 */
void lt_recorder_source(struct lt_record_source *src, struct lt_recorder *r, int64_t duration_ns);
/* Async-signal-safe. */
void lt_recorder_stop(struct lt_recorder *r);
const struct lt_recorder_stats *lt_recorder_stats(const struct lt_recorder *r);
void lt_recorder_free(struct lt_recorder *r);

#endif
