lt_fuzz_target(opt_values ${CMAKE_CURRENT_SOURCE_DIR}/opt_values.c LIBS lt_common)
