/* cmd_capture.c - 'loadtape capture' (not built yet). */
#include "lt_cli.h"

int cmd_capture(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("capture", "not implemented yet");
    return LT_EXIT_FAIL;
}
