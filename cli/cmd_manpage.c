/*
 * cmd_manpage.c - 'loadtape manpage' (hidden): loadtape(1) in roff, made from
 * the command table and each command's option table, the same ones that parse
 * argv and print --help, so the page cannot drift from the program. The
 * EXAMPLES section holds the marker line '.\" @EXAMPLES@', which
 * scripts/gen-man.sh replaces with the README's examples.
 */
#include "lt_cli.h"

#include <stdio.h>
#include <string.h>

/* Text for roff: backslashes and hyphens escaped, no line starting with a dot. */
static void esc(FILE *out, const char *s, size_t n, int *bol)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        char c = s[i];
        if (*bol && (c == '.' || c == '\''))
            fputs("\\&", out);
        if (c == '\\')
            fputs("\\e", out);
        else if (c == '-')
            fputs("\\-", out);
        else
            fputc(c, out);
        *bol = c == '\n';
    }
}

static void put(FILE *out, const char *s)
{
    int bol = 1;

    esc(out, s, strlen(s), &bol);
}

/* A paragraph: the text's line breaks and runs of spaces become single spaces. */
static void para(FILE *out, const char *s)
{
    int bol = 1, space = 0;

    for (; *s; s++) {
        if (*s == '\n' || *s == ' ') {
            space = 1;
            continue;
        }
        if (space && !bol)
            fputc(' ', out);
        space = 0;
        esc(out, s, 1, &bol);
    }
    fputc('\n', out);
}

static void synopsis_line(void *ctx, const struct lt_cli_command *c, const struct lt_cmd_spec *spec)
{
    FILE *out = ctx;

    fprintf(out, ".B loadtape %s\n", c->name);
    if (spec->usage[0])
        para(out, spec->usage);
    fprintf(out, ".br\n");
}

static void command_section(void *ctx, const struct lt_cli_command *c,
                            const struct lt_cmd_spec *spec)
{
    FILE *out = ctx;
    char upper[32];
    size_t i;

    for (i = 0; c->name[i] && i + 1 < sizeof(upper); i++)
        upper[i] = (char)(c->name[i] - 'a' + 'A');
    upper[i] = '\0';
    fprintf(out, ".SH \"LOADTAPE %s\"\n.B loadtape %s\n", upper, c->name);
    para(out, spec->usage);
    fprintf(out, ".PP\n");
    para(out, spec->summary);
    fprintf(out, ".SS Options\n");
    for (const struct lt_opt *o = spec->opts; o && o->lname; o++) {
        fprintf(out, ".TP\n");
        if (o->sname)
            fprintf(out, "\\fB\\-%c\\fR, ", o->sname);
        fprintf(out, "\\fB\\-\\-");
        put(out, o->lname);
        fprintf(out, "\\fR");
        if (o->arg) {
            fprintf(out, " \\fI");
            put(out, o->arg);
            fprintf(out, "\\fR");
        }
        fputc('\n', out);
        para(out, o->help);
    }
    fprintf(out, ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nshow the options and exit\n");
    if (spec->details) {
        fprintf(out, ".PP\n.nf\n");
        put(out, spec->details);
        fprintf(out, ".fi\n");
    }
}

int cmd_manpage(int argc, char **argv)
{
    static struct lt_opt opts[] = {LT_OPT_END};
    struct lt_cmd_spec spec = {"manpage", "", "Print the man page (roff).", NULL, opts, 0, 0};
    char **pos;
    int npos, rc;
    FILE *out = stdout;

    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc >= 0)
        return rc;
    fprintf(out, ".TH LOADTAPE 1 \"\" \"loadtape %s\" \"User Commands\"\n.nh\n.ad l\n", LT_VERSION);
    fprintf(out, ".SH NAME\nloadtape \\- record HTTP event traffic into tapes and replay it "
                 "with honest latency\n");
    fprintf(out, ".SH SYNOPSIS\n");
    lt_cli_each_spec(synopsis_line, out);
    fprintf(out, ".B loadtape\n[\\fB\\-h\\fR | \\fB\\-\\-help\\fR | \\fB\\-V\\fR | "
                 "\\fB\\-\\-version\\fR]\n");
    fprintf(out, ".SH DESCRIPTION\n");
    para(out, "loadtape records HTTP event traffic (captured from the wire with libpcap, received "
              "by its own sink, or synthesized from scenarios) into compressed, seekable tapes, "
              "and replays tapes against a target at their original, a scaled, a fixed-rate or "
              "burst timing while measuring latency honestly: from each request's intended send "
              "time, so a stalled target cannot hide its stall, with the scheduler's own error "
              "(lag) measured on every request.");
    fprintf(out, ".PP\n");
    para(out, "Durations are written 500ms, 30s, 5m, 1h or Go-style 1m30s and 1h2m3.5s (a bare "
              "number is seconds); rates 500, 5k, 1.5M per second, or per a duration: 5000/s, "
              "50/1s, 300/m, 300/min, 10/h; sizes 50B, 4KiB, 50KB; speed-up factors 2 or 2x. A "
              "TAPE or RESULTS argument may be - for standard input (a tape from a pipe is read "
              "block by block, without its index). Results go to standard output, diagnostics to "
              "standard error; the live status line is shown only when standard error is a "
              "terminal (or with --progress).");
    fprintf(out, ".PP\nThe commands:\n");
    for (const struct lt_cli_command *c = lt_cli_commands; c->name; c++)
        if (!c->hidden) {
            fprintf(out, ".TP\n.B %s\n", c->name);
            para(out, c->summary);
        }
    lt_cli_each_spec(command_section, out);
    fprintf(out, ".SH EXAMPLES\n.\\\" @EXAMPLES@\n");
    fprintf(out, ".SH \"EXIT STATUS\"\n"
                 ".TP\n.B 0\nsuccess\n"
                 ".TP\n.B 1\nfailure: I/O, bad input data, network setup, or a replay in which "
                 "not one request reached the target\n"
                 ".TP\n.B 2\nusage error (the message says which option or argument)\n"
                 ".TP\n.B 3\na \\-\\-slo threshold was breached\n"
                 ".TP\n.B 4\ninconclusive: a threshold could not be judged honestly, because the "
                 "run was interrupted (SIGINT or SIGTERM) or its results file never finished, "
                 "or because it was client\\-bound (loadtape could not keep the schedule, so "
                 "latency includes its own delay) and a latency or throughput threshold "
                 "failed\n");
    fprintf(out, ".SH FILES\n"
                 ".TP\n.I ./loadtape\\-demo/demo.tape\nthe tape \\fBloadtape demo\\fR leaves in "
                 "the directory it ran in\n"
                 ".TP\n.I /usr/share/bash\\-completion/completions/loadtape\nbash completion, "
                 "made by the hidden command \\fBloadtape completion bash\\fR\n"
                 ".TP\n.I /usr/share/doc/loadtape/\nREADME.md; FORMAT.md (the tape, JSONL and "
                 "results file formats, for readers in other languages); ARCHITECTURE.md; "
                 "DECISIONS.md\n"
                 ".PP\nInstalled with \\fBcmake \\-\\-install\\fR, the same files are under its "
                 "prefix (/usr/local by default).\n");
    fprintf(out, ".SH \"SEE ALSO\"\n"
                 ".BR tcpdump (8),\n.BR pcap\\-filter (7),\n.BR wrk (1),\n.BR curl (1)\n");
    return LT_EXIT_OK;
}
