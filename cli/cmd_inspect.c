/* cmd_inspect.c - 'loadtape inspect' (not built yet). */
#include "lt_cli.h"

int cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("inspect", "not implemented yet");
    return LT_EXIT_FAIL;
}
