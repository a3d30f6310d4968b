/*
 * scenario_file.c - scenario files: a JSON object whose every key is known
 * (an unknown or repeated key is an error, never ignored), each checked for
 * its type and range, with errors that name the key. The text is judged by
 * the strict reader that reads events, JSONL and HAR (lt_json_check: keys
 * given twice, bad UTF-8, deep nesting refused there); cJSON then builds the
 * tree read here:
 *
 *   {"name": "launch-day", "seed": 7, "arrivals": "poisson",
 *    "phases": [{"duration": "10m", "from": 50, "to": "2k"}, {"rate": "2k"}],
 *    "spike": "5x:10s/2m", "duration": "30m",
 *    "streams": ["web", "ios"], "users": 50000, "zipf": 1.1,
 *    "sessions": {"concurrent": 500, "mean_events": 8},
 *    "events": {"style": "realistic", "mix": {"track": 60, "identify": 30, "page": 10}},
 *    "payload": {"distribution": "log-uniform", "min": "50B", "max": "50KB"},
 *    "errors": {"share": "10%", "kinds": {"malformed_json": 1, "missing_type": 1}}}
 */
#include "synth_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define FILE_MAX (1u << 20)

static int bad(struct lt_err *err, const char *path, const char *what)
{
    return lt_error(err, LT_E_FORMAT, "key '%s': %s", path, what);
}

/* Every member of obj must be one of allowed[] (lt_json_check refused keys given twice). */
static int check_keys(const cJSON *obj, const char *path, const char *const *allowed,
                      struct lt_err *err)
{
    const cJSON *it;

    if (!cJSON_IsObject(obj))
        return bad(err, path, "must be an object");
    cJSON_ArrayForEach(it, obj)
    {
        size_t i;
        for (i = 0; allowed[i]; i++)
            if (strcmp(it->string, allowed[i]) == 0)
                break;
        if (!allowed[i]) {
            if (*path)
                return lt_error(err, LT_E_FORMAT, "key '%s.%s': unknown key", path, it->string);
            return lt_error(err, LT_E_FORMAT, "key '%s': unknown key", it->string);
        }
    }
    return 0;
}

static void key_path(char *out, size_t n, const char *path, const char *key)
{
    snprintf(out, n, "%s%s%s", path, *path ? "." : "", key);
}

static int get_rate(const cJSON *v, const char *path, double *out, struct lt_err *err)
{
    struct lt_err e2;

    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= LT_SYNTH_RATE_MAX) {
        *out = v->valuedouble;
        return 0;
    }
    if (cJSON_IsString(v) && lt_parse_rate(v->valuestring, out, &e2) == 0 &&
        *out <= LT_SYNTH_RATE_MAX)
        return 0;
    return bad(err, path, "must be a rate in events/s between 0 and 100M (500, \"5k\", \"1.5M\")");
}

static int get_duration(const cJSON *v, const char *path, int64_t *out, struct lt_err *err)
{
    struct lt_err e2;

    if (cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble <= 366.0 * 86400) {
        *out = (int64_t)llround(v->valuedouble * 1e9);
        return 0;
    }
    if (cJSON_IsString(v) && lt_parse_duration(v->valuestring, out, &e2) == 0 && *out > 0)
        return 0;
    return bad(err, path, "must be a duration above 0 (\"30s\", \"5m\", or seconds)");
}

static int get_size(const cJSON *v, const char *path, uint64_t *out, struct lt_err *err)
{
    struct lt_err e2;

    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= (double)LT_SYNTH_SIZE_MAX &&
        v->valuedouble == floor(v->valuedouble)) {
        *out = (uint64_t)v->valuedouble;
        return 0;
    }
    if (cJSON_IsString(v) && lt_parse_size(v->valuestring, out, &e2) == 0)
        return 0;
    return bad(err, path, "must be a size (\"50B\", \"4KiB\", \"50KB\", or bytes)");
}

static int get_count(const cJSON *v, const char *path, uint64_t min, uint64_t max, uint64_t *out,
                     struct lt_err *err)
{
    char msg[96];

    if (cJSON_IsNumber(v) && v->valuedouble >= (double)min && v->valuedouble <= (double)max &&
        v->valuedouble == floor(v->valuedouble)) {
        *out = (uint64_t)v->valuedouble;
        return 0;
    }
    snprintf(msg, sizeof(msg), "must be a whole number between %llu and %llu",
             (unsigned long long)min, (unsigned long long)max);
    return bad(err, path, msg);
}

static int get_number(const cJSON *v, const char *path, double min, double max, double *out,
                      struct lt_err *err)
{
    char msg[96];

    if (cJSON_IsNumber(v) && v->valuedouble >= min && v->valuedouble <= max) {
        *out = v->valuedouble;
        return 0;
    }
    snprintf(msg, sizeof(msg), "must be a number between %g and %g", min, max);
    return bad(err, path, msg);
}

static int get_arrivals(const cJSON *v, const char *path, int *poisson, struct lt_err *err)
{
    if (cJSON_IsString(v) && strcmp(v->valuestring, "constant") == 0)
        *poisson = 0;
    else if (cJSON_IsString(v) && strcmp(v->valuestring, "poisson") == 0)
        *poisson = 1;
    else
        return bad(err, path, "must be \"constant\" or \"poisson\"");
    return 0;
}

/* {"name": weight, ...} over a fixed list of names; unlisted names weigh 0. */
static int get_weights(const cJSON *obj, const char *path, const char *(*name)(int), int n,
                       double *out, struct lt_err *err)
{
    const char *allowed[16];
    const cJSON *it;
    char kp[128];
    int rc;

    for (int i = 0; i < n && i < 15; i++)
        allowed[i] = name(i);
    allowed[n < 15 ? n : 15] = NULL;
    rc = check_keys(obj, path, allowed, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        out[i] = 0;
    cJSON_ArrayForEach(it, obj)
    {
        for (int i = 0; i < n; i++) {
            if (strcmp(it->string, allowed[i]) != 0)
                continue;
            key_path(kp, sizeof(kp), path, it->string);
            rc = get_number(it, kp, 0, 1e6, &out[i], err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static const char *type_name_i(int i)
{
    return lt_synth_type_name((enum lt_synth_type)i);
}

static const char *invalid_name_i(int i)
{
    return lt_synth_invalid_name((enum lt_synth_invalid)i);
}

static int parse_phases(struct lt_synth_config *c, const cJSON *arr, int def_poisson,
                        int poisson_set, struct lt_err *err)
{
    static const char *const keys[] = {"duration", "rate", "from", "to", "arrivals", NULL};
    const cJSON *ph;
    char path[64], kp[96];
    int n = cJSON_GetArraySize(arr), rc, i = 0;

    if (!cJSON_IsArray(arr) || n < 1 || n > LT_SYNTH_MAX_PHASES)
        return bad(err, "phases", "must be an array of 1 to 64 phases");
    c->nphases = (size_t)n;
    cJSON_ArrayForEach(ph, arr)
    {
        struct lt_synth_phase *p = &c->phases[i];
        const cJSON *rate, *from, *to, *v;
        snprintf(path, sizeof(path), "phases[%d]", i);
        rc = check_keys(ph, path, keys, err);
        if (rc)
            return rc;
        memset(p, 0, sizeof(*p));
        p->poisson = poisson_set ? def_poisson : 0;
        rate = cJSON_GetObjectItemCaseSensitive(ph, "rate");
        from = cJSON_GetObjectItemCaseSensitive(ph, "from");
        to = cJSON_GetObjectItemCaseSensitive(ph, "to");
        if (rate && (from || to))
            return bad(err, path, "give \"rate\" or \"from\" and \"to\", not both");
        if (rate) {
            key_path(kp, sizeof(kp), path, "rate");
            if ((rc = get_rate(rate, kp, &p->rate_from, err)))
                return rc;
            p->rate_to = p->rate_from;
        } else if (from && to) {
            key_path(kp, sizeof(kp), path, "from");
            if ((rc = get_rate(from, kp, &p->rate_from, err)))
                return rc;
            key_path(kp, sizeof(kp), path, "to");
            if ((rc = get_rate(to, kp, &p->rate_to, err)))
                return rc;
        } else {
            return bad(err, path, "needs \"rate\", or \"from\" and \"to\" for a ramp");
        }
        if ((v = cJSON_GetObjectItemCaseSensitive(ph, "duration"))) {
            key_path(kp, sizeof(kp), path, "duration");
            if ((rc = get_duration(v, kp, &p->dur_ns, err)))
                return rc;
        } else if (i + 1 < n) {
            return bad(err, path, "needs a \"duration\" (only the last phase may go on)");
        } else if (from) {
            return bad(err, path, "a ramp needs a \"duration\"");
        }
        if ((v = cJSON_GetObjectItemCaseSensitive(ph, "arrivals"))) {
            key_path(kp, sizeof(kp), path, "arrivals");
            if ((rc = get_arrivals(v, kp, &p->poisson, err)))
                return rc;
        }
        i++;
    }
    return 0;
}

static int parse_streams(struct lt_synth_config *c, const cJSON *arr, struct lt_err *err)
{
    const cJSON *it;
    int n = cJSON_GetArraySize(arr);

    if (!cJSON_IsArray(arr) || n < 1 || n > LT_SYNTH_MAX_STREAMS)
        return bad(err, "streams", "must be an array of 1 to 32 stream names");
    c->nstreams = 0;
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it) || strlen(it->valuestring) >= LT_SYNTH_STREAM_MAX ||
            !*it->valuestring)
            return bad(err, "streams", "every stream must be a name of 1 to 47 characters");
        snprintf(c->streams[c->nstreams++], LT_SYNTH_STREAM_MAX, "%s", it->valuestring);
    }
    return 0;
}

static int parse_sections(struct lt_synth_config *c, const cJSON *root, struct lt_err *err)
{
    static const char *const skeys[] = {"concurrent", "mean_events", NULL};
    static const char *const ekeys[] = {"style", "mix", NULL};
    static const char *const pkeys[] = {"distribution", "min", "max", NULL};
    static const char *const xkeys[] = {"share", "kinds", NULL};
    const cJSON *o, *v;
    uint64_t u;
    int rc;

    if ((o = cJSON_GetObjectItemCaseSensitive(root, "sessions"))) {
        if ((rc = check_keys(o, "sessions", skeys, err)))
            return rc;
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "concurrent"))) {
            if (cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0)
                c->sessions = 0;
            else if ((rc = get_count(v, "sessions.concurrent", 1, LT_SYNTH_SESSIONS_MAX, &u, err)))
                return rc;
            else
                c->sessions = (uint32_t)u;
        }
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "mean_events")) &&
            (rc = get_number(v, "sessions.mean_events", 1, 10000, &c->session_events, err)))
            return rc;
    }
    if ((o = cJSON_GetObjectItemCaseSensitive(root, "events"))) {
        if ((rc = check_keys(o, "events", ekeys, err)))
            return rc;
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "style"))) {
            if (cJSON_IsString(v) && strcmp(v->valuestring, "tiny") == 0)
                c->style = LT_SYNTH_STYLE_TINY;
            else if (cJSON_IsString(v) && strcmp(v->valuestring, "realistic") == 0)
                c->style = LT_SYNTH_STYLE_REALISTIC;
            else
                return bad(err, "events.style", "must be \"tiny\" or \"realistic\"");
        }
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "mix")) &&
            (rc = get_weights(v, "events.mix", type_name_i, LT_SYNTH_NTYPES, c->mix, err)))
            return rc;
    }
    if ((o = cJSON_GetObjectItemCaseSensitive(root, "payload"))) {
        if ((rc = check_keys(o, "payload", pkeys, err)))
            return rc;
        v = cJSON_GetObjectItemCaseSensitive(o, "distribution");
        if (!v)
            return bad(err, "payload.distribution", "missing");
        if (!cJSON_IsString(v))
            return bad(err, "payload.distribution",
                       "must be \"natural\", \"log-uniform\", \"uniform\" or \"fixed\"");
        if (strcmp(v->valuestring, "natural") == 0)
            c->sizes = LT_SYNTH_SIZE_NATURAL;
        else if (strcmp(v->valuestring, "log-uniform") == 0)
            c->sizes = LT_SYNTH_SIZE_LOG_UNIFORM;
        else if (strcmp(v->valuestring, "uniform") == 0)
            c->sizes = LT_SYNTH_SIZE_UNIFORM;
        else if (strcmp(v->valuestring, "fixed") == 0)
            c->sizes = LT_SYNTH_SIZE_FIXED;
        else
            return bad(err, "payload.distribution",
                       "must be \"natural\", \"log-uniform\", \"uniform\" or \"fixed\"");
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "min")) &&
            (rc = get_size(v, "payload.min", &c->size_min, err)))
            return rc;
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "max")) &&
            (rc = get_size(v, "payload.max", &c->size_max, err)))
            return rc;
        if (c->sizes == LT_SYNTH_SIZE_FIXED && !cJSON_GetObjectItemCaseSensitive(o, "max"))
            c->size_max = c->size_min;
        if (c->sizes != LT_SYNTH_SIZE_NATURAL &&
            (c->size_min < LT_SYNTH_SIZE_MIN || c->size_min > c->size_max))
            return bad(err, "payload.min", "must be at least 16 B and at most payload.max");
    }
    if ((o = cJSON_GetObjectItemCaseSensitive(root, "errors"))) {
        if ((rc = check_keys(o, "errors", xkeys, err)))
            return rc;
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "share"))) {
            struct lt_err e2;
            if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1)
                c->error_share = v->valuedouble;
            else if (!cJSON_IsString(v) || lt_parse_fraction(v->valuestring, &c->error_share, &e2))
                return bad(err, "errors.share", "must be a share between 0 and 1 (0.1 or \"10%\")");
        }
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "kinds")) &&
            (rc = get_weights(v, "errors.kinds", invalid_name_i, LT_SYNTH_NINVALID, c->error_kinds,
                              err)))
            return rc;
    }
    return 0;
}

int lt_synth_parse(struct lt_synth_config *c, const char *text, size_t len, const char *what,
                   struct lt_err *err)
{
    static const char *const keys[] = {
        "name",    "description", "seed", "arrivals", "phases", "spike",   "duration", "count",
        "streams", "users",       "zipf", "sessions", "events", "payload", "errors",   NULL};
    cJSON *root = NULL;
    const cJSON *v;
    int rc = 0, def_poisson = 0, poisson_set = 0;
    uint64_t u;

    lt_synth_config_default(c);
    if (len > FILE_MAX) {
        rc = lt_error(err, LT_E_LIMIT, "larger than 1 MiB");
        goto out;
    }
    /* the strict reader judges the text (as it does events, JSONL and HAR);
     * cJSON then only builds the tree of what it accepted */
    if ((rc = lt_json_check(text, len, err)))
        goto out;
    root = cJSON_ParseWithLength(text, len);
    if (!root) {
        rc = lt_error(err, LT_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = check_keys(root, "", keys, err)))
        goto out;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "name"))) {
        if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) >= LT_SYNTH_NAME_MAX) {
            rc = bad(err, "name", "must be a string of 1 to 63 characters");
            goto out;
        }
        snprintf(c->name, sizeof(c->name), "%s", v->valuestring);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "description")) && !cJSON_IsString(v)) {
        rc = bad(err, "description", "must be a string");
        goto out;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "seed")) &&
        (rc = get_count(v, "seed", 0, LT_JSON_INT_LIMIT, &c->seed, err)))
        goto out;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "arrivals"))) {
        if ((rc = get_arrivals(v, "arrivals", &def_poisson, err)))
            goto out;
        poisson_set = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "phases"))) {
        if ((rc = parse_phases(c, v, def_poisson, poisson_set, err)))
            goto out;
    } else {
        c->phases[0].poisson = def_poisson;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "spike")) && !cJSON_IsNull(v)) {
        struct lt_err e2;
        if (!cJSON_IsString(v) || lt_spike_parse(v->valuestring, &c->spike, &e2)) {
            rc = bad(err, "spike", "must be \"FACTORx:DUR/PERIOD\" like \"10x:5s/30s\"");
            goto out;
        }
        c->has_spike = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "duration")) &&
        (rc = get_duration(v, "duration", &c->duration_ns, err)))
        goto out;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "count")) &&
        (rc = get_count(v, "count", 1, 1000000000000ULL, &c->count, err)))
        goto out;
    if (c->count && c->duration_ns) {
        rc = bad(err, "count", "give \"duration\" or \"count\", not both");
        goto out;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "streams")) && (rc = parse_streams(c, v, err)))
        goto out;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "users"))) {
        if ((rc = get_count(v, "users", 1, LT_SYNTH_USERS_MAX, &u, err)))
            goto out;
        c->users = u;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "zipf")) &&
        (rc = get_number(v, "zipf", 0.01, 5, &c->zipf, err)))
        goto out;
    if ((rc = parse_sections(c, root, err)))
        goto out;
    rc = lt_synth_config_check(c, err);
out:
    cJSON_Delete(root);
    if (rc && what)
        lt_err_prefix(err, "scenario '%s'", what);
    return rc;
}

int lt_synth_load(struct lt_synth_config *c, const char *path, struct lt_err *err)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t n = 0;
    int rc = 0;

    if (!f)
        return lt_error(err, LT_E_IO, "cannot open '%s': %s", path, strerror(errno));
    text = malloc(FILE_MAX + 1);
    if (!text) {
        rc = lt_error(err, LT_E_NOMEM, "out of memory");
        goto out;
    }
    n = fread(text, 1, FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = lt_error(err, LT_E_IO, "cannot read '%s': %s", path, strerror(errno));
        goto out;
    }
    if (n > FILE_MAX) {
        rc = lt_error(err, LT_E_LIMIT, "scenario '%s': larger than 1 MiB", path);
        goto out;
    }
    rc = lt_synth_parse(c, text, n, path, err);
    if (!rc && strcmp(c->name, "custom") == 0) {
        /* Unnamed: the file's name without its directory and .json. */
        const char *base = strrchr(path, '/');
        size_t blen;
        base = base ? base + 1 : path;
        blen = strlen(base);
        if (blen > 5 && strcmp(base + blen - 5, ".json") == 0)
            blen -= 5;
        if (blen >= sizeof(c->name))
            blen = sizeof(c->name) - 1;
        if (blen) {
            memcpy(c->name, base, blen);
            c->name[blen] = '\0';
        }
    }
out:
    free(text);
    fclose(f);
    return rc;
}
