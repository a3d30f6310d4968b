/*
 * json_reader.c - fuzzes the one reader of untrusted JSON and the one string
 * escaper. Any bytes: the reader's verdict explains itself; what it accepts,
 * cJSON reads too (scenario files are judged by the reader, then read by
 * cJSON) and the sink's validation does not call malformed (the same reader).
 * And the escaper turns any bytes into one JSON string the reader accepts,
 * which cJSON decodes back to the input when the input is UTF-8 without NUL.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_event_verdict v;
    struct lt_err err;
    struct lt_buf b;
    cJSON *j;

    lt_err_clear(&err);
    if (lt_json_check((const char *)data, size, &err)) {
        if (err.code != LT_E_FORMAT || strncmp(err.msg, "invalid JSON at ", 16) != 0)
            abort();
    } else {
        j = cJSON_ParseWithLength((const char *)data, size);
        if (!j)
            abort(); /* cJSON must read what the reader accepted */
        cJSON_Delete(j);
        if (lt_event_validate(data, size, &v) == LT_EV_MALFORMED_JSON && size <= (1u << 20))
            abort();
    }

    lt_buf_init(&b, 0);
    if (lt_buf_json_strn(&b, data, size))
        abort();
    /* (lt_json_is_value: the same reader, without lt_json_check's refusal of \u0000) */
    if (!lt_utf8_valid(b.data, b.len) || !lt_json_is_value((const char *)b.data, b.len))
        abort();
    if (lt_utf8_valid(data, size) && !memchr(data, 0, size)) {
        j = cJSON_ParseWithLength((const char *)b.data, b.len);
        if (!cJSON_IsString(j) || strlen(j->valuestring) != size ||
            memcmp(j->valuestring, data, size) != 0)
            abort();
        cJSON_Delete(j);
    }
    lt_buf_release(&b);
    return 0;
}
