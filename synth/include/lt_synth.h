/*
 * lt_synth.h - synthetic event traffic: arrival processes (constant, Poisson,
 * phases and ramps, spikes), a population of users with Zipf-skewed activity
 * and sessions, Segment-style event generators, the built-in scenarios and
 * scenario files (JSON).
 *
 * A scenario is a plain struct lt_synth_config (filled from a built-in or a
 * file, then adjusted by the caller); lt_synth_new() turns it into a stream
 * of records. Everything is deterministic: the same config gives the same
 * records, byte for byte, on every run. Nothing here prints or exits.
 */
#ifndef LT_SYNTH_H
#define LT_SYNTH_H

#include "lt_formats.h"

/* Event types, in the order of the mix weights. */
enum lt_synth_type {
    LT_SYNTH_TRACK,
    LT_SYNTH_IDENTIFY,
    LT_SYNTH_PAGE,
    LT_SYNTH_SCREEN,
    LT_SYNTH_GROUP,
    LT_SYNTH_ALIAS,
    LT_SYNTH_NTYPES
};

/*
 * Kinds of deliberately invalid events (the errors scenario). Their names
 * are the sink's rejection reasons ("malformed_json", ...): a record carries
 * the name in an `X-Loadtape-Invalid` header and the LT_RF_INVALID flag.
 */
enum lt_synth_invalid {
    LT_SYNTH_MALFORMED_JSON,
    LT_SYNTH_MISSING_TYPE,
    LT_SYNTH_UNKNOWN_TYPE,
    LT_SYNTH_TRACK_WITHOUT_EVENT,
    LT_SYNTH_WRONG_FIELD_TYPE,
    LT_SYNTH_NINVALID
};

/* How event bodies look. */
enum lt_synth_style {
    LT_SYNTH_STYLE_TINY,      /* the smallest events that still pass the sink (~70 B) */
    LT_SYNTH_STYLE_REALISTIC, /* full Segment-style events with context (~0.5-1 KB) */
};

/* Body size distribution; NATURAL leaves each event its own size. */
enum lt_synth_sizes {
    LT_SYNTH_SIZE_NATURAL,
    LT_SYNTH_SIZE_LOG_UNIFORM,
    LT_SYNTH_SIZE_UNIFORM,
    LT_SYNTH_SIZE_FIXED,
};

#define LT_SYNTH_MAX_PHASES 64
#define LT_SYNTH_MAX_STREAMS 32
#define LT_SYNTH_STREAM_MAX 48 /* bytes of a stream name, NUL included */
#define LT_SYNTH_NAME_MAX 64
#define LT_SYNTH_RATE_MAX 1e8        /* events/s */
#define LT_SYNTH_USERS_MAX 100000000 /* 1e8 */
#define LT_SYNTH_SESSIONS_MAX 65536  /* concurrent sessions */
#define LT_SYNTH_SIZE_MIN 16
#define LT_SYNTH_SIZE_MAX (16u * 1024 * 1024)

/*
 * One arrival phase, in base time (before any spike): a constant rate
 * (rate_from == rate_to) or a linear ramp, for dur_ns. dur_ns == 0 marks an
 * open-ended phase (only the last one may be).
 */
struct lt_synth_phase {
    int64_t dur_ns;
    double rate_from, rate_to; /* events/s, >= 0 */
    int poisson;               /* 0 constant spacing, 1 Poisson */
};

struct lt_synth_config {
    char name[LT_SYNTH_NAME_MAX]; /* recorded in the tape as "scenario" */
    uint64_t seed;

    struct lt_synth_phase phases[LT_SYNTH_MAX_PHASES];
    size_t nphases;
    int has_spike;
    struct lt_spike spike;

    /* Stop after count records, or at tape time duration_ns, whichever is
     * set (0 = unset); with neither, at the end of the phases. */
    uint64_t count;
    int64_t duration_ns;
    uint64_t origin_ns; /* Unix ns of ts 0 (kept here for the metadata) */

    char streams[LT_SYNTH_MAX_STREAMS][LT_SYNTH_STREAM_MAX];
    size_t nstreams;
    uint64_t users;
    double zipf;           /* exponent of the users' activity skew, > 0 */
    uint32_t sessions;     /* concurrent sessions; 0 = derived from users */
    double session_events; /* mean events per session, >= 1 */

    enum lt_synth_style style;
    double mix[LT_SYNTH_NTYPES]; /* weights, >= 0, not all 0 */

    enum lt_synth_sizes sizes;
    uint64_t size_min, size_max; /* bytes, for sizes != NATURAL */

    double error_share;                    /* [0, 1] */
    double error_kinds[LT_SYNTH_NINVALID]; /* weights among invalid events */
};

/* The built-in scenarios, for --help: "baseline", ... and NULL at the end. */
extern const char *const lt_synth_builtin_names[];

/* Fills cfg with the built-in scenario `name`. */
int lt_synth_builtin(const char *name, struct lt_synth_config *cfg, struct lt_err *err);

/*
 * Parses a scenario file's JSON text. `what` names it in errors (the path).
 * Every key is checked: an unknown key, a wrong type or a value out of range
 * is an error naming the key. Unset keys take the defaults of
 * lt_synth_config_default().
 */
int lt_synth_parse(struct lt_synth_config *cfg, const char *text, size_t len, const char *what,
                   struct lt_err *err);
/* Reads and parses a scenario file (at most 1 MiB). */
int lt_synth_load(struct lt_synth_config *cfg, const char *path, struct lt_err *err);

/* The defaults a scenario file starts from (a realistic mix, one stream "web"). */
void lt_synth_config_default(struct lt_synth_config *cfg);
/* Checks a config (after command-line overrides) for consistency. */
int lt_synth_config_check(const struct lt_synth_config *cfg, struct lt_err *err);

struct lt_synth;

/*
 * The scenario as a JSON text (malloc'd, caller frees): the "source" object
 * of the tape's metadata, wrapped as {"source":{"kind":"synth","scenario":..,
 * "seed":..,"parameters":{..}}}. Every field of cfg that shapes the records
 * is in "parameters". With a generator s (may be NULL), "source" also gets
 * what was made: "events" by type and "invalid" by kind (for the tape's
 * final metadata). NULL when out of memory.
 */
char *lt_synth_meta_json(const struct lt_synth_config *cfg, const struct lt_synth *s);

/*
 * A one-line summary of a built-in's defaults for --help, e.g.
 * "constant 1000/s for 60s, streams web,ios,android, 10000 users".
 */
int lt_synth_describe(const struct lt_synth_config *cfg, char *out, size_t outlen);

/* "malformed_json", ... ; NULL when out of range. */
const char *lt_synth_invalid_name(enum lt_synth_invalid k);
/* "track", "identify", ... */
const char *lt_synth_type_name(enum lt_synth_type t);

/* ---- the generator ---------------------------------------------------------- */

/* Copies cfg (checked). Returns NULL and fills err on a bad config. */
struct lt_synth *lt_synth_new(const struct lt_synth_config *cfg, struct lt_err *err);
void lt_synth_free(struct lt_synth *s);

/*
 * The next record: returns 1 with *rec filled (every pointer borrowed from s,
 * valid until the next call), 0 at the end, or a negative code.
 * Records come in non-decreasing ts_ns.
 */
int lt_synth_next(struct lt_synth *s, struct lt_record *rec, struct lt_err *err);
/* Records produced so far. */
uint64_t lt_synth_count(const struct lt_synth *s);
/* Records so far by event type, and the invalid ones by kind (either may be NULL). */
void lt_synth_counts(const struct lt_synth *s, uint64_t types[LT_SYNTH_NTYPES],
                     uint64_t invalid[LT_SYNTH_NINVALID]);

/*
 * The generator as a record source (pull): next() is lt_synth_next() on a
 * generator made from cfg (copied, and checked as lt_synth_new() does), and
 * rewind() starts the same records over. meta() is lt_synth_meta_json() of
 * the scenario: before the first next() without what was made (a tape's
 * header), after it with what was made since the start or the last rewind
 * (a tape's final metadata); the text is borrowed until the next meta() or
 * the release, NULL when out of memory. release() frees the generator.
 */
int lt_synth_source(struct lt_record_source *src, const struct lt_synth_config *cfg,
                    struct lt_err *err);

#endif
