/*
 * capture_harness.h - what the capture unit tests share: a pcap written by
 * pcapgen run through the whole pipeline (the capture, then the redaction
 * transform as `capture` wires it, unless raw), and the records it gave.
 */
#ifndef LT_CAPTURE_HARNESS_H
#define LT_CAPTURE_HARNESS_H

#include "lt_capture.h"
#include "pcapgen.h"

#define HARNESS_MAXREC 128

struct got {
    struct lt_recbuf rb[HARNESS_MAXREC];
    size_t n;
    size_t n_after[512]; /* records out after each packet */
    /* set before the run (got_release clears them): */
    struct lt_redact_opts redact; /* the transform's options */
    int raw;                      /* no transform: the records as the capture hands them out */
    /* after the run: */
    struct lt_redact_stats rstats;
};

int collect(void *ctx, const struct lt_record *r, struct lt_err *err);
void got_release(struct got *g);
/* Writes g's packets to a pcap, reads it back through the pipeline. */
struct lt_capture_stats run_opts(struct pg *g, const struct lt_capture_opts *o, struct got *out);
struct lt_capture_stats run(struct pg *g, struct got *out);
void assert_bytes(struct lt_bytes b, const char *s);
void assert_header(const struct lt_record *r, size_t i, const char *name, const char *val);

#endif
