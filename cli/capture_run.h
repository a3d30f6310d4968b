/*
 * capture_run.h - 'loadtape capture' in two files: cmd_capture.c parses and
 * checks the options, capture_run.c wires and runs the pipeline (private to
 * cli/).
 */
#ifndef LT_CAPTURE_RUN_H
#define LT_CAPTURE_RUN_H

#include "lt_cli.h"

struct capture_args {
    const char *iface, *file, *listen; /* exactly one */
    const char *out;                   /* the tape */
    const char *filter;                /* with --port folded in */
    uint64_t count, snaplen, bufsize;
    int64_t duration, window;
    int no_resp, quiet, progress;
    struct lt_cli_redact redact;
};

/* Runs the capture the options describe; returns the exit code. */
int lt_cli_capture_run(const struct capture_args *a);

#endif
