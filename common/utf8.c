/* utf8.c - strict UTF-8: whole-text validation, one character, prefixes that keep characters whole.
 */
#include "lt_common.h"

size_t lt_utf8_char(const uint8_t *p, size_t n)
{
    uint8_t c;
    uint32_t cp;
    size_t len;

    if (n == 0)
        return 0;
    c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[k] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

int lt_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t len;

        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if (!(len = lt_utf8_char(p + i, n - i)))
            return 0;
        i += len;
    }
    return 1;
}

size_t lt_utf8_prefix(const uint8_t *p, size_t n, size_t max)
{
    if (n <= max)
        return n;
    /* back over continuation bytes to the start of the character cut at max */
    while (max > 0 && (p[max] & 0xc0) == 0x80)
        max--;
    return max;
}
