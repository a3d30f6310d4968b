lt_fuzz_target(jsonl_import ${CMAKE_CURRENT_SOURCE_DIR}/jsonl_import.c LIBS lt_formats)
# A large input found by fuzzing: replayed here, kept out of the corpus so a
# fuzzing run stays fast.
add_test(NAME fuzz-jsonl_import-large COMMAND jsonl_import-replay
         ${LT_TEST_ROOT}/data/jsonl-import-found.jsonl)
set_tests_properties(fuzz-jsonl_import-large PROPERTIES LABELS fuzz)
