lt_fuzz_target(event_validate ${CMAKE_CURRENT_SOURCE_DIR}/event_validate.c LIBS lt_formats)
