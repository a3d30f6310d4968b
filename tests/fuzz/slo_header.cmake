lt_fuzz_target(slo_header ${CMAKE_CURRENT_SOURCE_DIR}/slo_header.c LIBS lt_replay)
