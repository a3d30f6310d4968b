/*
 * redact.c - fuzzes the recording transform: the first line is the request
 * target, the rest a body. A body that was valid JSON stays valid JSON, the
 * Content-Length always says the body's length, and the transform applied
 * to its own output changes nothing more.
 */
#include "lt_formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid by the project's strict reader (cJSON takes text after the value). */
static int valid_json(struct lt_bytes b)
{
    struct lt_err err;
    return lt_json_check((const char *)b.p, b.len, &err) == 0;
}

static int same(struct lt_bytes a, struct lt_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    struct lt_header h[2] = {
        {{(const uint8_t *)"Content-Type", 12}, {(const uint8_t *)"application/json", 16}},
        {{(const uint8_t *)"Authorization", 13}, {(const uint8_t *)"Bearer x", 8}}};
    struct lt_record in, out, again;
    struct lt_recbuf rb;
    struct lt_redact *rd;
    struct lt_err err;
    const struct lt_header *cl;
    char want[24];
    int form = size && (data[0] & 1);

    if (!nl)
        return 0;
    if (form)
        h[0].value = (struct lt_bytes){(const uint8_t *)"application/x-www-form-urlencoded", 33};
    memset(&in, 0, sizeof(in));
    in.method = (struct lt_bytes){(const uint8_t *)"POST", 4};
    in.url = (struct lt_bytes){data, (size_t)(nl - data)};
    in.body = (struct lt_bytes){nl + 1, size - (size_t)(nl - data) - 1};
    in.headers = h;
    in.nheaders = 2;
    rd = lt_redact_new(NULL, &err);
    if (!rd)
        abort();
    if (lt_redact_apply(rd, &in, &out, &err))
        abort();
    /* a form body is not JSON, whatever it looks like */
    if (!form && valid_json(in.body) && !valid_json(out.body))
        abort();
    cl = lt_record_header(&out, "content-length");
    snprintf(want, sizeof(want), "%zu", out.body.len);
    if (out.body.len &&
        (!cl || cl->value.len != strlen(want) || memcmp(cl->value.p, want, cl->value.len)))
        abort();
    lt_recbuf_init(&rb);
    if (lt_recbuf_set(&rb, &out))
        abort();
    if (lt_redact_apply(rd, &rb.rec, &again, &err))
        abort();
    if (!same(again.url, rb.rec.url) || !same(again.body, rb.rec.body))
        abort();
    lt_recbuf_release(&rb);
    lt_redact_free(rd);
    return 0;
}
