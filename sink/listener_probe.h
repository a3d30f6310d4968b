/*
 * listener_probe.h - the listener's connection state machine (listener.c)
 * on one connection, without a listening socket or a worker thread, driven
 * with a clock the caller keeps: for the fuzz target and tests. Internal to
 * sink/ and its tests.
 *
 * The connection is fd (one end of a socketpair, non-blocking); the caller
 * writes requests into the other end and reads the answers there. The
 * probe owns fd from _new on (it is closed with the connection).
 */
#ifndef LT_LISTENER_PROBE_H
#define LT_LISTENER_PROBE_H

#include "lt_sink.h"

struct lt_listener_probe;

struct lt_listener_probe *lt_listener_probe_new(const struct lt_listener_opts *o, int fd,
                                                int64_t now);
/* Runs timers due at now, then reads and writes what the connection is ready
 * for (as one turn of the event loop). 0, or -1 once the connection is closed. */
int lt_listener_probe_step(struct lt_listener_probe *p, int64_t now);
/* When a timer is due (0: none), on the caller's clock. */
int64_t lt_listener_probe_next_timer(const struct lt_listener_probe *p);
/* Unsent output bytes; *queued receives the responses waiting in the queue. */
size_t lt_listener_probe_buffered(struct lt_listener_probe *p, size_t *queued);
void lt_listener_probe_free(struct lt_listener_probe *p);

/* The per-connection output cap (OUT_HIGH) and queue cap (PQ_HIGH). */
#define LT_LISTENER_OUT_CAP ((size_t)256 << 10)
#define LT_LISTENER_QUEUE_CAP 1024

#endif
