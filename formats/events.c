/*
 * events.c - the sink's event validation rules (DESIGN.md §4 "The sink"),
 * shared by the sink, synth and the tests so all judge events alike. Bodies
 * are read by the strict reader (jsonval.c) that reads JSONL and HAR, so what
 * is JSON is decided the same way everywhere.
 */
#include "jsonval.h"

#include <stdio.h>
#include <string.h>

/* Values a body may hold (a batch of some 50,000 events; bounds the reader at ~36 MB). */
#define EVENT_MAX_NODES ((size_t)1 << 20)
/* Values read without allocating (an event of a few dozen fields). */
#define LOCAL_NODES 64
/* Bytes of an unknown type quoted in the message. */
#define TYPE_QUOTE_MAX 40

static const char *const reason_names[LT_EV_REASON_COUNT] = {
    [LT_EV_OK] = "ok",
    [LT_EV_MALFORMED_JSON] = "malformed_json",
    [LT_EV_NOT_OBJECT] = "not_object",
    [LT_EV_MISSING_TYPE] = "missing_type",
    [LT_EV_UNKNOWN_TYPE] = "unknown_type",
    [LT_EV_TRACK_WITHOUT_EVENT] = "track_without_event",
    [LT_EV_WRONG_FIELD_TYPE] = "wrong_field_type",
    [LT_EV_MISSING_USER] = "missing_user",
    [LT_EV_EMPTY_BATCH] = "empty_batch",
};

static const char *const event_types[] = {"track", "identify", "page", "screen", "group", "alias"};

const char *lt_event_reason_name(enum lt_event_reason r)
{
    if ((int)r < 0 || r >= LT_EV_REASON_COUNT)
        return NULL;
    return reason_names[r];
}

int lt_event_reason_from_name(const char *name)
{
    for (int i = 0; i < LT_EV_REASON_COUNT; i++)
        if (strcmp(name, reason_names[i]) == 0)
            return i;
    return -1;
}

static enum lt_event_reason verdict(char *msg, size_t msglen, enum lt_event_reason r,
                                    const char *fmt, const char *arg)
{
    if (msg && msglen)
        snprintf(msg, msglen, fmt, arg);
    return r;
}

static int str_is(const struct jv_doc *d, const struct jv_node *n, const char *s)
{
    size_t len, sl = strlen(s);
    const char *v = jv_str(d, n, &len);

    return len == sl && memcmp(v, s, sl) == 0;
}

/*
 * "unknown type 'café'": the type quoted as it came (the reader made sure it
 * is UTF-8; the sink's answer escapes only what JSON must), cut at a
 * character's start, a NUL in it shown as \u0000 so the message is not cut there.
 */
static void quote_type(char *msg, size_t msglen, const char *t, size_t len)
{
    char q[TYPE_QUOTE_MAX + 1];
    size_t o = 0;

    for (size_t i = 0, cl; i < len; i += cl) {
        const char *piece = t[i] ? t + i : "\\u0000";
        size_t w;
        cl = lt_utf8_char((const uint8_t *)t + i, len - i);
        w = t[i] ? cl : 6;
        if (!cl || o + w > TYPE_QUOTE_MAX)
            break;
        memcpy(q + o, piece, w);
        o += w;
    }
    q[o] = '\0';
    snprintf(msg, msglen, "unknown type '%s'", q);
}

/*
 * One event. The checks run in a fixed order, so an event with several
 * faults always gets the same reason: shape, type, user, event name, then
 * object fields.
 */
static enum lt_event_reason check_event(const struct jv_doc *d, const struct jv_node *ev, char *msg,
                                        size_t msglen)
{
    static const char *const object_fields[] = {"properties", "traits", "context"};
    static const char *const user_fields[] = {"userId", "anonymousId"};
    const struct jv_node *type, *event;
    int known = 0, has_user = 0;

    if (ev->type != JV_OBJ)
        return verdict(msg, msglen, LT_EV_NOT_OBJECT, "%s", "an event must be a JSON object");
    type = jv_get(d, ev, "type");
    if (!type)
        return verdict(msg, msglen, LT_EV_MISSING_TYPE, "%s", "missing \"type\"");
    if (type->type != JV_STR)
        return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "%s", "\"type\" must be a string");
    for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
        if (str_is(d, type, event_types[i]))
            known = 1;
    if (!known) {
        size_t len;
        const char *t = jv_str(d, type, &len);
        if (msg && msglen)
            quote_type(msg, msglen, t, len);
        return LT_EV_UNKNOWN_TYPE;
    }
    for (size_t i = 0; i < 2; i++) {
        const struct jv_node *u = jv_get(d, ev, user_fields[i]);
        if (!u || u->type == JV_NULL)
            continue;
        if (u->type != JV_STR)
            return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "\"%s\" must be a string",
                           user_fields[i]);
        if (u->len)
            has_user = 1;
    }
    if (!has_user)
        return verdict(msg, msglen, LT_EV_MISSING_USER, "%s",
                       "needs a non-empty \"userId\" or \"anonymousId\"");
    event = jv_get(d, ev, "event");
    if (str_is(d, type, "track")) {
        if (!event || event->type == JV_NULL)
            return verdict(msg, msglen, LT_EV_TRACK_WITHOUT_EVENT, "%s",
                           "track event without \"event\"");
        if (event->type != JV_STR)
            return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "%s", "\"event\" must be a string");
    } else if (event && event->type != JV_STR && event->type != JV_NULL) {
        return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "%s", "\"event\" must be a string");
    }
    for (size_t i = 0; i < sizeof(object_fields) / sizeof(object_fields[0]); i++) {
        const struct jv_node *f = jv_get(d, ev, object_fields[i]);
        if (f && f->type != JV_OBJ)
            return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "\"%s\" must be an object",
                           object_fields[i]);
    }
    if (msg && msglen)
        msg[0] = '\0';
    return LT_EV_OK;
}

/*
 * "body is not valid JSON at column 27: duplicate key 'type'": the reader's
 * message ("invalid JSON at ...") reworded to name the body.
 */
static void malformed(struct lt_event_verdict *v, const struct lt_err *err)
{
    static const char lead[] = "invalid JSON ";

    v->reason = LT_EV_MALFORMED_JSON;
    if (strncmp(err->msg, lead, sizeof(lead) - 1) == 0)
        snprintf(v->msg, sizeof(v->msg), "body is not valid JSON %.150s",
                 err->msg + sizeof(lead) - 1);
    else
        snprintf(v->msg, sizeof(v->msg), "body refused: %.150s", err->msg);
}

enum lt_event_reason lt_event_validate(const uint8_t *body, size_t len, struct lt_event_verdict *v)
{
    const struct jv_node *root, *batch;
    struct jv_node local[LOCAL_NODES];
    struct jv_doc doc;
    struct lt_err err;
    char sub[160];

    memset(v, 0, sizeof(*v));
    v->index = -1;
    jv_init_local(&doc, EVENT_MAX_NODES, local, LOCAL_NODES);
    if (len == 0) {
        v->reason = LT_EV_MALFORMED_JSON;
        snprintf(v->msg, sizeof(v->msg), "empty body, expected a JSON event");
        goto out;
    }
    if (jv_parse(&doc, (const char *)body, len, &err)) {
        malformed(v, &err);
        goto out;
    }
    root = jv_root(&doc);
    batch = jv_get(&doc, root, "batch");
    if (!batch) {
        v->reason = check_event(&doc, root, v->msg, sizeof(v->msg));
        v->accepted = v->reason == LT_EV_OK;
        goto out;
    }
    if (batch->type != JV_ARR) {
        v->reason = LT_EV_WRONG_FIELD_TYPE;
        snprintf(v->msg, sizeof(v->msg), "\"batch\" must be an array");
        goto out;
    }
    {
        long i = 0;
        for (const struct jv_node *ev = jv_child(&doc, batch); ev; ev = jv_next(&doc, ev), i++) {
            enum lt_event_reason r = check_event(&doc, ev, sub, sizeof(sub));
            if (r != LT_EV_OK) {
                v->reason = r;
                v->index = i;
                snprintf(v->msg, sizeof(v->msg), "batch[%ld]: %.160s", i, sub);
                goto out;
            }
        }
        if (i == 0) {
            v->reason = LT_EV_EMPTY_BATCH;
            snprintf(v->msg, sizeof(v->msg), "\"batch\" is empty");
            goto out;
        }
        v->accepted = (size_t)i;
    }
out:
    jv_release(&doc);
    return v->reason;
}
