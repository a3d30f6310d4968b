/*
 * jsonnum.c - DESIGN.md §3's rule for unsigned 64-bit values in JSON, in one
 * place: a JSON number below 2^53 (where doubles are still exact), else a
 * decimal string; readers take either form.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define SAFE_INT_LIMIT ((uint64_t)1 << 53)
#define EXACT_PRINT_LIMIT 1000000000000000ULL

cJSON *lt_json_u64(uint64_t v)
{
    char s[24];

    snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
    /* cJSON prints doubles with 15 significant digits when they compare
     * "equal" within its epsilon, so from 10^15 a number goes out as raw
     * digits to stay exact */
    if (v < EXACT_PRINT_LIMIT)
        return cJSON_CreateNumber((double)v);
    if (v < SAFE_INT_LIMIT)
        return cJSON_CreateRaw(s);
    return cJSON_CreateString(s);
}

int lt_json_get_u64(const cJSON *v, uint64_t *out)
{
    char *end;
    unsigned long long x;

    if (cJSON_IsNumber(v)) {
        /* a number at or above 2^53 may already have lost digits: refused */
        if (!(v->valuedouble >= 0 && v->valuedouble < (double)SAFE_INT_LIMIT) ||
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
