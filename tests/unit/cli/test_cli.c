/* test_cli.c - the CLI's shared helpers: the status line fitted to the terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lt_cli.h"

static void test_fit_fields(void **state)
{
    const char *f[] = {"1.20s/30.00s", "sent 1200", "1000 req/s", "p99 4.10ms", "errors 0"};
    char out[256];

    (void)state;
    assert_int_equal(lt_cli_fit_fields(out, sizeof(out), 80, f, 5), 57);
    assert_string_equal(out, "1.20s/30.00s  sent 1200  1000 req/s  p99 4.10ms  errors 0");
    /* 50 columns: whole fields are dropped from the end, nothing wraps */
    assert_int_equal(lt_cli_fit_fields(out, sizeof(out), 50, f, 5), 47);
    assert_string_equal(out, "1.20s/30.00s  sent 1200  1000 req/s  p99 4.10ms");
    /* exactly width - 1 fits; width does not (the last column stays empty) */
    assert_int_equal(lt_cli_fit_fields(out, sizeof(out), 48, f, 5), 47);
    assert_int_equal(lt_cli_fit_fields(out, sizeof(out), 47, f, 5), 35);
    /* a first field wider than the terminal is cut */
    assert_int_equal(lt_cli_fit_fields(out, sizeof(out), 10, f, 5), 9);
    assert_string_equal(out, "1.20s/30.");
    /* and never past the buffer */
    assert_int_equal(lt_cli_fit_fields(out, 8, 80, f, 5), 7);
    assert_string_equal(out, "1.20s/3");
}

static void test_term_width(void **state)
{
    (void)state;
    setenv("COLUMNS", "50", 1);
    assert_int_equal(lt_cli_term_width(), 50);
    /* junk in COLUMNS is ignored; not a terminal (as under ctest): the default */
    setenv("COLUMNS", "junk", 1);
    if (!isatty(2))
        assert_int_equal(lt_cli_term_width(), 80);
    unsetenv("COLUMNS");
    if (!isatty(2))
        assert_int_equal(lt_cli_term_width(), 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_fields),
        cmocka_unit_test(test_term_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
