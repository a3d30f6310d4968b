/*
 * cmd_capture.c - 'loadtape capture': packets from an interface or a pcap
 * file, or requests sent to a listener, through the redaction transform
 * into a tape. This file parses and checks the options; capture_run.c
 * builds the pipeline and runs it. The tape is always closed with its index
 * and the counters (metadata key "capture"), on --duration, --count, the
 * end of the file, SIGINT/SIGTERM, or an error.
 */
#include "capture_run.h"
#include "lt_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "capture"

static struct capture_args A;
static uint64_t port;

static struct lt_opt opts[] = {
    {"interface", 'i', LT_OPT_STR, "IFACE", "capture live on this interface", &A.iface, 0, 0, 0},
    {"read", 'r', LT_OPT_STR, "FILE", "read a pcap or pcapng file", &A.file, 0, 0, 0},
    {"listen", 0, LT_OPT_STR, "ADDR:PORT", "record what an HTTP listener receives", &A.listen, 0, 0,
     0},
    {"output", 'o', LT_OPT_STR, "TAPE", "the tape to write (required)", &A.out, 0, 0, 0},
    {"filter", 'f', LT_OPT_STR, "BPF", "capture filter (tcpdump syntax)", &A.filter, 0, 0, 0},
    {"port", 0, LT_OPT_U64, "N", "shorthand for the filter 'tcp port N'", &port, 1, 65535, 0},
    {"duration", 0, LT_OPT_DURATION, "D", "stop after D (packet time when reading a file)",
     &A.duration, LT_OPT_POSITIVE, 0, 0},
    {"count", 0, LT_OPT_U64, "N", "stop after N requests (the first N by time)", &A.count, 1,
     UINT64_MAX, 0},
    {"snaplen", 0, LT_OPT_U64, "N", "bytes kept per packet (default: 262144, whole packets)",
     &A.snaplen, 64, 1 << 30, 0},
    {"buffer-size", 0, LT_OPT_SIZE, "SIZE",
     "kernel capture buffer (default: 256MiB, or 1/8 of RAM if less)", &A.bufsize, 0, 0, 0},
    {"reorder-window", 0, LT_OPT_DURATION, "D",
     "how long a request waits for its response (default: 10s)", &A.window, 0, 0, 0},
    {"no-responses", 0, LT_OPT_FLAG, NULL, "record requests only, no status or latency", &A.no_resp,
     0, 0, 0},
    LT_CLI_REDACT_OPTS(&A.redact),
    {"quiet", 'q', LT_OPT_FLAG, NULL, "no summary at the end", &A.quiet, 0, 0, 0},
    {"progress", 0, LT_OPT_FLAG, NULL, "show progress even when stderr is not a terminal",
     &A.progress, 0, 0, 0},
    LT_OPT_END,
};

static const char details[] =
    "Every request that could not be recorded whole is counted by reason; the counts are\n"
    "printed at the end and kept in the tape's metadata (key \"capture\"). SIGINT or SIGTERM\n"
    "stop the capture and close the tape.\n";

static struct lt_cmd_spec spec = {
    CMD,
    "(-i IFACE | -r FILE | --listen ADDR:PORT) -o TAPE [options]",
    "Records HTTP/1.x requests (with their responses' status and latency) into a tape.",
    NULL,
    opts,
    0,
    0,
};

/* The option values that do not fit one option: the source, --listen's, --port. */
static int check(char **fbuf)
{
    int nsrc = (A.iface != NULL) + (A.file != NULL) + (A.listen != NULL);

    if (nsrc != 1)
        return lt_cli_usage(CMD, "give exactly one of -i IFACE, -r FILE, --listen ADDR:PORT");
    if (!A.out)
        return lt_cli_usage(CMD, "missing -o TAPE");
    if (A.listen && (A.filter || port || lt_cli_opt(&spec, "snaplen")->seen ||
                     lt_cli_opt(&spec, "buffer-size")->seen))
        return lt_cli_usage(CMD, "--listen takes no -f, --port, --snaplen or --buffer-size");
    if (port) {
        size_t n = (A.filter ? strlen(A.filter) : 0) + 64;
        *fbuf = malloc(n);
        if (!*fbuf) {
            lt_cli_error(CMD, "out of memory");
            return LT_EXIT_FAIL;
        }
        if (A.filter)
            snprintf(*fbuf, n, "(%s) and tcp port %llu", A.filter, (unsigned long long)port);
        else
            snprintf(*fbuf, n, "tcp port %llu", (unsigned long long)port);
        A.filter = *fbuf;
    }
    return -1;
}

int cmd_capture(int argc, char **argv)
{
    static char help[4096];
    char **pos, *fbuf = NULL;
    int npos, rc;

    memset(&A, 0, sizeof(A));
    A.snaplen = LT_SNAPLEN_DEFAULT;
    A.window = 10 * 1000000000LL;
    port = 0;
    for (struct lt_opt *o = opts; o->lname; o++)
        o->seen = 0;
    snprintf(help, sizeof(help), "%s%s", details, lt_cli_redact_help());
    spec.details = help;
    rc = lt_cli_parse(&spec, argc, argv, &pos, &npos);
    if (rc < 0)
        rc = check(&fbuf);
    if (rc < 0)
        rc = lt_cli_capture_run(&A);
    lt_cli_redact_release(&A.redact);
    free(fbuf);
    return rc;
}
