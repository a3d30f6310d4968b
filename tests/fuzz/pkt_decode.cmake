lt_fuzz_target(pkt_decode ${CMAKE_CURRENT_SOURCE_DIR}/pkt_decode.c LIBS lt_capture)
