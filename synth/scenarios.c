/*
 * scenarios.c - the built-in scenarios (one row each in a table), the
 * defaults scenario files start from, consistency checks, and the scenario
 * as tape metadata and as a line of --help.
 */
#include "synth_int.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define SEC 1000000000LL
#define DEFAULT_ORIGIN_NS 1767225600000000000ULL /* 2026-01-01T00:00:00Z */

static const char *const type_names[LT_SYNTH_NTYPES] = {"track",  "identify", "page",
                                                        "screen", "group",    "alias"};
static const char *const invalid_names[LT_SYNTH_NINVALID] = {
    "malformed_json", "missing_type", "unknown_type", "track_without_event", "wrong_field_type"};

const char *lt_synth_type_name(enum lt_synth_type t)
{
    return (unsigned)t < LT_SYNTH_NTYPES ? type_names[t] : NULL;
}

const char *lt_synth_invalid_name(enum lt_synth_invalid k)
{
    return (unsigned)k < LT_SYNTH_NINVALID ? invalid_names[k] : NULL;
}

static void set_streams(struct lt_synth_config *c, const char *const *names, size_t n)
{
    c->nstreams = 0;
    for (size_t i = 0; i < n && i < LT_SYNTH_MAX_STREAMS; i++)
        snprintf(c->streams[c->nstreams++], LT_SYNTH_STREAM_MAX, "%s", names[i]);
}

void lt_synth_config_default(struct lt_synth_config *c)
{
    static const char *const web[] = {"web"};

    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "custom");
    c->seed = 1;
    c->nphases = 1;
    c->phases[0].rate_from = c->phases[0].rate_to = 1000;
    c->origin_ns = DEFAULT_ORIGIN_NS;
    set_streams(c, web, 1);
    c->users = 10000;
    c->zipf = 1.0;
    c->session_events = 8;
    c->style = LT_SYNTH_STYLE_REALISTIC;
    c->mix[LT_SYNTH_TRACK] = 60;
    c->mix[LT_SYNTH_IDENTIFY] = 30;
    c->mix[LT_SYNTH_PAGE] = 10;
    c->sizes = LT_SYNTH_SIZE_NATURAL;
    for (int k = 0; k < LT_SYNTH_NINVALID; k++)
        c->error_kinds[k] = 1;
}

/* ---- the built-in scenarios ------------------------------------------------------ */

static void sc_baseline(struct lt_synth_config *c)
{
    c->phases[0].rate_from = c->phases[0].rate_to = 10000;
    c->users = 1000;
    c->style = LT_SYNTH_STYLE_TINY;
    memset(c->mix, 0, sizeof(c->mix));
    c->mix[LT_SYNTH_TRACK] = 1;
}

static void sc_payload(struct lt_synth_config *c)
{
    c->phases[0].rate_from = c->phases[0].rate_to = 500;
    c->sizes = LT_SYNTH_SIZE_LOG_UNIFORM;
    c->size_min = 50;
    c->size_max = 50000;
}

static void sc_realistic(struct lt_synth_config *c)
{
    static const char *const s[] = {"web", "ios", "android"};

    c->phases[0].poisson = 1;
    set_streams(c, s, 3);
}

static void sc_burst(struct lt_synth_config *c)
{
    sc_realistic(c);
    c->phases[0].poisson = 0;
    c->duration_ns = 120 * SEC;
    c->has_spike = 1;
    c->spike.factor_milli = 10000;
    c->spike.dur_ns = 5 * SEC;
    c->spike.period_ns = 30 * SEC;
}

static void sc_errors(struct lt_synth_config *c)
{
    sc_realistic(c);
    c->error_share = 0.10;
}

static const struct builtin {
    const char *name;
    void (*fill)(struct lt_synth_config *c);
} builtins[] = {
    {"baseline", sc_baseline}, {"payload", sc_payload}, {"realistic", sc_realistic},
    {"burst", sc_burst},       {"errors", sc_errors},
};

const char *const lt_synth_builtin_names[] = {"baseline", "payload", "realistic",
                                              "burst",    "errors",  NULL};

int lt_synth_builtin(const char *name, struct lt_synth_config *cfg, struct lt_err *err)
{
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (strcmp(builtins[i].name, name) == 0) {
            lt_synth_config_default(cfg);
            snprintf(cfg->name, sizeof(cfg->name), "%s", name);
            cfg->duration_ns = 60 * SEC;
            builtins[i].fill(cfg);
            return 0;
        }
    }
    return lt_error(err, LT_E_USAGE,
                    "unknown scenario '%s' (baseline, payload, realistic, burst, errors, or a "
                    "FILE.json)",
                    name);
}

/* ---- checks ------------------------------------------------------------------------ */

static int stream_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= LT_SYNTH_STREAM_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

int lt_synth_config_check(const struct lt_synth_config *c, struct lt_err *err)
{
    double sum = 0;
    int64_t total = 0;

    if (c->nphases < 1 || c->nphases > LT_SYNTH_MAX_PHASES)
        return lt_error(err, LT_E_USAGE, "'phases': between 1 and %d phases", LT_SYNTH_MAX_PHASES);
    for (size_t i = 0; i < c->nphases; i++) {
        const struct lt_synth_phase *p = &c->phases[i];
        if (!(p->rate_from >= 0 && p->rate_from <= LT_SYNTH_RATE_MAX && p->rate_to >= 0 &&
              p->rate_to <= LT_SYNTH_RATE_MAX))
            return lt_error(err, LT_E_USAGE, "'phases[%zu]': rates must be between 0 and 100M/s",
                            i);
        if (p->dur_ns < 0 || p->dur_ns > 366 * 86400 * SEC)
            return lt_error(err, LT_E_USAGE, "'phases[%zu].duration': at most a year", i);
        if (p->dur_ns == 0 && i + 1 < c->nphases)
            return lt_error(err, LT_E_USAGE,
                            "'phases[%zu].duration': only the last phase may be open-ended", i);
        if (p->dur_ns == 0 && p->rate_from != p->rate_to)
            return lt_error(err, LT_E_USAGE, "'phases[%zu]': a ramp needs a duration", i);
        total += p->dur_ns;
    }
    if (total > 366 * 86400 * SEC)
        return lt_error(err, LT_E_USAGE, "'phases': at most a year in all");
    if (c->count && c->duration_ns)
        return lt_error(err, LT_E_USAGE, "give a duration or a count, not both");
    if (c->duration_ns < 0 || c->duration_ns > 366 * 86400 * SEC)
        return lt_error(err, LT_E_USAGE, "'duration': at most a year");
    if (!c->count && !c->duration_ns && c->phases[c->nphases - 1].dur_ns == 0)
        return lt_error(err, LT_E_USAGE,
                        "scenario '%s' never ends: give a duration or a count (or a duration "
                        "for its last phase)",
                        c->name);
    if (c->nstreams < 1)
        return lt_error(err, LT_E_USAGE, "'streams': at least one stream");
    for (size_t i = 0; i < c->nstreams; i++)
        if (!stream_name_ok(c->streams[i]))
            return lt_error(err, LT_E_USAGE,
                            "'streams': invalid stream name '%s' (letters, digits, '-', '_', "
                            "'.'; at most %d)",
                            c->streams[i], LT_SYNTH_STREAM_MAX - 1);
    if (c->users < 1 || c->users > LT_SYNTH_USERS_MAX)
        return lt_error(err, LT_E_USAGE, "'users': between 1 and 100000000");
    if (!(c->zipf > 0 && c->zipf <= 5))
        return lt_error(err, LT_E_USAGE, "'zipf': must be above 0 and at most 5");
    if (c->sessions > LT_SYNTH_SESSIONS_MAX)
        return lt_error(err, LT_E_USAGE, "'sessions.concurrent': at most %d",
                        LT_SYNTH_SESSIONS_MAX);
    if (!(c->session_events >= 1 && c->session_events <= 10000))
        return lt_error(err, LT_E_USAGE, "'sessions.mean_events': between 1 and 10000");
    for (int t = 0; t < LT_SYNTH_NTYPES; t++) {
        if (!(c->mix[t] >= 0 && c->mix[t] <= 1e6))
            return lt_error(err, LT_E_USAGE, "'events.mix.%s': must be a weight >= 0",
                            type_names[t]);
        sum += c->mix[t];
    }
    if (sum <= 0)
        return lt_error(err, LT_E_USAGE, "'events.mix': at least one weight must be above 0");
    if (c->sizes != LT_SYNTH_SIZE_NATURAL) {
        if (c->size_min < LT_SYNTH_SIZE_MIN || c->size_max > LT_SYNTH_SIZE_MAX ||
            c->size_min > c->size_max)
            return lt_error(err, LT_E_USAGE,
                            "'payload': sizes must satisfy %d B <= min <= max <= 16 MiB",
                            LT_SYNTH_SIZE_MIN);
    }
    if (!(c->error_share >= 0 && c->error_share <= 1))
        return lt_error(err, LT_E_USAGE, "'errors.share': must be between 0 and 1");
    sum = 0;
    for (int k = 0; k < LT_SYNTH_NINVALID; k++) {
        if (!(c->error_kinds[k] >= 0 && c->error_kinds[k] <= 1e6))
            return lt_error(err, LT_E_USAGE, "'errors.kinds.%s': must be a weight >= 0",
                            invalid_names[k]);
        sum += c->error_kinds[k];
    }
    if (c->error_share > 0 && sum <= 0)
        return lt_error(err, LT_E_USAGE, "'errors.kinds': at least one weight must be above 0");
    if (c->has_spike && (c->spike.factor_milli <= 1000 || c->spike.dur_ns <= 0 ||
                         c->spike.period_ns <= c->spike.dur_ns))
        return lt_error(err, LT_E_USAGE, "'spike': invalid spike");
    return 0;
}

/* ---- descriptions ------------------------------------------------------------------ */

static void fmt_rate(double r, char *out, size_t n)
{
    if (r >= 1e6 && fmod(r, 1e5) == 0)
        snprintf(out, n, "%gM", r / 1e6);
    else if (r >= 1e3 && fmod(r, 100) == 0)
        snprintf(out, n, "%gk", r / 1e3);
    else
        snprintf(out, n, "%g", r);
}

/* A duration in the largest unit that divides it exactly: "5s", "2m", "250ms". */
static void fmt_exact(int64_t ns, char *out, size_t n)
{
    static const struct {
        int64_t ns;
        const char *unit;
    } units[] = {{3600 * SEC, "h"}, {60 * SEC, "m"}, {SEC, "s"}, {1000000, "ms"}, {1000, "us"}};

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (ns % units[i].ns == 0) {
            snprintf(out, n, "%lld%s", (long long)(ns / units[i].ns), units[i].unit);
            return;
        }
    }
    snprintf(out, n, "%lldns", (long long)ns);
}

static void fmt_spike(const struct lt_spike *sp, char *out, size_t n)
{
    char d[32], p[32];

    fmt_exact(sp->dur_ns, d, sizeof(d));
    fmt_exact(sp->period_ns, p, sizeof(p));
    snprintf(out, n, "%gx:%s/%s", (double)sp->factor_milli / 1000.0, d, p);
}

static const char *size_dist_name(enum lt_synth_sizes s)
{
    switch (s) {
    case LT_SYNTH_SIZE_LOG_UNIFORM:
        return "log-uniform";
    case LT_SYNTH_SIZE_UNIFORM:
        return "uniform";
    case LT_SYNTH_SIZE_FIXED:
        return "fixed";
    default:
        return "natural";
    }
}

/* "50 B", "50 KB", "4 KiB": the unit that divides exactly. */
static void fmt_size(uint64_t v, char *out, size_t n)
{
    if (v >= 1048576 && v % 1048576 == 0)
        snprintf(out, n, "%llu MiB", (unsigned long long)(v / 1048576));
    else if (v >= 1000000 && v % 1000000 == 0)
        snprintf(out, n, "%llu MB", (unsigned long long)(v / 1000000));
    else if (v >= 1024 && v % 1024 == 0)
        snprintf(out, n, "%llu KiB", (unsigned long long)(v / 1024));
    else if (v >= 1000 && v % 1000 == 0)
        snprintf(out, n, "%llu KB", (unsigned long long)(v / 1000));
    else
        snprintf(out, n, "%llu B", (unsigned long long)v);
}

int lt_synth_describe(const struct lt_synth_config *c, char *out, size_t outlen)
{
    struct lt_buf b;
    char r1[32], r2[32], d[96];
    int rc = 0;

    lt_buf_init(&b, 4096);
    for (size_t i = 0; i < c->nphases && !rc; i++) {
        const struct lt_synth_phase *p = &c->phases[i];
        fmt_rate(p->rate_from, r1, sizeof(r1));
        fmt_rate(p->rate_to, r2, sizeof(r2));
        if (p->rate_from == p->rate_to)
            rc = lt_buf_printf(&b, "%s%s %s/s", i ? ", then " : "",
                               p->poisson ? "poisson" : "constant", r1);
        else
            rc = lt_buf_printf(&b, "%s%s ramp %s/s to %s/s", i ? ", then " : "",
                               p->poisson ? "poisson" : "constant", r1, r2);
        if (!rc && p->dur_ns) {
            fmt_exact(p->dur_ns, d, sizeof(d));
            rc = lt_buf_printf(&b, " over %s", d);
        }
    }
    if (!rc && c->duration_ns) {
        fmt_exact(c->duration_ns, d, sizeof(d));
        rc = lt_buf_printf(&b, ", for %s", d);
    } else if (!rc && c->count) {
        rc = lt_buf_printf(&b, ", %llu events", (unsigned long long)c->count);
    }
    if (!rc && c->has_spike) {
        fmt_spike(&c->spike, d, sizeof(d));
        rc = lt_buf_printf(&b, ", spikes %s", d);
    }
    if (!rc)
        rc = lt_buf_puts(&b, ", streams ");
    for (size_t i = 0; i < c->nstreams && !rc; i++)
        rc = lt_buf_printf(&b, "%s%s", i ? "," : "", c->streams[i]);
    if (!rc)
        rc = lt_buf_printf(&b, ", %llu users, %s events", (unsigned long long)c->users,
                           c->style == LT_SYNTH_STYLE_TINY ? "tiny" : "realistic");
    if (!rc && c->sizes != LT_SYNTH_SIZE_NATURAL) {
        char lo[32], hi[32];
        fmt_size(c->size_min, lo, sizeof(lo));
        fmt_size(c->size_max, hi, sizeof(hi));
        rc = lt_buf_printf(&b, " of %s sizes %s to %s", size_dist_name(c->sizes), lo, hi);
    }
    {
        double sum = 0;
        const char *sep = " (";
        for (int t = 0; t < LT_SYNTH_NTYPES; t++)
            sum += c->mix[t];
        for (int t = 0; t < LT_SYNTH_NTYPES && !rc && sum > 0; t++) {
            if (c->mix[t] <= 0)
                continue;
            rc = lt_buf_printf(&b, "%s%s %.3g%%", sep, type_names[t], 100.0 * c->mix[t] / sum);
            sep = ", ";
        }
        if (!rc && sum > 0)
            rc = lt_buf_putc(&b, ')');
    }
    if (!rc && c->error_share > 0)
        rc = lt_buf_printf(&b, ", %g%% invalid", c->error_share * 100);
    if (!rc)
        rc = lt_buf_cstr(&b);
    if (!rc)
        snprintf(out, outlen, "%s", (const char *)b.data);
    lt_buf_release(&b);
    return rc;
}

/* ---- metadata ---------------------------------------------------------------------- */

char *lt_synth_meta_json(const struct lt_synth_config *c, const struct lt_synth *s)
{
    cJSON *root = cJSON_CreateObject(), *src, *par, *arr, *o;
    char tmp[64], *out = NULL;

    if (!root)
        return NULL;
    src = cJSON_AddObjectToObject(root, "source");
    if (!src)
        goto out;
    cJSON_AddStringToObject(src, "kind", "synth");
    cJSON_AddStringToObject(src, "scenario", c->name);
    cJSON_AddItemToObject(src, "seed", lt_json_u64(c->seed));
    par = cJSON_AddObjectToObject(src, "parameters");
    if (!par)
        goto out;
    arr = cJSON_AddArrayToObject(par, "phases");
    for (size_t i = 0; arr && i < c->nphases; i++) {
        const struct lt_synth_phase *p = &c->phases[i];
        o = cJSON_CreateObject();
        if (!o)
            goto out;
        cJSON_AddItemToArray(arr, o);
        if (p->dur_ns)
            cJSON_AddItemToObject(o, "duration_ns", lt_json_u64((uint64_t)p->dur_ns));
        if (p->rate_from == p->rate_to) {
            cJSON_AddNumberToObject(o, "rate", p->rate_from);
        } else {
            cJSON_AddNumberToObject(o, "from", p->rate_from);
            cJSON_AddNumberToObject(o, "to", p->rate_to);
        }
        cJSON_AddStringToObject(o, "arrivals", p->poisson ? "poisson" : "constant");
    }
    if (c->has_spike) {
        fmt_spike(&c->spike, tmp, sizeof(tmp));
        cJSON_AddStringToObject(par, "spike", tmp);
    }
    if (c->duration_ns)
        cJSON_AddItemToObject(par, "duration_ns", lt_json_u64((uint64_t)c->duration_ns));
    if (c->count)
        cJSON_AddItemToObject(par, "count", lt_json_u64(c->count));
    lt_format_iso8601((int64_t)c->origin_ns, 9, tmp, sizeof(tmp));
    cJSON_AddStringToObject(par, "origin", tmp);
    arr = cJSON_AddArrayToObject(par, "streams");
    for (size_t i = 0; arr && i < c->nstreams; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(c->streams[i]));
    cJSON_AddItemToObject(par, "users", lt_json_u64(c->users));
    cJSON_AddNumberToObject(par, "zipf", c->zipf);
    o = cJSON_AddObjectToObject(par, "sessions");
    if (o) {
        cJSON_AddNumberToObject(o, "concurrent", (double)sessions_concurrent(c));
        cJSON_AddNumberToObject(o, "mean_events", c->session_events);
    }
    o = cJSON_AddObjectToObject(par, "events");
    if (o) {
        cJSON *mix;
        cJSON_AddStringToObject(o, "style", c->style == LT_SYNTH_STYLE_TINY ? "tiny" : "realistic");
        mix = cJSON_AddObjectToObject(o, "mix");
        for (int t = 0; mix && t < LT_SYNTH_NTYPES; t++)
            if (c->mix[t] > 0)
                cJSON_AddNumberToObject(mix, type_names[t], c->mix[t]);
    }
    o = cJSON_AddObjectToObject(par, "payload");
    if (o) {
        cJSON_AddStringToObject(o, "distribution", size_dist_name(c->sizes));
        if (c->sizes != LT_SYNTH_SIZE_NATURAL) {
            cJSON_AddItemToObject(o, "min", lt_json_u64(c->size_min));
            cJSON_AddItemToObject(o, "max", lt_json_u64(c->size_max));
        }
    }
    o = cJSON_AddObjectToObject(par, "errors");
    if (o) {
        cJSON *k;
        cJSON_AddNumberToObject(o, "share", c->error_share);
        k = cJSON_AddObjectToObject(o, "kinds");
        for (int i = 0; k && c->error_share > 0 && i < LT_SYNTH_NINVALID; i++)
            if (c->error_kinds[i] > 0)
                cJSON_AddNumberToObject(k, invalid_names[i], c->error_kinds[i]);
    }
    if (s) {
        uint64_t types[LT_SYNTH_NTYPES], invalid[LT_SYNTH_NINVALID];
        lt_synth_counts(s, types, invalid);
        o = cJSON_AddObjectToObject(src, "events");
        for (int i = 0; o && i < LT_SYNTH_NTYPES; i++)
            if (types[i])
                cJSON_AddItemToObject(o, type_names[i], lt_json_u64(types[i]));
        o = cJSON_AddObjectToObject(src, "invalid");
        for (int i = 0; o && i < LT_SYNTH_NINVALID; i++)
            if (invalid[i])
                cJSON_AddItemToObject(o, invalid_names[i], lt_json_u64(invalid[i]));
    }
    out = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return out;
}
