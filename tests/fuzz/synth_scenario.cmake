lt_fuzz_target(synth_scenario ${CMAKE_CURRENT_SOURCE_DIR}/synth_scenario.c LIBS lt_synth)
