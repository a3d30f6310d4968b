lt_fuzz_target(http_parser ${CMAKE_CURRENT_SOURCE_DIR}/http_parser.c LIBS lt_formats)
