/* cmd_sink.c - 'loadtape sink' (not built yet). */
#include "lt_cli.h"

int cmd_sink(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("sink", "not implemented yet");
    return LT_EXIT_FAIL;
}
