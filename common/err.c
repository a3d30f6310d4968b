/* err.c - error codes and messages in caller-owned buffers. */
#include "lt_common.h"

#include <stdio.h>
#include <string.h>

void lt_err_clear(struct lt_err *err)
{
    if (!err)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}

int lt_verror(struct lt_err *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    }
    return code;
}

int lt_error(struct lt_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    lt_verror(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void lt_err_prefix(struct lt_err *err, const char *fmt, ...)
{
    char prefix[256], old[LT_ERR_MSG_MAX];
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* Truncation is fine: a long message loses its tail, never its head. */
    size_t n = strlen(prefix);
    if (n > sizeof(err->msg) - 3)
        n = sizeof(err->msg) - 3;
    memcpy(err->msg, prefix, n);
    err->msg[n] = ':';
    err->msg[n + 1] = ' ';
    size_t m = strnlen(old, sizeof(old) - 1);
    if (m > sizeof(err->msg) - n - 3)
        m = sizeof(err->msg) - n - 3;
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
}

const char *lt_errc_name(int code)
{
    static const struct {
        int code;
        const char *name;
    } names[] = {
        {LT_OK, "success"},
        {LT_E_IO, "i/o error"},
        {LT_E_FORMAT, "bad format"},
        {LT_E_LIMIT, "limit exceeded"},
        {LT_E_NOMEM, "out of memory"},
        {LT_E_USAGE, "usage error"},
        {LT_E_VERSION, "unsupported version"},
        {LT_E_TRUNCATED, "truncated input"},
        {LT_E_NET, "network error"},
        {LT_E_CORRUPT, "corrupt data"},
        {LT_E_INTERNAL, "internal error"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].code == code)
            return names[i].name;
    return "unknown error";
}
