lt_fuzz_target(tape_reader ${CMAKE_CURRENT_SOURCE_DIR}/tape_reader.c LIBS lt_formats
               PkgConfig::CJSON)
