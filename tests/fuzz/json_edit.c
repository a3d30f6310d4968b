/*
 * json_edit.c - fuzzes replay's JSON field edits (--set-field, --drop-field):
 * the first line is a dotted path, the rest a body. Whatever the body, an
 * edit that changes it must leave one valid JSON document, and a body that is
 * not edited must be left untouched.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(struct lt_json_edit *e, const uint8_t *body, size_t len, const char *path,
                  const char *value)
{
    struct lt_buf out;
    size_t matched;
    int added, rc;

    lt_buf_init(&out, 0);
    rc = lt_json_edit_apply(e, &out, body, len, path, value, &matched, &added);
    if (rc < 0 && rc != LT_E_USAGE)
        abort();
    if (rc == 0 && out.len)
        abort(); /* unchanged: nothing written */
    if (rc == 1) {
        cJSON *j = cJSON_ParseWithLength((const char *)out.data, out.len);
        if (!j || (!matched && !added))
            abort(); /* an edit is valid JSON, and says what it did */
        cJSON_Delete(j);
    }
    lt_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    char path[128];
    size_t plen;
    struct lt_json_edit *e;

    if (!nl)
        return 0;
    plen = (size_t)(nl - data);
    if (plen == 0 || plen >= sizeof(path) || memchr(data, 0, plen))
        return 0;
    memcpy(path, data, plen);
    path[plen] = '\0';
    e = lt_json_edit_new();
    if (!e)
        return 0;
    check(e, nl + 1, size - plen - 1, path, "{\"k\":[1,\"v\"]}");
    check(e, nl + 1, size - plen - 1, path, "\"s\"");
    check(e, nl + 1, size - plen - 1, path, NULL);
    lt_json_edit_free(e);
    return 0;
}
