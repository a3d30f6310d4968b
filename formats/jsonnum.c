/*
 * jsonnum.c - DESIGN.md §3's number-or-string rule for unsigned 64-bit values
 * (lt_json_u64_text in common/json.c) as cJSON items, and read back from them.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>

#define EXACT_PRINT_LIMIT 1000000000000000ULL

cJSON *lt_json_u64(uint64_t v)
{
    char s[LT_JSON_U64_TEXT_MAX];
    size_t n = lt_json_u64_text(v, s);

    if (s[0] == '"') {
        s[n - 1] = '\0';
        return cJSON_CreateString(s + 1);
    }
    /* cJSON prints doubles with 15 significant digits when they compare
     * "equal" within its epsilon, so from 10^15 a number goes out as raw
     * digits to stay exact */
    if (v < EXACT_PRINT_LIMIT)
        return cJSON_CreateNumber((double)v);
    return cJSON_CreateRaw(s);
}

int lt_json_get_u64(const cJSON *v, uint64_t *out)
{
    char *end;
    unsigned long long x;

    if (cJSON_IsNumber(v)) {
        /* a number at or above 2^53 may already have lost digits: refused */
        if (!(v->valuedouble >= 0 && v->valuedouble < (double)LT_JSON_INT_LIMIT) ||
            v->valuedouble != (double)(uint64_t)v->valuedouble)
            return -1;
        *out = (uint64_t)v->valuedouble;
        return 0;
    }
    /* a string, or the raw digits lt_json_u64 makes before printing */
    if (!(cJSON_IsString(v) || cJSON_IsRaw(v)) || !v->valuestring[0] || v->valuestring[0] < '0' ||
        v->valuestring[0] > '9')
        return -1;
    errno = 0;
    x = strtoull(v->valuestring, &end, 10);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}
