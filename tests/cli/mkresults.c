/*
 * mkresults.c - writes a results file with known numbers, for the report
 * tests (a real replay's latencies differ from run to run).
 *
 *   lt-mkresults OUT [I/N] [--unclosed] [--seconds N]
 *
 * The run: rate mode, 100 req/s for 10 s with the spike 5x:2s/5s (500 req/s
 * in seconds 3-4 and 8-9), latency rising inside the spike windows, statuses
 * 202, 400 and 503, timeouts (timed at 2 s), connect errors (untimed) and,
 * in the spikes, requests never sent because every connection was busy.
 * Its tape name holds HTML and CSV specials. With I/N only the requests
 * j % N == I are written, so the N shards merge into exactly the whole run.
 * --unclosed leaves out the total and the end marker (a killed writer);
 * --seconds makes the run N seconds long (the pattern repeats every 5 s).
 */
#include "lt_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEC 1000000000LL
#define MS 1000000LL

static const char meta[] =
    "{\"tool\":\"loadtape\",\"version\":\"0.1.0\",\"mode\":\"rate\",\"target\":"
    "\"http://127.0.0.1:9/<b>x</b>?a=1&b=2\",\"tape\":\"evil <script>alert(1)</script>, "
    "\\\"q\\\".tape\","
    "\"start_unix_ns\":\"1767225600000000000\",\"connections\":16,\"engine\":\"native\","
    "\"threads\":1,\"rate\":100,\"arrivals\":\"constant\",\"spike\":\"5x:2s/5s\"}";

/* One request j of second k: counters, status or error, histograms. */
static void request(struct lt_stats *s, int k, int j, int spike)
{
    int64_t lag = (j % 10) * 10000LL; /* 0 .. 90 us */
    int64_t lat = (1 + j % 20) * MS / 2 + (spike ? 40 * MS + j * 50000LL : 0);
    int64_t rel = (int64_t)k * SEC + (int64_t)j * SEC / (spike ? 500 : 100);

    s->c[LT_RC_SCHEDULED]++;
    lt_hist_record(&s->h[LT_RH_LAG], lag);
    if (spike && j % 83 == 41) {
        s->c[LT_RC_NOT_SENT]++; /* every connection stayed busy: a failure, never sent */
        return;
    }
    s->c[LT_RC_SENT]++;
    if (j % 97 == 13) {
        s->c[LT_RC_ERR_CONNECT]++; /* refused: not timed */
        lt_stats_note_send(s, rel, 0);
        return;
    }
    if (spike && j % 61 == 7) {
        s->c[LT_RC_ERR_TIMEOUT]++; /* timed at its elapsed time */
        lt_hist_record(&s->h[LT_RH_LATENCY], 2 * SEC);
        lt_hist_record(&s->h[LT_RH_SERVICE], 2 * SEC - lag);
        lt_stats_note_send(s, rel, 2 * SEC - lag);
        return;
    }
    s->c[LT_RC_COMPLETED]++;
    s->c[LT_RC_BYTES_SENT] += 200;
    s->c[LT_RC_BYTES_RECEIVED] += 16;
    if (j % 50 == 3) {
        s->status[503]++;
    } else if (j % 23 == 5) {
        s->status[400]++;
    } else {
        s->status[202]++;
        s->c[LT_RC_OK]++;
    }
    lt_hist_record(&s->h[LT_RH_LATENCY], lat);
    lt_hist_record(&s->h[LT_RH_SERVICE], lat - lag);
    lt_stats_note_send(s, rel, lat - lag);
}

int main(int argc, char **argv)
{
    struct lt_stats iv, total;
    struct lt_results_section sec;
    struct lt_results_writer *w;
    struct lt_err err;
    unsigned si = 0, sn = 1;
    int unclosed = 0, seconds = 10;
    void *scratch;

    if (argc < 2) {
        fprintf(stderr, "usage: lt-mkresults OUT [I/N] [--unclosed] [--seconds N]\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--unclosed") == 0)
            unclosed = 1;
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atoi(argv[++i]);
        else if (sscanf(argv[i], "%u/%u", &si, &sn) != 2 || sn == 0 || si >= sn)
            return 2;
    }
    scratch = malloc(lt_stats_scratch_size());
    if (!scratch || lt_stats_init(&iv) || lt_stats_init(&total))
        return 1;
    lt_err_clear(&err);
    if (!(w = lt_results_writer_open(argv[1], meta, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (int k = 0; k < seconds; k++) {
        int spike = k % 5 >= 3, n = spike ? 500 : 100;
        lt_stats_reset(&iv);
        iv.start_ns = (int64_t)k * SEC;
        iv.dur_ns = k == seconds - 1 ? SEC / 2 : SEC; /* the last interval ends with the run */
        for (int j = 0; j < n; j++)
            if ((unsigned)j % sn == si)
                request(&iv, k, j, spike);
        lt_stats_merge(&total, &iv);
        lt_stats_to_section(&iv, LT_RESULTS_INTERVAL, scratch, &sec);
        if (lt_results_writer_add(w, &sec, &err))
            goto bad;
    }
    if (unclosed)
        _exit(0); /* gone without closing, as a killed replay is (each section is flushed) */
    total.start_ns = 0;
    lt_stats_to_section(&total, LT_RESULTS_TOTAL, scratch, &sec);
    if (lt_results_writer_add(w, &sec, &err) || lt_results_writer_close(w, &err))
        goto bad;
    lt_stats_release(&iv);
    lt_stats_release(&total);
    free(scratch);
    return 0;
bad:
    fprintf(stderr, "%s\n", err.msg);
    return 1;
}
