/* commands.c - the command table: main dispatches through it, and the man page and
 * the shell completion are generated from it and the commands' own option tables. */
#include "lt_cli.h"

#include <stdio.h>

const struct lt_cli_command lt_cli_commands[] = {
    {"synth", cmd_synth, "generate a synthetic event tape from a scenario", 0},
    {"capture", cmd_capture, "record HTTP traffic from an interface, a pcap or a listener", 0},
    {"replay", cmd_replay, "send a tape to a target and measure latency", 0},
    {"inspect", cmd_inspect, "summarize a tape (or list its records)", 0},
    {"export", cmd_export, "write a tape's records as JSONL or HAR", 0},
    {"import", cmd_import, "make a tape from JSONL or HAR", 0},
    {"report", cmd_report, "print or merge results files", 0},
    {"sink", cmd_sink, "run the embedded event collector (a target and a recorder)", 0},
    {"demo", cmd_demo, "synth, sink, replay and report on loopback in about 20 s", 0},
    {"suite", cmd_suite, "the five scenarios synthesized, replayed and reported in one go", 0},
    /* hidden: what packaging uses */
    {"completion", cmd_completion, "print the bash completion script", 1},
    {"manpage", cmd_manpage, "print the man page (roff)", 1},
    {NULL, NULL, NULL, 0},
};

void lt_cli_main_usage(FILE *out)
{
    fprintf(out, "usage: loadtape COMMAND [options]\n\n"
                 "Records HTTP event traffic into compressed, seekable tapes and replays it\n"
                 "against a target with honest latency measurement.\n\ncommands:\n");
    for (const struct lt_cli_command *c = lt_cli_commands; c->name; c++)
        if (!c->hidden)
            fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n'loadtape COMMAND --help' shows a command's options.\n"
                 "  -h, --help     show this help\n  -V, --version  show the version\n");
}

/*
 * Runs each visible command with the spec hook set, so that its option
 * table (often on its stack) is handed to fn before anything else happens;
 * the command then returns at once.
 */
static void (*collect_fn)(void *ctx, const struct lt_cli_command *c,
                          const struct lt_cmd_spec *spec);
static void *collect_ctx;
static const struct lt_cli_command *collect_cmd;

static void on_spec(const struct lt_cmd_spec *spec)
{
    collect_fn(collect_ctx, collect_cmd, spec);
}

void lt_cli_each_spec(void (*fn)(void *ctx, const struct lt_cli_command *c,
                                 const struct lt_cmd_spec *spec),
                      void *ctx)
{
    for (const struct lt_cli_command *c = lt_cli_commands; c->name; c++) {
        char name[32], *argv[2] = {name, NULL};
        if (c->hidden)
            continue;
        snprintf(name, sizeof(name), "%s", c->name);
        collect_fn = fn;
        collect_ctx = ctx;
        collect_cmd = c;
        lt_cli_spec_hook = on_spec;
        c->fn(1, argv);
        lt_cli_spec_hook = NULL;
    }
}
