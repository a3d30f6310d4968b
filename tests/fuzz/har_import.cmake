lt_fuzz_target(har_import ${CMAKE_CURRENT_SOURCE_DIR}/har_import.c LIBS lt_formats)
