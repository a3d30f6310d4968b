/*
 * event_validate.c - libFuzzer target for the sink's event rules: any bytes
 * give a verdict without crashing, and the verdict is consistent (events
 * accepted exactly when valid; a batch index only on a rejection; a reason
 * with a name and a message whenever it is not valid).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lt_event_verdict v;
    enum lt_event_reason r = lt_event_validate(data, size, &v);

    if (r != v.reason || !lt_event_reason_name(r))
        abort();
    if ((r == LT_EV_OK) != (v.accepted > 0))
        abort();
    if (r != LT_EV_OK && (v.msg[0] == '\0' || memchr(v.msg, '\0', sizeof(v.msg)) == NULL))
        abort();
    if (v.index >= 0 && r == LT_EV_OK)
        abort();
    return 0;
}
