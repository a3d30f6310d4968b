lt_fuzz_target(results_reader ${CMAKE_CURRENT_SOURCE_DIR}/results_reader.c LIBS lt_replay)
