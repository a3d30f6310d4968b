/* cmd_export.c - 'loadtape export' (not built yet). */
#include "lt_cli.h"

int cmd_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("export", "not implemented yet");
    return LT_EXIT_FAIL;
}
