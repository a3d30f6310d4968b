/*
 * term.c - the live status line: one line on stderr, redrawn in place and cut
 * to the terminal's width so it never wraps (a wrapped line cannot be redrawn
 * with a carriage return and leaves a copy per update), cleared at the end.
 */
#include "lt_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Whether a status line is on screen (the CLI's only state here). */
static int status_shown;

int lt_cli_term_width(void)
{
    const char *c = getenv("COLUMNS");
    struct winsize ws;
    char *end;
    long v;

    if (c && *c) {
        v = strtol(c, &end, 10);
        if (!*end && v >= 10 && v <= 10000)
            return (int)v;
    }
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 10)
        return ws.ws_col;
    return 80;
}

size_t lt_cli_fit_fields(char *out, size_t outlen, int width, const char *const *fields, size_t n)
{
    size_t len = 0, room;

    if (outlen == 0)
        return 0;
    out[0] = '\0';
    /* the last column stays empty: writing there makes some terminals wrap */
    room = width > 1 ? (size_t)width - 1 : 1;
    if (room > outlen - 1)
        room = outlen - 1;
    for (size_t i = 0; i < n; i++) {
        size_t flen = strlen(fields[i]), sep = len ? 2 : 0;
        if (len + sep + flen > room) {
            if (len == 0) { /* even the first field is too wide: cut it */
                memcpy(out, fields[i], room);
                out[room] = '\0';
                return room;
            }
            break;
        }
        memcpy(out + len, "  ", sep);
        memcpy(out + len + sep, fields[i], flen);
        len += sep + flen;
        out[len] = '\0';
    }
    return len;
}

void lt_cli_status(const char *const *fields, size_t n)
{
    char line[1024];

    lt_cli_fit_fields(line, sizeof(line), lt_cli_term_width(), fields, n);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    status_shown = 1;
}

void lt_cli_status_clear(void)
{
    if (!status_shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    status_shown = 0;
}
