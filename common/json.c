/*
 * json.c - JSON text, written the same way everywhere: strings (UTF-8 kept as
 * it is) and DESIGN.md §3's number-or-string rule for unsigned 64-bit values.
 * The JSONL and HAR writers, the sink's and listener's answers and replay's
 * field edits all append through these two.
 */
#include "lt_common.h"

#include <string.h>

size_t lt_json_u64_text(uint64_t v, char *out)
{
    size_t len;

    if (v < LT_JSON_INT_LIMIT)
        return lt_u64_text(v, out);
    out[0] = '"';
    len = 1 + lt_u64_text(v, out + 1);
    out[len++] = '"';
    out[len] = '\0';
    return len;
}

int lt_buf_json_u64(struct lt_buf *b, uint64_t v)
{
    char s[LT_JSON_U64_TEXT_MAX];

    return lt_buf_append(b, s, lt_json_u64_text(v, s));
}

/*
 * Runs of bytes that need nothing (printable ASCII other than '"' and '\\',
 * and whole valid UTF-8 characters) are copied in one go; the rest is escaped
 * one byte at a time.
 */
int lt_buf_json_strn(struct lt_buf *b, const void *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = s;
    size_t i = 0, run = 0;
    int rc;

    if ((rc = lt_buf_reserve(b, n + 2)))
        return rc;
    b->data[b->len++] = '"';
    while (i < n) {
        uint8_t c = p[i];
        char e[6];
        size_t elen = 2;

        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t len = lt_utf8_char(p + i, n - i);
            if (len) {
                i += len;
                continue;
            }
        }
        if ((rc = lt_buf_append(b, p + run, i - run)))
            return rc;
        e[0] = '\\';
        switch (c) {
        case '"':
            e[1] = '"';
            break;
        case '\\':
            e[1] = '\\';
            break;
        case '\n':
            e[1] = 'n';
            break;
        case '\r':
            e[1] = 'r';
            break;
        case '\t':
            e[1] = 't';
            break;
        case '\b':
            e[1] = 'b';
            break;
        case '\f':
            e[1] = 'f';
            break;
        default:
            if (c >= 0x80) {
                /* not part of a valid UTF-8 character: U+FFFD REPLACEMENT CHARACTER */
                memcpy(e, "\\ufffd", 6);
            } else {
                memcpy(e, "\\u00", 4);
                e[4] = hex[c >> 4];
                e[5] = hex[c & 15];
            }
            elen = 6;
        }
        if ((rc = lt_buf_append(b, e, elen)))
            return rc;
        run = ++i;
    }
    if (n > run && (rc = lt_buf_append(b, p + run, n - run)))
        return rc;
    return lt_buf_putc(b, '"');
}

int lt_buf_json_str(struct lt_buf *b, const char *s)
{
    return lt_buf_json_strn(b, s, strlen(s));
}
