lt_fuzz_target(json_reader ${CMAKE_CURRENT_SOURCE_DIR}/json_reader.c LIBS lt_formats)
