/* cmd_demo.c - 'loadtape demo' (not built yet). */
#include "lt_cli.h"

int cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("demo", "not implemented yet");
    return LT_EXIT_FAIL;
}
