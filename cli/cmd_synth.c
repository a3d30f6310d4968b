/* cmd_synth.c - 'loadtape synth' (not built yet). */
#include "lt_cli.h"

int cmd_synth(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("synth", "not implemented yet");
    return LT_EXIT_FAIL;
}
