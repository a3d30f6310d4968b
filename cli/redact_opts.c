/*
 * redact_opts.c - the redaction options every recording command shares
 * (capture, sink): --keep-secrets and the names --redact-header,
 * --redact-query and --redact-field add, the help text that lists the
 * default names (from formats' own lists, so it cannot drift), and the
 * transform they make.
 */
#include "lt_cli.h"
#include "lt_formats.h"

#include <stdlib.h>
#include <string.h>

/* Appends "  WHAT: a, b, c" wrapped at 88 columns (continuation lines indented). */
static void list_names(struct lt_buf *b, const char *what, const char *const *names)
{
    size_t col = 0;

    lt_buf_printf(b, "  %s:", what);
    col = strlen(what) + 3;
    for (size_t i = 0; names[i]; i++) {
        size_t w = strlen(names[i]) + 2;
        if (col + w > 88) {
            lt_buf_puts(b, "\n   ");
            col = 3;
        }
        lt_buf_printf(b, " %s%s", names[i], names[i + 1] ? "," : "");
        col += w;
    }
    lt_buf_putc(b, '\n');
}

const char *lt_cli_redact_help(void)
{
    static char text[2048];
    struct lt_buf b;

    if (text[0])
        return text;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "Secrets are redacted unless --keep-secrets: the value becomes " LT_REDACTED
                    " (in a query\n" LT_REDACTED_QUERY ", in JSON the string \"" LT_REDACTED
                    "\"), the record is flagged \"redacted\", and\n"
                    "Content-Length follows the body. Names match case-insensitively:\n");
    list_names(&b, "headers", lt_redact_defaults('h'));
    list_names(&b, "query parameters (also of a form-encoded body)", lt_redact_defaults('q'));
    list_names(&b, "JSON body fields, at any depth", lt_redact_defaults('f'));
    lt_buf_puts(&b, "--redact-header, --redact-query and --redact-field add names.\n");
    snprintf(text, sizeof(text), "%.*s", (int)b.len, (const char *)b.data);
    lt_buf_release(&b);
    return text;
}

int lt_cli_redact_new(const char *cmd, const struct lt_cli_redact *r, struct lt_redact **rd)
{
    struct lt_redact_opts o;
    struct lt_err err;

    memset(&o, 0, sizeof(o));
    o.keep_secrets = r->keep;
    o.headers = r->headers.v;
    o.nheaders = r->headers.n;
    o.queries = r->queries.v;
    o.nqueries = r->queries.n;
    o.fields = r->fields.v;
    o.nfields = r->fields.n;
    lt_err_clear(&err);
    *rd = lt_redact_new(&o, &err);
    if (*rd)
        return -1;
    if (err.code == LT_E_USAGE || err.code == LT_E_LIMIT)
        return lt_cli_usage(cmd, "%s", err.msg);
    lt_cli_error(cmd, "%s", err.msg);
    return LT_EXIT_FAIL;
}

void lt_cli_redact_release(struct lt_cli_redact *r)
{
    free(r->headers.v);
    free(r->queries.v);
    free(r->fields.v);
    memset(r, 0, sizeof(*r));
}
