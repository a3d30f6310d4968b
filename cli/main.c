/* main.c - loadtape's entry point and command table. */
#include "lt_cli.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"synth", cmd_synth, "generate a synthetic event tape from a scenario"},
    {"capture", cmd_capture, "record HTTP traffic from an interface, a pcap or a listener"},
    {"replay", cmd_replay, "send a tape to a target and measure latency"},
    {"inspect", cmd_inspect, "summarize a tape (or list its records)"},
    {"export", cmd_export, "write a tape's records as JSONL or HAR"},
    {"import", cmd_import, "make a tape from JSONL or HAR"},
    {"report", cmd_report, "print or merge results files"},
    {"sink", cmd_sink, "run the embedded event collector (a target and a recorder)"},
    {"demo", cmd_demo, "synth, sink, replay and report on loopback in about 20 s"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: loadtape COMMAND [options]\n\n"
                 "Records HTTP event traffic into compressed, seekable tapes and replays it\n"
                 "against a target with honest latency measurement.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'loadtape COMMAND --help' shows a command's options.\n"
                 "  -h, --help     show this help\n  -V, --version  show the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return LT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return LT_EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("loadtape %s\n", LT_VERSION);
        return LT_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    return lt_cli_usage(NULL, "unknown command '%s'", argv[1]);
}
