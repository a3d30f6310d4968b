lt_fuzz_target(tcp_reasm ${CMAKE_CURRENT_SOURCE_DIR}/tcp_reasm.c LIBS lt_capture)
