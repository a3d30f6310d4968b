lt_fuzz_target(json_edit ${CMAKE_CURRENT_SOURCE_DIR}/json_edit.c LIBS lt_formats)
