/* cmd_report.c - 'loadtape report' (not built yet). */
#include "lt_cli.h"

int cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    lt_cli_error("report", "not implemented yet");
    return LT_EXIT_FAIL;
}
