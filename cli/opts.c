/* opts.c - option tables that parse argv and print --help from one source. */
#include "lt_cli.h"
#include "lt_replay.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

int lt_cli_verbosity = 1;
void (*lt_cli_spec_hook)(const struct lt_cmd_spec *spec);

/* "loadtape CMD: KIND: MESSAGE" on stderr, one line. */
static void report(const char *cmd, const char *kind, const char *fmt, va_list ap)
{
    lt_cli_status_clear(); /* a message never lands on a status line */
    fprintf(stderr, "loadtape%s%s: %s: ", cmd ? " " : "", cmd ? cmd : "", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void lt_cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(cmd, "error", fmt, ap);
    va_end(ap);
}

void lt_cli_warn(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(cmd, "warning", fmt, ap);
    va_end(ap);
}

int lt_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(cmd, "error", fmt, ap);
    va_end(ap);
    fprintf(stderr, "(see 'loadtape%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
    return LT_EXIT_USAGE;
}

struct lt_opt *lt_cli_opt(struct lt_cmd_spec *spec, const char *lname)
{
    for (struct lt_opt *o = spec->opts; o && o->lname; o++)
        if (strcmp(o->lname, lname) == 0)
            return o;
    return NULL;
}

static int set_value(struct lt_cmd_spec *spec, struct lt_opt *o, const char *val)
{
    struct lt_err err;
    int rc = 0;

    lt_err_clear(&err);
    switch (o->type) {
    case LT_OPT_FLAG:
        *(int *)o->dest = 1;
        break;
    case LT_OPT_STR:
        *(const char **)o->dest = val;
        break;
    case LT_OPT_STRLIST: {
        struct lt_strlist *l = o->dest;
        const char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v) {
            lt_cli_error(spec->name, "out of memory");
            return LT_EXIT_FAIL;
        }
        v[l->n++] = val;
        l->v = v;
        break;
    }
    case LT_OPT_SEQ: {
        struct lt_optseq *q = o->dest;
        struct lt_optseq_item *v = realloc(q->v, (q->n + 1) * sizeof(*v));
        if (!v) {
            lt_cli_error(spec->name, "out of memory");
            return LT_EXIT_FAIL;
        }
        v[q->n++] = (struct lt_optseq_item){o->lname, val};
        q->v = v;
        break;
    }
    case LT_OPT_U64:
        rc = lt_parse_u64(val, o->min, (o->min || o->max) ? o->max : UINT64_MAX, o->dest, &err);
        break;
    case LT_OPT_DOUBLE:
        rc = lt_parse_double(val, o->dest, &err);
        break;
    case LT_OPT_DURATION:
        rc = lt_parse_duration(val, o->dest, &err);
        /* one message for every command: 0 never quietly means "no limit" */
        if (rc == 0 && o->min && *(int64_t *)o->dest <= 0)
            return lt_cli_usage(spec->name, "--%s: must be above 0, not '%s'", o->lname, val);
        break;
    case LT_OPT_RATE:
        rc = lt_parse_rate(val, o->dest, &err);
        break;
    case LT_OPT_SIZE:
        rc = lt_parse_size(val, o->dest, &err);
        break;
    case LT_OPT_FRACTION:
        rc = lt_parse_fraction(val, o->dest, &err);
        break;
    case LT_OPT_FACTOR:
        rc = lt_parse_factor(val, o->dest, &err);
        break;
    }
    if (rc)
        return lt_cli_usage(spec->name, "--%s: %s", o->lname, err.msg);
    o->seen++;
    return -1;
}

int lt_cli_parse(struct lt_cmd_spec *spec, int argc, char **argv, char ***pos, int *npos)
{
    int n = 0, only_pos = 0;

    if (lt_cli_spec_hook) {
        lt_cli_spec_hook(spec);
        return LT_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        struct lt_opt *o = NULL;
        const char *val = NULL;
        int rc;

        if (only_pos || a[0] != '-' || a[1] == '\0') {
            argv[n++] = a; /* compact positionals to the front */
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            lt_cli_help(spec, stdout);
            return LT_EXIT_OK;
        }
        if (a[1] == '-') {
            char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            for (struct lt_opt *p = spec->opts; p && p->lname; p++)
                if (strlen(p->lname) == len && strncmp(p->lname, a + 2, len) == 0)
                    o = p;
            if (!o)
                return lt_cli_usage(spec->name, "unknown option '%.*s'", (int)len + 2, a);
            if (eq) {
                if (o->type == LT_OPT_FLAG)
                    return lt_cli_usage(spec->name, "option '--%s' takes no value", o->lname);
                val = eq + 1;
            }
        } else {
            for (struct lt_opt *p = spec->opts; p && p->lname; p++)
                if (p->sname && p->sname == a[1])
                    o = p;
            if (!o)
                return lt_cli_usage(spec->name, "unknown option '-%c'", a[1]);
            if (a[2]) {
                if (o->type == LT_OPT_FLAG)
                    return lt_cli_usage(spec->name, "option '-%c' takes no value", a[1]);
                val = a + 2;
            }
        }
        if (o->type != LT_OPT_FLAG && !val) {
            if (i + 1 >= argc)
                return lt_cli_usage(spec->name, "option '--%s' needs a value (%s)", o->lname,
                                    o->arg ? o->arg : "VALUE");
            val = argv[++i];
        }
        rc = set_value(spec, o, val);
        if (rc >= 0)
            return rc;
    }
    if (n < spec->min_pos)
        return lt_cli_usage(spec->name, "missing argument: usage: loadtape %s %s", spec->name,
                            spec->usage);
    if (spec->max_pos >= 0 && n > spec->max_pos)
        return lt_cli_usage(spec->name, "unexpected argument '%s'", argv[spec->max_pos]);
    *pos = argv;
    *npos = n;
    return -1;
}

void lt_cli_help(const struct lt_cmd_spec *spec, FILE *out)
{
    fprintf(out, "usage: loadtape %s %s\n\n%s\n", spec->name, spec->usage, spec->summary);
    fprintf(out, "\noptions:\n");
    for (const struct lt_opt *o = spec->opts; o && o->lname; o++) {
        char left[64];
        if (o->sname)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->sname, o->lname, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->lname, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        if (strlen(left) > 28)
            fprintf(out, "  %s\n  %-28s  %s\n", left, "", o->help);
        else
            fprintf(out, "  %-28s  %s\n", left, o->help);
    }
    fprintf(out, "  %-28s  %s\n", "-h, --help", "show this help and exit");
    if (spec->details)
        fprintf(out, "\n%s", spec->details);
}

FILE *lt_cli_open_out(const char *cmd, const char *path, int binary)
{
    FILE *f;

    if (!path || strcmp(path, "-") == 0) {
        if (binary && isatty(STDOUT_FILENO)) {
            lt_cli_error(cmd, "refusing to write binary data to a terminal (use -o FILE)");
            return NULL;
        }
        return stdout;
    }
    f = fopen(path, binary ? "wb" : "w");
    if (!f)
        lt_cli_error(cmd, "cannot open '%s': %s", path, strerror(errno));
    return f;
}

void lt_cli_close_out(FILE *f)
{
    if (f && f != stdout)
        fclose(f);
    else if (f)
        fflush(f);
}

int lt_cli_progress_wanted(int forced)
{
    return forced || isatty(STDERR_FILENO);
}

int lt_cli_verdict_exit(int verdict)
{
    switch (verdict) {
    case LT_VERDICT_BREACH:
        return LT_EXIT_SLO;
    case LT_VERDICT_INCONCLUSIVE:
        return LT_EXIT_INCONCLUSIVE;
    default:
        return LT_EXIT_OK;
    }
}

void lt_cli_note_fetched(const char *cmd, const struct lt_tape_reader *rd)
{
    uint64_t bytes, requests;

    if (!rd || !lt_tape_reader_fetched(rd, &bytes, &requests))
        return;
    fprintf(stderr, "loadtape %s: fetched %llu of the tape's %llu bytes in %llu range requests\n",
            cmd, (unsigned long long)bytes, (unsigned long long)lt_tape_reader_info(rd)->file_size,
            (unsigned long long)requests);
}
