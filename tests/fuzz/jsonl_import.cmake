lt_fuzz_target(jsonl_import ${CMAKE_CURRENT_SOURCE_DIR}/jsonl_import.c LIBS lt_formats)
