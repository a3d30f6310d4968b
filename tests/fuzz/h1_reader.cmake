lt_fuzz_target(h1_reader ${CMAKE_CURRENT_SOURCE_DIR}/h1_reader.c LIBS lt_replay)
