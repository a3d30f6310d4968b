lt_fuzz_target(redact ${CMAKE_CURRENT_SOURCE_DIR}/redact.c LIBS lt_formats PkgConfig::CJSON)
