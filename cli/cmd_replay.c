/* cmd_replay.c - 'loadtape replay' (not built yet). */
#include "lt_cli.h"

int cmd_replay(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("replay", "not implemented yet");
    return LT_EXIT_FAIL;
}
