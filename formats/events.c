/*
 * events.c - the sink's event validation rules (DESIGN.md §4 "The sink"),
 * shared by the sink, synth and the tests so all judge events alike.
 */
#include "lt_formats.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

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

/*
 * The checks run in a fixed order, so an event with several faults always
 * gets the same reason: shape, type, user, event name, then object fields.
 */
enum lt_event_reason lt_event_check(const cJSON *ev, char *msg, size_t msglen)
{
    static const char *const object_fields[] = {"properties", "traits", "context"};
    static const char *const user_fields[] = {"userId", "anonymousId"};
    const cJSON *type, *event;
    int known = 0, has_user = 0;

    if (!cJSON_IsObject(ev))
        return verdict(msg, msglen, LT_EV_NOT_OBJECT, "%s", "an event must be a JSON object");
    type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    if (!type)
        return verdict(msg, msglen, LT_EV_MISSING_TYPE, "%s", "missing \"type\"");
    if (!cJSON_IsString(type))
        return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "%s", "\"type\" must be a string");
    for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
        if (strcmp(type->valuestring, event_types[i]) == 0)
            known = 1;
    if (!known) {
        char t[48];
        snprintf(t, sizeof(t), "%.40s", type->valuestring);
        return verdict(msg, msglen, LT_EV_UNKNOWN_TYPE, "unknown type '%s'", t);
    }
    for (size_t i = 0; i < 2; i++) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(ev, user_fields[i]);
        if (!u || cJSON_IsNull(u))
            continue;
        if (!cJSON_IsString(u))
            return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "\"%s\" must be a string",
                           user_fields[i]);
        if (u->valuestring[0])
            has_user = 1;
    }
    if (!has_user)
        return verdict(msg, msglen, LT_EV_MISSING_USER, "%s",
                       "needs a non-empty \"userId\" or \"anonymousId\"");
    event = cJSON_GetObjectItemCaseSensitive(ev, "event");
    if (strcmp(type->valuestring, "track") == 0) {
        if (!event || cJSON_IsNull(event))
            return verdict(msg, msglen, LT_EV_TRACK_WITHOUT_EVENT, "%s",
                           "track event without \"event\"");
        if (!cJSON_IsString(event))
            return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "%s", "\"event\" must be a string");
    } else if (event && !cJSON_IsString(event) && !cJSON_IsNull(event)) {
        return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "%s", "\"event\" must be a string");
    }
    for (size_t i = 0; i < sizeof(object_fields) / sizeof(object_fields[0]); i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(ev, object_fields[i]);
        if (f && !cJSON_IsObject(f))
            return verdict(msg, msglen, LT_EV_WRONG_FIELD_TYPE, "\"%s\" must be an object",
                           object_fields[i]);
    }
    if (msg && msglen)
        msg[0] = '\0';
    return LT_EV_OK;
}

enum lt_event_reason lt_event_validate(const uint8_t *body, size_t len, struct lt_event_verdict *v)
{
    cJSON *root = NULL;
    const cJSON *batch;
    char sub[160];

    memset(v, 0, sizeof(*v));
    v->index = -1;
    if (len > 0)
        root = cJSON_ParseWithLength((const char *)body, len);
    if (!root) {
        v->reason = LT_EV_MALFORMED_JSON;
        snprintf(v->msg, sizeof(v->msg), "%s",
                 len ? "body is not valid JSON" : "empty body, expected a JSON event");
        goto out;
    }
    batch = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "batch") : NULL;
    if (!batch) {
        v->reason = lt_event_check(root, v->msg, sizeof(v->msg));
        v->accepted = v->reason == LT_EV_OK;
        goto out;
    }
    if (!cJSON_IsArray(batch)) {
        v->reason = LT_EV_WRONG_FIELD_TYPE;
        snprintf(v->msg, sizeof(v->msg), "\"batch\" must be an array");
        goto out;
    }
    {
        long i = 0;
        const cJSON *ev;
        cJSON_ArrayForEach(ev, batch)
        {
            enum lt_event_reason r = lt_event_check(ev, sub, sizeof(sub));
            if (r != LT_EV_OK) {
                v->reason = r;
                v->index = i;
                snprintf(v->msg, sizeof(v->msg), "batch[%ld]: %.160s", i, sub);
                goto out;
            }
            i++;
        }
        if (i == 0) {
            v->reason = LT_EV_EMPTY_BATCH;
            snprintf(v->msg, sizeof(v->msg), "\"batch\" is empty");
            goto out;
        }
        v->accepted = (size_t)i;
    }
out:
    cJSON_Delete(root);
    return v->reason;
}
