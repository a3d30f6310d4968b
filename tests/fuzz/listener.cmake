lt_fuzz_target(listener ${CMAKE_CURRENT_SOURCE_DIR}/listener.c LIBS lt_sink)
