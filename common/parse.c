/* parse.c - durations, rates, sizes, numbers and instants as users type them. */
#include "lt_common.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
    const char *suffix;
    double factor;
};

/*
 * Splits s into a non-negative decimal number and a suffix looked up in
 * units (the empty suffix must be in the table to allow bare numbers).
 */
static int parse_with_unit(const char *s, const struct unit *units, const char *what, double *out,
                           struct lt_err *err)
{
    char *end;
    double v;

    if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
        return lt_error(err, LT_E_USAGE, "invalid %s '%s'", what, s ? s : "");
    errno = 0;
    v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return lt_error(err, LT_E_USAGE, "invalid %s '%s'", what, s);
    for (const struct unit *u = units; u->suffix; u++) {
        if (strcmp(end, u->suffix) == 0) {
            *out = v * u->factor;
            return 0;
        }
    }
    return lt_error(err, LT_E_USAGE, "invalid %s '%s': unknown unit '%s'", what, s, end);
}

/* Duration units in nanoseconds; the longest matching suffix wins ("ms" over "m"). */
static const struct {
    const char *suffix;
    int64_t ns;
} dur_units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* "µs", as Go writes it */
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60000000000LL},
    {"h", 3600000000000LL},
    {"d", 86400000000000LL},
};

/*
 * Reads one unsigned decimal number ("12", "1.5", ".5") at *p: the whole part
 * exactly, the fraction as a double. Returns -1 when there is no number or the
 * whole part exceeds 10^18.
 */
static int read_decimal(const char **p, uint64_t *whole, double *frac)
{
    const char *s = *p;
    uint64_t w = 0;
    int nd = 0;

    while (isdigit((unsigned char)*s)) {
        if (w > 100000000000000000ULL)
            return -1;
        w = w * 10 + (uint64_t)(*s++ - '0');
        nd++;
    }
    *frac = 0;
    if (*s == '.' && isdigit((unsigned char)s[1])) {
        double scale = 0.1;
        for (s++; isdigit((unsigned char)*s); s++, scale /= 10)
            *frac += (*s - '0') * scale;
        nd++;
    }
    if (nd == 0)
        return -1;
    *whole = w;
    *p = s;
    return 0;
}

/* Multiplies a decimal by a unit, with the overflow check of a duration. */
static int scale_decimal(uint64_t whole, double frac, int64_t unit, int64_t *out)
{
    double f = frac * (double)unit;

    if (whole > (uint64_t)(INT64_MAX / unit))
        return -1;
    if ((double)(whole * (uint64_t)unit) + f >= 9.2e18)
        return -1;
    *out = (int64_t)(whole * (uint64_t)unit) + (int64_t)llround(f);
    return 0;
}

/* The unit at p (longest match, so "ms" is not "m" then "s"); 0 when none. */
static size_t dur_unit(const char *p, int64_t *unit_ns)
{
    size_t best = 0;

    for (size_t i = 0; i < sizeof(dur_units) / sizeof(dur_units[0]); i++) {
        size_t l = strlen(dur_units[i].suffix);
        if (l > best && strncmp(p, dur_units[i].suffix, l) == 0) {
            best = l;
            *unit_ns = dur_units[i].ns;
        }
    }
    return best;
}

/*
 * A duration is a bare number of seconds ("2", "1.5") or one or more parts of
 * a number and a unit, Go-style: "500ms", "1m30s", "1h2m3.5s". Whole parts are
 * exact integers; a fraction is rounded to the nearest nanosecond.
 */
int lt_parse_duration(const char *s, int64_t *ns, struct lt_err *err)
{
    const char *p = s;
    int64_t total = 0;

    if (!s || !*s)
        return lt_error(err, LT_E_USAGE, "invalid duration '%s'", s ? s : "");
    while (*p) {
        uint64_t whole;
        double frac;
        int64_t unit = 1000000000, v;
        size_t ulen = 0;

        const char *start = p;

        if (read_decimal(&p, &whole, &frac))
            return lt_error(err, LT_E_USAGE, "invalid duration '%s'", s);
        if (start != s || *p) {
            /* not a bare number of seconds: every part has its unit */
            ulen = dur_unit(p, &unit);
            if (ulen == 0 && *p)
                return lt_error(err, LT_E_USAGE,
                                "invalid duration '%s': unknown unit '%.*s' (ns, us, ms, s, m, h, "
                                "d)",
                                s, (int)strcspn(p, "0123456789."), p);
            if (ulen == 0)
                return lt_error(err, LT_E_USAGE,
                                "invalid duration '%s': the last part needs a unit", s);
        }
        if (scale_decimal(whole, frac, unit, &v) || (double)total + (double)v >= 9.2e18)
            return lt_error(err, LT_E_USAGE, "invalid duration '%s': too long", s);
        total += v;
        p += ulen;
    }
    *ns = total;
    return 0;
}

/*
 * A rate is a count per second with an optional multiplier ("500", "5k",
 * "1.5M"), optionally per a duration: "5000/s", "50/1s", "300/m", "300/min",
 * "100/500ms", "3600/h".
 */
int lt_parse_rate(const char *s, double *per_s, struct lt_err *err)
{
    static const struct unit units[] = {
        {"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {NULL, 0},
    };
    char num[64], per[64];
    const char *slash = s ? strchr(s, '/') : NULL;
    struct lt_err e2;
    int64_t per_ns = 1000000000;
    int rc;

    if (!s)
        return lt_error(err, LT_E_USAGE, "invalid rate ''");
    if (slash) {
        const char *d = slash + 1;
        if ((size_t)(slash - s) >= sizeof(num) || strlen(d) + 2 > sizeof(per))
            return lt_error(err, LT_E_USAGE, "invalid rate '%s'", s);
        memcpy(num, s, (size_t)(slash - s));
        num[slash - s] = '\0';
        /* "/s" is "/1s"; a bare number after the slash has no unit to go by */
        snprintf(per, sizeof(per), "%s%s", isalpha((unsigned char)*d) ? "1" : "",
                 strcmp(d, "min") == 0 ? "m" : d);
        if (!*d || isdigit((unsigned char)d[strlen(d) - 1]) ||
            lt_parse_duration(per, &per_ns, &e2) || per_ns <= 0)
            return lt_error(err, LT_E_USAGE,
                            "invalid rate '%s': expected N per a duration (5000/s, 50/1s, 300/m, "
                            "300/min, 10/h)",
                            s);
    } else {
        snprintf(num, sizeof(num), "%s", s);
    }
    rc = parse_with_unit(num, units, "rate", per_s, err);
    if (rc)
        return slash ? lt_error(err, LT_E_USAGE, "invalid rate '%s'", s) : rc;
    *per_s = *per_s * 1e9 / (double)per_ns;
    if (*per_s <= 0 || *per_s > 1e9)
        return lt_error(err, LT_E_USAGE, "invalid rate '%s': must be above 0 and at most 1G/s", s);
    return 0;
}

int lt_parse_factor(const char *s, double *factor, struct lt_err *err)
{
    static const struct unit units[] = {{"", 1}, {"x", 1}, {"X", 1}, {NULL, 0}};
    int rc = parse_with_unit(s, units, "factor", factor, err);

    if (rc)
        return rc;
    if (*factor <= 0)
        return lt_error(err, LT_E_USAGE, "invalid factor '%s': must be above 0", s);
    return 0;
}

int lt_parse_size(const char *s, uint64_t *bytes, struct lt_err *err)
{
    static const struct unit units[] = {
        {"", 1},
        {"B", 1},
        {"KB", 1e3},
        {"kB", 1e3},
        {"KiB", 1024.0},
        {"MB", 1e6},
        {"MiB", 1048576.0},
        {"GB", 1e9},
        {"GiB", 1073741824.0},
        {"K", 1024.0},
        {"M", 1048576.0},
        {"G", 1073741824.0},
        {NULL, 0},
    };
    double v;
    int rc = parse_with_unit(s, units, "size", &v, err);

    if (rc)
        return rc;
    if (v >= 1.8e19)
        return lt_error(err, LT_E_USAGE, "invalid size '%s': too large", s);
    *bytes = (uint64_t)llround(v);
    return 0;
}

int lt_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v, struct lt_err *err)
{
    char *end;
    unsigned long long x;

    if (!s || !isdigit((unsigned char)*s))
        return lt_error(err, LT_E_USAGE, "invalid number '%s'", s ? s : "");
    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || *end)
        return lt_error(err, LT_E_USAGE, "invalid number '%s'", s);
    if (x < min || x > max)
        return lt_error(err, LT_E_USAGE, "number '%s' out of range [%llu, %llu]", s,
                        (unsigned long long)min, (unsigned long long)max);
    *v = x;
    return 0;
}

int lt_parse_double(const char *s, double *v, struct lt_err *err)
{
    char *end;

    if (!s || !*s || isspace((unsigned char)*s))
        return lt_error(err, LT_E_USAGE, "invalid number '%s'", s ? s : "");
    errno = 0;
    *v = strtod(s, &end);
    if (errno || *end || !isfinite(*v))
        return lt_error(err, LT_E_USAGE, "invalid number '%s'", s);
    return 0;
}

int lt_parse_fraction(const char *s, double *v, struct lt_err *err)
{
    static const struct unit units[] = {{"", 1}, {"%", 0.01}, {NULL, 0}};
    int rc = parse_with_unit(s, units, "fraction", v, err);

    if (rc)
        return rc;
    if (*v > 1)
        return lt_error(err, LT_E_USAGE, "invalid fraction '%s': must be within 0..1 or 0%%..100%%",
                        s);
    return 0;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int lt_parse_iso8601(const char *s, int64_t *unix_ns, struct lt_err *err)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
    int64_t frac = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (!s)
        goto bad;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        goto bad;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            goto bad;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                goto bad;
            if (*p == '.' || *p == ',') {
                int n = 0;
                p++;
                if (!isdigit((unsigned char)*p))
                    goto bad;
                while (isdigit((unsigned char)*p)) {
                    if (n < 9) {
                        frac = frac * 10 + (*p - '0');
                        n++;
                    }
                    p++;
                }
                while (n++ < 9)
                    frac *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            goto bad;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
            if (digits(&p, 2, &oh))
                goto bad;
            if (*p == ':')
                p++;
            if (*p && digits(&p, 2, &om))
                goto bad;
            if (oh > 23 || om > 59)
                goto bad;
            off = sign * (oh * 60 + om);
        } else {
            goto bad; /* a local time would depend on the machine's zone */
        }
    }
    if (*p)
        goto bad;
    {
        int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
        int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off * 60;
        if (secs < -9000000000LL || secs > 9000000000LL)
            goto bad;
        *unix_ns = secs * 1000000000 + frac;
    }
    return 0;
bad:
    return lt_error(err, LT_E_USAGE,
                    "invalid time '%s': expected ISO 8601 like 2026-01-01T00:00:00Z", s ? s : "");
}

void lt_format_iso8601(int64_t unix_ns, int ndigits, char *out, size_t outlen)
{
    int64_t secs = unix_ns / 1000000000, ns = unix_ns % 1000000000;
    int64_t days, rem;
    int y;
    unsigned m, d;
    char frac[16] = "";

    if (ns < 0) {
        ns += 1000000000;
        secs--;
    }
    days = secs / 86400;
    rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    if (ndigits == 3)
        snprintf(frac, sizeof(frac), ".%03lld", (long long)(ns / 1000000));
    else if (ndigits == 6)
        snprintf(frac, sizeof(frac), ".%06lld", (long long)(ns / 1000));
    else if (ndigits == 9)
        snprintf(frac, sizeof(frac), ".%09lld", (long long)ns);
    snprintf(out, outlen, "%04d-%02u-%02uT%02d:%02d:%02d%sZ", y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60), frac);
}

void lt_format_duration(int64_t ns, char *out, size_t outlen)
{
    double v = (double)ns;

    if (ns < 0) {
        snprintf(out, outlen, "-");
        return;
    }
    if (ns < 1000)
        snprintf(out, outlen, "%lldns", (long long)ns);
    else if (ns < 1000000)
        snprintf(out, outlen, "%.0fus", v / 1e3);
    else if (ns < 10000000)
        snprintf(out, outlen, "%.2fms", v / 1e6);
    else if (ns < 1000000000)
        snprintf(out, outlen, "%.1fms", v / 1e6);
    else if (ns < 60000000000LL)
        snprintf(out, outlen, "%.2fs", v / 1e9);
    else
        snprintf(out, outlen, "%lldm%02llds", (long long)(ns / 60000000000LL),
                 (long long)(ns / 1000000000 % 60));
}

size_t lt_u64_text(uint64_t v, char *out)
{
    char tmp[LT_U64_TEXT_MAX];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}
