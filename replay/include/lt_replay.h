/*
 * lt_replay.h - replaying tapes against a target and measuring honestly
 * (DESIGN.md §4 "Timing" and "Measurement"):
 *
 *   histograms (log-linear, 3 significant digits, 1 us .. 1 h, mergeable)
 *   stats      (counters, status codes and histograms of one window of time)
 *   schedule   (trace time -> wall time: --speed, --rate, poisson, --spike)
 *   requests   (record -> what goes on the wire: target, headers, fresh ids)
 *   rewrite    (rules that fit a record to another environment: path, query, JSON fields)
 *   plan       (what a run will do, from the same schedule, before it starts)
 *   engines    (a transport behind a struct of function pointers; libcurl)
 *   the run    (reader thread, open-loop queue, epoll loop, intervals)
 *   summaries  (JSON and text), thresholds (--slo)
 *
 * Nothing here prints or exits and there is no process-global state: a run
 * is an object, so several could coexist (shards in one process, tests).
 */
#ifndef LT_REPLAY_H
#define LT_REPLAY_H

#include "lt_common.h"
#include "lt_formats.h"

struct cJSON;

/* ==== histogram ========================================================= */

/*
 * HdrHistogram's layout with 1 ns units: 2048 sub-buckets (3 significant
 * digits) and 32 buckets reach past 1 h; values above are clamped into the
 * top bucket (max stays exact). min, max, sum and count are exact.
 */
#define LT_HIST_SUB_BUCKETS 2048u
#define LT_HIST_BUCKETS 32u
#define LT_HIST_COUNTS ((LT_HIST_BUCKETS + 1) * (LT_HIST_SUB_BUCKETS / 2))
#define LT_HIST_MAX_NS 3600000000000LL /* 1 h */

struct lt_hist {
    uint64_t count;
    uint64_t min, max; /* exact; min is UINT64_MAX while empty */
    uint64_t sum;      /* exact, in ns */
    uint64_t *counts;  /* LT_HIST_COUNTS entries, owned */
};

int lt_hist_init(struct lt_hist *h);
void lt_hist_release(struct lt_hist *h);
void lt_hist_reset(struct lt_hist *h);
/* Records one value in ns (negative values count as 0). */
void lt_hist_record(struct lt_hist *h, int64_t ns);
/* Adds o's counts into h (exact: histograms of parts add up to the whole). */
void lt_hist_merge(struct lt_hist *h, const struct lt_hist *o);
/* The value at percentile p (0..100), in ns: the highest value equivalent
 * to the bucket holding it, within [min, max]; 0 when empty. */
uint64_t lt_hist_percentile(const struct lt_hist *h, double p);
double lt_hist_mean(const struct lt_hist *h);
/* How many values lie above ns (those sharing ns's bucket not counted). */
uint64_t lt_hist_count_above(const struct lt_hist *h, uint64_t ns);
/* Bucket index of a value, and the range of values sharing it. */
uint32_t lt_hist_index(uint64_t v);
uint64_t lt_hist_lowest(uint32_t index);
uint64_t lt_hist_highest(uint32_t index);
/*
 * To and from the results file's opaque form. Export fills out with bins
 * pointing into `bins` (caller storage of LT_HIST_COUNTS entries, borrowed by
 * out). Import adds the file's counts into h; a layout other than ours is an
 * error.
 */
void lt_hist_export(const struct lt_hist *h, struct lt_results_hist *out,
                    struct lt_results_bin *bins);
int lt_hist_import(struct lt_hist *h, const struct lt_results_hist *in, struct lt_err *err);

/* ==== stats: one window (an interval or the total) ======================== */

#define LT_STATUS_CODES 1000 /* 0..999; 0 is never a real status */

struct lt_stats {
    int64_t start_ns, dur_ns; /* window, since the run's start */
    uint64_t c[LT_RESULTS_NCOUNTERS];
    uint64_t status[LT_STATUS_CODES];
    struct lt_hist h[LT_RESULTS_NHIST];
};

int lt_stats_init(struct lt_stats *s);
void lt_stats_release(struct lt_stats *s);
void lt_stats_reset(struct lt_stats *s);
/* Adds o into s (counters, statuses, histograms); the window becomes their union. */
void lt_stats_merge(struct lt_stats *s, const struct lt_stats *o);
/* The counter rule of a merge (sums, and the send window's min/max). */
void lt_stats_merge_counters(uint64_t *c, const uint64_t *o);
/* Notes one request's send window: intended send s_rel (since the run's start)
 * and, when it completed, its service time. */
void lt_stats_note_send(struct lt_stats *s, int64_t s_rel, int64_t service_ns);
/*
 * To a results section (kind LT_RESULTS_INTERVAL or _TOTAL). scratch is
 * caller storage the section borrows: at least lt_stats_scratch_size() bytes.
 */
size_t lt_stats_scratch_size(void);
void lt_stats_to_section(const struct lt_stats *s, int kind, void *scratch,
                         struct lt_results_section *out);
/* Adds a section read from a results file into s. */
int lt_stats_add_section(struct lt_stats *s, const struct lt_results_section *sec,
                         struct lt_err *err);

/* A named window: one per-endpoint group ("POST /collect/web"), for the tables. */
struct lt_report_group {
    const char *method; /* "" for none */
    const char *name;   /* path or stream */
    const struct lt_stats *stats;
};

/* ==== per-endpoint groups (groups.c) ===================================== */

/*
 * Requests grouped by method and URL path (no query); a /collect/{stream}
 * URL is its stream's group, "/collect/{stream}" (whatever follows). At
 * most `max` named groups; past them, and for a method or path too long to
 * name, requests go to LT_GROUP_OTHER. A group's stats are its totals (no
 * intervals) and are allocated when first asked for, so unused groups cost
 * only their names.
 */
#define LT_GROUPS_DEFAULT 64
#define LT_GROUPS_MAX 1024
#define LT_GROUP_OTHER "(other)"

struct lt_group {
    char method[LT_RESULTS_GROUP_METHOD_MAX + 1]; /* "" for (other) */
    char name[LT_RESULTS_GROUP_NAME_MAX + 1];     /* a path, or LT_GROUP_OTHER */
    struct lt_stats *st;                          /* owned; NULL until lt_groups_stats */
    size_t method_len, name_len;
};

struct lt_groups {
    struct lt_group **g; /* by index, n of them (owned) */
    size_t n, max;
    uint32_t *slot; /* open addressing: index + 1, 0 empty; hcap entries */
    size_t hcap;
    int other; /* index of LT_GROUP_OTHER, -1 until needed */
};

/* max: named groups before (other), 1..LT_GROUPS_MAX (0: LT_GROUPS_DEFAULT). */
int lt_groups_init(struct lt_groups *gs, size_t max);
void lt_groups_release(struct lt_groups *gs);
/* The index of a request's group (added when new); -1 without memory. */
int lt_groups_classify(struct lt_groups *gs, const struct lt_bytes *method,
                       const struct lt_bytes *url);
/* The index of the group named so (added when new, or (other) past max); -1 without memory. */
int lt_groups_find(struct lt_groups *gs, const char *method, const char *name);
/* Group i's stats, allocated on first use (its window starts empty); NULL without memory. */
struct lt_stats *lt_groups_stats(struct lt_groups *gs, size_t i);
/* Adds a LT_RESULTS_GROUP section into the group of its name (report merges shards so). */
int lt_groups_add_section(struct lt_groups *gs, const struct lt_results_section *sec,
                          struct lt_err *err);
/* A group's results section (scratch as for lt_stats_to_section). */
void lt_group_to_section(const struct lt_group *g, void *scratch, struct lt_results_section *out);
/*
 * Ends a results file with a run's totals: the total section (its
 * LT_RC_TAPE_SKIPPED counter set to tape_skipped), then the section of each
 * group with stats when gs is not NULL, then the close. Frees w in every
 * case; 0, or the first error.
 */
int lt_stats_close_results(struct lt_results_writer *w, const struct lt_stats *total,
                           uint64_t tape_skipped, const struct lt_groups *gs, struct lt_err *err);
/*
 * The groups with stats, sorted by name then method, (other) last, as report rows
 * (out holds at least gs->n entries; pointers borrowed from gs). Returns how many.
 */
size_t lt_groups_rows(const struct lt_groups *gs, struct lt_report_group *out);

/* ==== summaries and thresholds ============================================ */

/* What a run was (from the results file's metadata, or the run itself). */
struct lt_run_meta {
    char mode[16];     /* "speed", "rate", "burst" */
    char target[1024]; /* as given */
    char tape[1024];   /* "" when unknown */
    char engine[16];   /* "native", "libcurl"; "" when unknown */
    char spike[64];    /* as given, "" when none */
    double speed;      /* mode "speed" */
    double rate;       /* mode "rate" */
    uint64_t connections;
    int threads; /* 0 when unknown */
    int mixed;   /* merged results of different runs (report --merge-any) */
};

/* Fills meta from a results file's metadata JSON (what is missing stays empty). */
void lt_run_meta_from_json(struct lt_run_meta *meta, const char *json);

/* Derived numbers of DESIGN.md §4, all from one struct lt_stats. */
struct lt_summary {
    double duration_s;
    uint64_t scheduled, sent, completed, ok, failed, errors, skipped, abandoned;
    uint64_t not_sent; /* every connection stayed busy until the end: failures */
    /* released or sent, with no outcome in the counters (scheduled = sent + skipped +
     * not_sent and sent = completed + errors + abandoned do not hold): results whose
     * writer stopped before the run did. Always 0 for a whole run. */
    uint64_t no_outcome;
    uint64_t tape_skipped; /* records of damaged blocks never sent (--skip-damaged) */
    uint64_t err_class[4]; /* connect, timeout, reset, other */
    uint64_t mismatched, bytes_sent, bytes_received;
    double error_rate, throughput_rps;
    uint64_t events;     /* in the bodies of completed requests */
    double events_per_s; /* over the same window as throughput_rps */
    /* latency, service, lag in ms: min mean p50 p90 p95 p99 p999 max */
    double ms[LT_RESULTS_NHIST][8];
    uint64_t hist_count[LT_RESULTS_NHIST];
    uint64_t held; /* waited over 1 ms for a free connection */
    uint64_t late; /* released over 1 ms after their intended time */
    /*
     * The verdicts (DESIGN.md §4): the client could not keep the schedule
     * (over 1% of releases more than 1 ms late, that is lag p99 above 1 ms,
     * or over 1% of requests held back by -c or the queue bound; either only
     * when at least LT_CLIENT_BOUND_MIN requests were, so one hiccup in a tiny
     * run is not a verdict), so latency includes its own delay; a signal
     * stopped it.
     */
    int client_bound;
    int lag_bound; /* client-bound by its own lag (not only by -c) */
    char client_bound_reason[160];
    int interrupted;
};

#define LT_CLIENT_BOUND_MIN 5

enum { LT_Q_MIN, LT_Q_MEAN, LT_Q_P50, LT_Q_P90, LT_Q_P95, LT_Q_P99, LT_Q_P999, LT_Q_MAX };

void lt_summary_compute(struct lt_summary *sum, const struct lt_stats *s);

struct lt_slo_term {
    char expr[64];
    int metric;   /* LT_Q_* for latency, or LT_SLO_ERROR_RATE / LT_SLO_THROUGHPUT */
    int op;       /* '<', '>', 'l' (<=), 'g' (>=) */
    double limit; /* ms for latencies, a fraction, or req/s */
};
#define LT_SLO_ERROR_RATE 100
#define LT_SLO_THROUGHPUT 101
#define LT_SLO_MAX 32

struct lt_slo {
    struct lt_slo_term t[LT_SLO_MAX];
    size_t n;
};

/* Parses 'p50<50ms,p99<200ms,error_rate<1%,throughput>10k'. */
int lt_slo_parse(struct lt_slo *slo, const char *expr, struct lt_err *err);
/* The value a term is judged on, and whether it passes. */
double lt_slo_value(const struct lt_slo_term *t, const struct lt_summary *sum);
int lt_slo_pass(const struct lt_slo_term *t, const struct lt_summary *sum);
/*
 * An upper latency term that the service time alone fails (the target's own
 * time, without loadtape's lag or queue wait): a breach that is the target's
 * even when the run was client-bound by -c. Never when loadtape lagged: it
 * may then have read the answers late, and that time is its own.
 */
int lt_slo_service_fails(const struct lt_slo_term *t, const struct lt_summary *sum);

/* What thresholds and verdicts say together (an exit status, DESIGN.md §4). */
enum lt_verdict {
    LT_VERDICT_PASS = 0,   /* every term passed (or none was set) */
    LT_VERDICT_BREACH = 3, /* a term failed */
    LT_VERDICT_INCONCLUSIVE =
        4, /* interrupted, or client-bound with a latency or rate term failed */
};
enum lt_verdict lt_summary_verdict(const struct lt_summary *sum, const struct lt_slo *slo);

/* The DESIGN.md §4 object (a new cJSON tree; slo may be NULL). */
struct cJSON *lt_summary_json(const struct lt_summary *sum, const struct lt_stats *s,
                              const struct lt_run_meta *meta, const struct lt_slo *slo);
/* The summary table for people, appended to out. */
int lt_summary_text(struct lt_buf *out, const struct lt_summary *sum, const struct lt_stats *s,
                    const struct lt_run_meta *meta, const struct lt_slo *slo);
/* The per-endpoint groups: a "groups" array added to a summary object, or a table
 * appended to the text (nothing when n is 0). */
void lt_summary_groups_json(struct cJSON *o, const struct lt_report_group *g, size_t n);
int lt_summary_groups_text(struct lt_buf *out, const struct lt_report_group *g, size_t n);

/* ==== schedule ============================================================ */

enum lt_replay_mode { LT_MODE_SPEED, LT_MODE_RATE, LT_MODE_BURST };

struct lt_schedule_opts {
    enum lt_replay_mode mode;
    double speed;  /* LT_MODE_SPEED: > 0 */
    double rate;   /* LT_MODE_RATE: requests per second, > 0 */
    int poisson;   /* LT_MODE_RATE: exponential gaps */
    uint64_t seed; /* poisson: the same on every shard */
    int has_spike;
    struct lt_spike spike;
};

/*
 * Maps record i (counted over the whole tape, every shard alike) with trace
 * time t (ns since the first replayed record, passes of --loop included) to
 * its intended send time in ns since the run's start. Deterministic and
 * monotonic; holds no global state.
 */
struct lt_schedule {
    struct lt_schedule_opts o;
    uint64_t rate_milli; /* rate in thousandths of a request per second */
    struct lt_rng rng;
    int64_t poisson_t; /* base time of the previous record */
};

int lt_schedule_init(struct lt_schedule *sc, const struct lt_schedule_opts *o, struct lt_err *err);
/* Calls must come in record order (i = 0, 1, 2, ...). */
int64_t lt_schedule_next(struct lt_schedule *sc, uint64_t i, int64_t trace_ns);

/* ==== requests ============================================================= */

struct lt_target {
    char base[1024];    /* "http://127.0.0.1:8080" + optional path prefix, no trailing '/' */
    char origin[1024];  /* scheme and authority only: "http://127.0.0.1:8080" */
    char prefix[1024];  /* the path prefix without a trailing '/', "" when none */
    char host[512];     /* Host header value for the target ("127.0.0.1:8080") */
    char hostname[256]; /* to connect to: a name or an address, without brackets */
    uint16_t port;      /* 1-65535; 80 or 443 when not given */
    int https;
};

/* Parses --target: http or https URL with optional path prefix, no query or
 * fragment, port 1-65535. Errors are LT_E_USAGE. */
int lt_target_parse(struct lt_target *t, const char *url, struct lt_err *err);

struct lt_request_opts {
    const struct lt_target *target;
    const char *const *add_headers; /* "K: V", borrowed */
    size_t nadd;
    const char *const *drop_headers; /* names, borrowed */
    size_t ndrop;
    int keep_host;
    int fresh_ids;
    int want_wire; /* also serialise the whole request (struct lt_request.wire) */
};

struct lt_request_span; /* private to request.c */

/*
 * What goes on the wire, engine-neutral: every engine sends exactly these
 * headers in this order (the target's Host first unless --keep-host, and a
 * Content-Length whenever there is a body). Caller-owned and reused: _init
 * once, _build for each record (no allocation once the buffers have grown
 * to the tape's sizes), _release at the end. Every pointer points into the
 * request's own storage and stays valid until the next build.
 */
struct lt_request {
    struct lt_bytes method;       /* NUL-terminated */
    struct lt_bytes target;       /* request target as sent, NUL-terminated: "/p?q" or "*" */
    const struct lt_header *hdrs; /* as sent, in order */
    size_t nhdrs;
    struct lt_bytes body;
    struct lt_bytes wire; /* the whole request (with want_wire), else empty */
    unsigned req_bits;    /* LT_HTTP_REQ_* of the method: HEAD's answer has no body */
    int has_host;         /* a Host header is in hdrs */
    int has_accept, has_expect, has_ctype, has_clen;
    /* storage */
    struct lt_buf mem, wirebuf, scratch;
    struct lt_header *hv;
    size_t hv_cap;
    struct lt_request_span *spans;
    size_t nspans_cap;
};

void lt_request_init(struct lt_request *rq);
void lt_request_release(struct lt_request *rq);
/* Gives back buffers grown past keep bytes (after an unusually large request). */
void lt_request_trim(struct lt_request *rq, size_t keep);
/* Checks one --header value ('Name: value'); LT_E_USAGE naming it when bad. */
int lt_request_header_check(const char *s, struct lt_err *err);
/*
 * Builds rq from a record. id_seed makes fresh ids unique (mixed with a
 * counter the caller advances in *id_ctr). LT_E_FORMAT for a record that
 * cannot be sent (a method that is not a token).
 */
int lt_request_build(struct lt_request *rq, const struct lt_record *rec,
                     const struct lt_request_opts *o, uint64_t id_seed, uint64_t *id_ctr,
                     struct lt_err *err);
/*
 * Rewrites every "messageId" string value in a JSON text (events and
 * batches) with a fresh 36-character id. Appends the result to out.
 * Returns the number of ids rewritten.
 */
int lt_fresh_ids(struct lt_buf *out, const uint8_t *body, size_t len, uint64_t seed, uint64_t *ctr);
/*
 * The events a body carries: the elements of a top-level "batch" array, 1 for
 * any other JSON object, 0 for anything else (an empty body, a form). A scan,
 * not a parse: bounded by len, strings and nesting followed.
 */
uint32_t lt_count_events(const uint8_t *body, size_t len);

/* ==== rewrite rules (replay --rewrite-path ...) ============================== */

enum lt_rule_kind {
    LT_RULE_REWRITE_PATH, /* 'REGEX=>REPLACEMENT': POSIX ERE on the path, \1..\9 */
    LT_RULE_SET_QUERY,    /* NAME=VALUE: every NAME parameter set, or one appended */
    LT_RULE_DROP_QUERY,   /* NAME: every NAME parameter removed */
    LT_RULE_HEADER,       /* 'K: V': applied by lt_request_build, counted here */
    LT_RULE_DROP_HEADER,  /* K: likewise */
    LT_RULE_SET_FIELD,    /* PATH=VALUE: lt_json_edit_apply; VALUE a JSON literal or a string */
    LT_RULE_DROP_FIELD,   /* PATH */
};

/* What one rule did over a run. */
struct lt_rule_stat {
    enum lt_rule_kind kind;
    const char *option;  /* "--set-field" */
    const char *subject; /* what it names, never its value: regex, parameter, header, path */
    uint64_t matched;    /* records where what it names was there */
    uint64_t added;      /* records it added to instead (parameter, header or field missing) */
};

/*
 * The rules of a run, applied in the order added, once per record on the
 * reader's side. Not thread-safe: one reader uses it; its counts are read
 * after the run.
 */
struct lt_rewrite;
struct lt_rewrite *lt_rewrite_new(void);
void lt_rewrite_free(struct lt_rewrite *rw);
/* Parses and adds one rule (its argument as given on the command line); LT_E_USAGE. */
int lt_rewrite_add(struct lt_rewrite *rw, enum lt_rule_kind kind, const char *arg,
                   struct lt_err *err);
size_t lt_rewrite_count(const struct lt_rewrite *rw);
/* Rule i (0-based, in the order added); st's strings are borrowed from rw. */
void lt_rewrite_stat(const struct lt_rewrite *rw, size_t i, struct lt_rule_stat *st);
/* What each rule did, as the "rules" array of replay's --json (a new cJSON tree). */
struct cJSON *lt_rewrite_json(const struct lt_rewrite *rw);
void lt_rewrite_reset_counts(struct lt_rewrite *rw);
/*
 * out = rec with every rule applied: url and body may point into rw's storage
 * (valid until the next call), the rest is rec's. rw NULL: out = rec.
 */
int lt_rewrite_apply(struct lt_rewrite *rw, const struct lt_record *rec, struct lt_record *out,
                     struct lt_err *err);

/* ==== engines =============================================================== */

/* Transport failures (DESIGN.md §4: classed, not timed). */
enum lt_xfer_err {
    LT_XERR_NONE = 0,
    LT_XERR_CONNECT,
    LT_XERR_TIMEOUT,
    LT_XERR_RESET,
    LT_XERR_OTHER
};

/* One request in flight: what the run and the engine share. */
struct lt_xfer {
    struct lt_request req; /* owned by the xfer, reused when the xfer is */
    uint64_t session;
    int64_t s_ns;    /* intended send time (mono) */
    int64_t r_ns;    /* released by the scheduler */
    int64_t q_ns;    /* entered the queue for a connection */
    int64_t a_ns;    /* actual send: first byte to the socket (0 until known) */
    int64_t d_ns;    /* completion */
    int status;      /* replayed status, 0 on failure */
    int rec_status;  /* recorded status, 0 when none */
    int expect;      /* the status it should get (--ok expected), 0: any of the ok set */
    uint32_t events; /* events in its body (lt_count_events) */
    uint32_t group;  /* its per-endpoint group (struct lt_groups index) */
    enum lt_xfer_err err;
    char errmsg[128];
    uint64_t bytes_sent, bytes_received;
    void *engine_data;     /* the engine's per-transfer state */
    struct lt_xfer *next;  /* queue link, owned by the run */
    struct lt_xfer *snext; /* --keep-order session chain */
};

/* Registers file descriptors with the run's event loop (epoll). */
struct lt_loop;
typedef void (*lt_loop_fn)(void *ctx, int fd, uint32_t events);
/* events: EPOLLIN/EPOLLOUT bits; 0 removes the fd. */
int lt_loop_watch(struct lt_loop *l, int fd, uint32_t events, lt_loop_fn fn, void *ctx);
/* Calls fn(ctx, -1, 0) once on the loop's next turn, without waiting (one slot: a later
 * call replaces an earlier one that has not run). Saves a timer syscall for "now". */
void lt_loop_defer(struct lt_loop *l, lt_loop_fn fn, void *ctx);

struct lt_engine_conf {
    const struct lt_target *target; /* borrowed for the engine's life */
    int conns;          /* concurrent connections (the run never exceeds it in flight) */
    int64_t timeout_ns; /* per request */
    int insecure;       /* https: skip certificate verification */
};

/* What an engine tells the run; called from within loop callbacks. */
struct lt_engine_events {
    void *ctx;
    void (*done)(void *ctx, struct lt_xfer *x);    /* x->d_ns, status/err filled */
    void (*aborted)(void *ctx, struct lt_xfer *x); /* by abort_all: never answered */
};

/*
 * A transport: the scheduler and metrics know engines only through this
 * table, so another transport is one more row.
 */
struct lt_engine_ops {
    const char *name;
    int wants_wire; /* requests come serialised (struct lt_request.wire) */
    void *(*create)(struct lt_loop *loop, const struct lt_engine_conf *c,
                    const struct lt_engine_events *ev, struct lt_err *err);
    void (*destroy)(void *e);
    /* Starts sending x now (the engine sets x->a_ns when the first byte goes). */
    int (*start)(void *e, struct lt_xfer *x, struct lt_err *err);
    /* Aborts every transfer in flight (an aborted event each, no done); returns how many. */
    size_t (*abort_all)(void *e);
};

extern const struct lt_engine_ops lt_engine_curl;   /* libcurl: http, https, HTTP/2 */
extern const struct lt_engine_ops lt_engine_native; /* loadtape's own HTTP/1.1 client: http */

/*
 * The native engine's reading of the answers on one connection, without
 * sockets (so tests and fuzzing reach it): _expect before each request is
 * sent, then _feed what arrives until it returns 1 (the final answer, 1xx
 * passed over), or _eof when the connection ends (1 when that completes a
 * close-delimited answer, 0 when the answer was cut short). Negative on a
 * malformed answer (err says why); the connection is then useless.
 */
struct lt_h1_answer {
    int status;
    int keep_alive; /* the connection may carry the next request */
};

struct lt_h1_reader {
    struct lt_http_parser p;
};

int lt_h1_reader_init(struct lt_h1_reader *r);
void lt_h1_reader_release(struct lt_h1_reader *r);
int lt_h1_reader_expect(struct lt_h1_reader *r, unsigned req_bits);
int lt_h1_reader_feed(struct lt_h1_reader *r, const uint8_t *p, size_t n, struct lt_h1_answer *a,
                      struct lt_err *err);
int lt_h1_reader_eof(struct lt_h1_reader *r, struct lt_h1_answer *a, struct lt_err *err);

/* ==== the run ================================================================ */

/*
 * What counts as ok (--ok): a set of statuses (2xx by default), and with
 * `expected` a request that should get a particular status (its recorded
 * one, or 400 for an event synth made invalid) is ok when it gets that.
 */
struct lt_ok_rule {
    int expected;
    uint8_t set[(LT_STATUS_CODES + 7) / 8];
};

/* Parses "2xx", "expected", or a list of codes and classes ("200,202,4xx", "expected,404").
 * An empty or NULL spec is 2xx. */
int lt_ok_parse(struct lt_ok_rule *ok, const char *spec, struct lt_err *err);
int lt_ok_match(const struct lt_ok_rule *ok, int status, int expect);

struct lt_replay_opts {
    struct lt_schedule_opts sched;
    struct lt_ok_rule ok;               /* all zero: 2xx */
    const struct lt_engine_ops *engine; /* NULL: libcurl */
    int threads;                        /* worker threads, each with its share of -c (0: 1) */
    struct lt_engine_conf engine_conf;
    struct lt_request_opts req;
    int keep_order;
    uint64_t loops;            /* passes over the source, >= 1 */
    int64_t duration_ns;       /* 0: until the source ends */
    uint64_t limit;            /* records per pass, 0: all */
    uint32_t shard_i, shard_n; /* n == 0 or 1: no sharding */
    int64_t start_mono_ns;     /* 0: start now */
    int64_t grace_ns;          /* after SIGINT: wait this long for answers in flight */
    size_t queue_max;          /* released-but-waiting requests held (memory bound) */
    int64_t progress_ns;       /* progress callback period, 0: none */
    int64_t total_hint_ns;     /* expected length, for progress (0: unknown) */
    uint64_t id_seed;          /* --fresh-ids: differs per run, the same on every shard */
    /*
     * Called on the reader thread for every request this run will send (its
     * shard's): the record's index in the schedule, its session and its
     * intended send time since the start. NULL: not called. A debugging aid
     * (--schedule-out) that proves shards share one schedule.
     */
    void (*scheduled)(void *ctx, uint64_t index, uint64_t session, int64_t s_ns);
    void *scheduled_ctx;
    size_t max_groups;          /* per-endpoint groups before (other) (0: LT_GROUPS_DEFAULT) */
    struct lt_rewrite *rewrite; /* NULL: none; borrowed, used by the reader thread only */
};

struct lt_replay_progress {
    int64_t elapsed_ns, total_ns; /* total 0 when unknown */
    uint64_t sent, completed, errors, in_flight, queued;
    double rps_last;                   /* completions in the last interval */
    uint64_t p50_last_ns, p99_last_ns; /* latency, last closed interval */
};

struct lt_replay_cbs {
    void *ctx;
    /* A 1 s interval closed (kind LT_RESULTS_INTERVAL); a non-zero return stops the run. */
    int (*interval)(void *ctx, const struct lt_results_section *sec, struct lt_err *err);
    void (*progress)(void *ctx, const struct lt_replay_progress *p);
};

struct lt_replay;

/*
 * A run over src: a record source of formats/ read record by record (next;
 * LT_E_USAGE without it), rewound between passes of --loop (rewind may be
 * NULL when o->loops is 1). src is borrowed for the run's life and read only
 * by the run's reader thread, from lt_replay_run.
 */
struct lt_replay *lt_replay_new(const struct lt_replay_opts *o, struct lt_record_source *src,
                                struct lt_err *err);
void lt_replay_free(struct lt_replay *r);
/* Runs to the end (or a stop). The source is read from a second thread. */
int lt_replay_run(struct lt_replay *r, const struct lt_replay_cbs *cb, struct lt_err *err);
/* Stops sending; async-signal-safe (SIGINT handlers call it). */
void lt_replay_stop(struct lt_replay *r);
/* The totals after the run (borrowed). */
const struct lt_stats *lt_replay_totals(const struct lt_replay *r);
/* The per-endpoint groups after the run, with their totals (borrowed). */
const struct lt_groups *lt_replay_groups(const struct lt_replay *r);
/* Worker threads the run uses (--threads, at most one per connection). */
int lt_replay_threads(const struct lt_replay *r);
/* The first transport error's message of a class (LT_XERR_*), "" when none (borrowed). */
const char *lt_replay_first_error(const struct lt_replay *r, enum lt_xfer_err cls);

/* ==== the walk and the plan (plan.c) ========================================== */

/*
 * The records a run sends, in order, each with its intended send time: the
 * one loop both the run's reader and the plan go through, so they agree.
 */
struct lt_walk_item {
    struct lt_record rec; /* valid until the next call */
    uint64_t index;       /* over the whole tape and every pass, every shard alike */
    uint64_t pass;        /* of --loop, from 0 */
    uint64_t session;     /* as sent (a fresh one in later passes) */
    int64_t trace_ns;     /* trace time fed to the schedule, passes included */
    int64_t s_ns;         /* intended send time since the run's start */
    int64_t base_ns;      /* the same without --spike's warp */
};

struct lt_walk {
    const struct lt_replay_opts *o;
    struct lt_record_source *src;
    struct lt_schedule sc, base;
    uint64_t loops, pass, inpass, npass, i, first_ts, last_ts;
    int64_t pass_len;
    int have_first, pass_start, done;
    int cut; /* ended by --duration */
};

/* o and src (a pull source, as for lt_replay_new) are borrowed for the walk's life. */
int lt_walk_init(struct lt_walk *w, const struct lt_replay_opts *o, struct lt_record_source *src,
                 struct lt_err *err);
/* 1 with the next record this run (shard) sends, 0 at the end, < 0 on a source error. */
int lt_walk_next(struct lt_walk *w, struct lt_walk_item *it, struct lt_err *err);

/*
 * How long a run of a source of nrecords records spanning span_ns of trace
 * time is expected to take (for progress): the schedule's length over every
 * pass, or --duration when shorter; 0 when not known (--burst).
 */
int64_t lt_replay_length_hint(const struct lt_replay_opts *o, uint64_t nrecords, uint64_t span_ns);

#define LT_PLAN_WINDOWS 8 /* spike windows listed */

struct lt_plan {
    enum lt_replay_mode mode;
    int conns;
    uint64_t loops;
    uint64_t records;      /* the run will send (this shard) */
    int partial;           /* the budget ran out: records is a lower bound, no warnings */
    int cut;               /* --duration ends it before the source does */
    uint64_t pass_records; /* in the first pass */
    int64_t trace_span_ns; /* first to last record of the first pass */
    uint64_t trace_peak;   /* most records in one second of trace time (first pass) */
    int64_t pass_base_ns;  /* base time (schedule without spike) of the first pass's last */
    int64_t wall_ns;       /* the last intended send, since the run's start */
    int64_t base_ns;       /* ... and its base time */
    uint64_t wall_peak;    /* most sends in one second of the run */
    int has_spike;
    struct lt_spike spike;
    uint64_t nwindows;               /* spike windows with at least one send */
    int64_t window[LT_PLAN_WINDOWS]; /* the first ones: k of [kP + P - D, (k+1)P) */
    int64_t last_window;
    int ends_in_window; /* the last send falls inside a window */
    uint64_t svc_n;     /* first-pass records with a recorded latency */
    double svc_sum_ns;
};

/* Called for every record the plan counts (--check builds the first requests). */
typedef int (*lt_plan_each_fn)(void *ctx, const struct lt_walk_item *it, struct lt_err *err);

/*
 * Walks the run's records from src (which the caller rewinds afterwards) and
 * sums them up. budget > 0 stops after that many records (partial).
 */
int lt_plan_compute(struct lt_plan *p, const struct lt_replay_opts *o, struct lt_record_source *src,
                    uint64_t budget, lt_plan_each_fn each, void *ctx, struct lt_err *err);
/* The plan for people: lines starting "plan: ". */
int lt_plan_text(struct lt_buf *out, const struct lt_plan *p);
/* Its warnings, one per line (none: nothing appended); spike is --spike as given. */
int lt_plan_warnings(struct lt_buf *out, const struct lt_plan *p, const char *spike);

/*
 * --loop (DESIGN.md §4): a pass's length in trace time, from the first pass's
 * first and last record times and its record count (its span and one mean
 * gap, so the next pass follows as the records follow each other; 1 s after
 * a single record), and the fresh session id a record gets in a later pass.
 */
int64_t lt_loop_pass_len(uint64_t first_ts, uint64_t last_ts, uint64_t n);
static inline uint64_t lt_loop_session(uint64_t session, uint64_t pass)
{
    return pass ? lt_splitmix64(session ^ (pass * 0x9e3779b97f4a7c15ULL)) : session;
}

/* Shard membership (DESIGN.md §6, frozen): splitmix64(session) mod n == i. */
static inline int lt_shard_member(uint64_t session, uint32_t i, uint32_t n)
{
    return n <= 1 || lt_splitmix64(session) % n == i;
}

/* ==== find-max: the highest speed-up a target holds (findmax.c) ============= */

/*
 * The search of replay --find-max over factors of the base speed (or rate):
 * up by x2 from the start until the first breach, then bisection between the
 * last pass and the first breach until they are within the precision. It
 * ends early on a step the client could not keep up with, one that fails
 * over half of its requests, an interrupted one, a first step that fails, at
 * the maximum, or after LT_FM_MAX_STEPS steps.
 */
enum lt_fm_outcome {
    LT_FM_PASS,    /* every term passed */
    LT_FM_BREACH,  /* a term failed, the target's doing */
    LT_FM_CONNS,   /* a latency term failed while requests waited for one of -c connections */
    LT_FM_BROKEN,  /* over half of the requests failed */
    LT_FM_CLIENT,  /* loadtape could not keep the schedule (lag) */
    LT_FM_STOPPED, /* interrupted */
};

enum lt_fm_end {
    LT_FM_SEARCHING,
    LT_FM_KNEE,   /* holds and breaks within the precision */
    LT_FM_AT_MAX, /* held at the maximum: "holds at least" */
    LT_FM_FIRST,  /* the first step failed */
    LT_FM_END_BROKEN,
    LT_FM_END_CLIENT,
    LT_FM_END_STOPPED,
    LT_FM_END_STEPS, /* LT_FM_MAX_STEPS reached */
};

#define LT_FM_MAX_STEPS 64

struct lt_findmax {
    double start, max, precision;
    double holds;  /* highest factor passed, 0: none */
    double breaks; /* lowest factor failed, 0: none */
    enum lt_fm_outcome breaks_how;
    enum lt_fm_end end;
    unsigned steps;
};

void lt_findmax_init(struct lt_findmax *f, double start, double max, double precision);
/* The factor of the next step, or 0 when the search is over (f->end says why). */
double lt_findmax_next(struct lt_findmax *f);
void lt_findmax_note(struct lt_findmax *f, double factor, enum lt_fm_outcome o);
/*
 * A step's outcome from its judged summary; *term is the index of the first
 * failing term (-1 when none).
 */
enum lt_fm_outcome lt_findmax_judge(const struct lt_summary *sum, const struct lt_slo *slo,
                                    int *term);
/* "knee", "max", "first-step", "errors", "client-bound", "interrupted", "steps" */
const char *lt_findmax_end_name(enum lt_fm_end e);
const char *lt_findmax_outcome_name(enum lt_fm_outcome o);

/*
 * What the steps of a search read: the records of base in trace order, pass
 * after pass as --loop makes them (lt_loop_pass_len, lt_loop_session), so
 * each step takes up where the one before left off. A step reads a window
 * of it, opened before the step: a span of trace time (speed) or a number of
 * records (rate). The record that opens the next window is held over, so
 * base must keep it valid until its next call (a tape reader does, when
 * nothing else reads it between steps). Record times are since the first
 * record, passes included.
 */
struct lt_fm_stream {
    struct lt_record_source *base; /* borrowed */
    int by_count;
    uint64_t left;    /* by_count: records the window still has */
    uint64_t win_end; /* otherwise: the window ends before this stream time */
    struct lt_record held;
    int has_held;
    uint64_t pass, first_ts, last_ts, npass0;
    int64_t pass_len;
    int have_first;
};

void lt_fm_stream_init(struct lt_fm_stream *s, struct lt_record_source *base, int by_count);
/* Opens the next window: n more records (by_count, at least 1), or span_ns more of trace time. */
void lt_fm_stream_window(struct lt_fm_stream *s, uint64_t n, uint64_t span_ns);
/* *src reads s's current window (s borrowed; no rewind: a step is one pass). */
void lt_fm_stream_source(struct lt_fm_stream *s, struct lt_record_source *src);

/* ==== reports: per-second series, CSV, HTML (report_*.c) ==================== */

/*
 * What `report` draws over time: one point per 1 s interval of a run, the
 * intervals of several results files (the shards of one run) merged second by
 * second. Points are small derived rows, not histograms, so a day of seconds
 * fits in memory; LT_REPORT_MAX_POINTS bounds it.
 */
#define LT_REPORT_MAX_POINTS 86400 /* 24 h of seconds */
#define LT_REPORT_CODES 8          /* status codes kept per point; the rest are "other" */
#define LT_REPORT_NPCT 11          /* Locust's percentiles, below */

/* 50 66 75 80 90 95 98 99 99.9 99.99 100 */
extern const double lt_report_pcts[LT_REPORT_NPCT];

struct lt_report_point {
    int64_t start_ns, dur_ns; /* since the run's start */
    uint64_t c[LT_RESULTS_NCOUNTERS];
    uint64_t errors, failed; /* DESIGN.md §4's rules, as in struct lt_summary (not_sent too) */
    uint64_t lat_count;
    double lat_ms[LT_REPORT_NPCT]; /* latency at lt_report_pcts */
    double lat_min_ms, lat_mean_ms;
    double svc_p99_ms, lag_p99_ms;
    uint64_t codes[LT_REPORT_CODES + 1]; /* by struct lt_report_series.codes, then other */
};

struct lt_report_series {
    struct lt_report_point *p; /* owned */
    size_t n, cap;
    int codes[LT_REPORT_CODES]; /* status codes with their own count, increasing */
    size_t ncodes;
    char version[32];      /* loadtape version of the first file, "" when unknown */
    int64_t start_unix_ns; /* the run's start (the earliest file's), 0 when unknown */
};

void lt_report_series_init(struct lt_report_series *s);
void lt_report_series_release(struct lt_report_series *s);
/* Appends one interval (the next second; gaps are filled with empty points). */
int lt_report_series_add(struct lt_report_series *s, const struct lt_stats *iv, struct lt_err *err);
/*
 * Reads the interval sections of n results files into s, summing the sections
 * of the same second across files. A file that was not closed contributes its
 * complete intervals. LT_E_LIMIT past LT_REPORT_MAX_POINTS seconds.
 */
int lt_report_series_load(struct lt_report_series *s, const char *const *paths, size_t n,
                          struct lt_err *err);

/* Everything a report shows; every pointer borrowed. */
/* A step of a --find-max search, as its results file's note tells it (report's HTML). */
struct lt_report_step {
    double point; /* the speed, or the rate */
    double rps, p50_ms, p99_ms, error_rate;
    double start_s, dur_s, warmup_s; /* on the search's clock */
    char verdict[16];                /* lt_findmax_outcome_name */
    char failed[64];                 /* the first failing term, "" when none */
};

struct lt_report_find_max {
    const struct lt_report_step *steps;
    size_t nsteps;
    int rate_mode;
    char limit[64]; /* the term the answer speaks of, "" when none */
    char answer[1024];
};

struct lt_report {
    const struct lt_run_meta *meta;
    const struct lt_summary *sum;
    const struct lt_stats *total;
    const struct lt_slo *slo; /* NULL or no terms: no SLO table */
    const struct lt_report_series *series;
    const struct lt_report_group *groups; /* per-endpoint rows (lt_groups_rows) */
    size_t ngroups;
    int nfiles;        /* results files merged */
    const char *label; /* what to call the run when two are compared (a file name) */
    const struct lt_report_find_max *find_max; /* a --find-max search, or NULL */
};

/* Locust's stats.csv: a row per group, then the Aggregated row (docs/FORMAT.md). */
int lt_report_csv_stats(struct lt_buf *out, const struct lt_report *r);
/* Locust's stats_history.csv: a row per second (docs/FORMAT.md). */
int lt_report_csv_history(struct lt_buf *out, const struct lt_report *r);
/* The per-second table for people, or one JSON object per line. */
int lt_report_intervals_text(struct lt_buf *out, const struct lt_report_series *s);
int lt_report_intervals_jsonl(struct lt_buf *out, const struct lt_report_series *s);
/* One self-contained HTML page: inline SVG charts and tables, no network. */
int lt_report_html(struct lt_buf *out, const struct lt_report *r);
/* Appends s with &, <, >, " and ' escaped (the report's own rule, for pages linking reports). */
int lt_report_html_esc(struct lt_buf *out, const char *s);
/*
 * Two runs side by side (report A B --compare): their parameters, the
 * numbers of each with B - A and the change in percent, as a table, a JSON
 * object ({"a":summary,"b":summary,"delta":{...}}, a new cJSON tree) or an
 * HTML page overlaying A's and B's charts.
 */
int lt_report_compare_text(struct lt_buf *out, const struct lt_report *a,
                           const struct lt_report *b);
struct cJSON *lt_report_compare_json(const struct lt_report *a, const struct lt_report *b);
int lt_report_compare_html(struct lt_buf *out, const struct lt_report *a,
                           const struct lt_report *b);

#endif
