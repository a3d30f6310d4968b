/* main.c - loadtape's entry point: dispatches through the command table (commands.c). */
#include "lt_cli.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        lt_cli_main_usage(stderr);
        return LT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        lt_cli_main_usage(stdout);
        return LT_EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("loadtape %s\n", LT_VERSION);
        return LT_EXIT_OK;
    }
    for (const struct lt_cli_command *c = lt_cli_commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0)
            return c->fn(argc - 1, argv + 1);
    return lt_cli_usage(NULL, "unknown command '%s'", argv[1]);
}
