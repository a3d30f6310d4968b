/* cmd_import.c - 'loadtape import' (not built yet). */
#include "lt_cli.h"

int cmd_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("import", "not implemented yet");
    return LT_EXIT_FAIL;
}
