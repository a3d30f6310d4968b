/*
 * listener.c - libFuzzer target for the listener's connection state machine
 * (sink/listener.c through listener_probe.h): bytes in, responses out, on
 * a clock the input moves. One connection is a socketpair; the input is a
 * first byte of settings and then steps:
 *
 *   op & 3 == 0  the client sends the next (next byte + 1) input bytes
 *   op & 3 == 1  the clock moves by (op >> 2) * 50 ms
 *   op & 3 == 2  the client reads what the listener sent
 *   op & 3 == 3  the client shuts its sending side
 *
 * After every step the connection's output stays within its cap (one
 * response over it at most) and its queue within its bound; at the end the
 * clock runs on until the connection has closed (idle and request timeouts
 * and the linger all end it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../sink/listener_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS ((int64_t)1000000)

struct cfg {
    int64_t delay_ns;
};

static void handler(void *ctx, const struct lt_listener_req *req, struct lt_listener_resp *resp)
{
    const struct cfg *cfg = ctx;
    const struct lt_http_msg *m = req->msg;

    resp->status = m->url.len > 1 && m->url.p[1] == 'x' ? 404 : 202;
    resp->content_type = "application/json";
    resp->body = "{\"accepted\":1}";
    resp->body_len = 14;
    resp->delay_ns = m->url.len > 2 && m->url.p[2] == 'd' ? cfg->delay_ns : 0;
    resp->close = m->url.len > 1 && m->url.p[1] == 'c';
}

static void drain(int fd)
{
    uint8_t buf[65536];

    for (int i = 0; i < 64 && read(fd, buf, sizeof(buf)) > 0; i++)
        ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg cfg;
    struct lt_listener_opts o;
    struct lt_listener_probe *p;
    int sv[2], open = 1;
    int64_t now = 1000 * MS;
    size_t i = 1;

    if (size < 1)
        return 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        return 0;
    cfg.delay_ns = (int64_t)(data[0] & 15) * 100 * MS;
    memset(&o, 0, sizeof(o));
    o.idle_timeout_ns = (int64_t)((data[0] >> 4) + 1) * 500 * MS;
    o.request_timeout_ns = (int64_t)((data[0] >> 6) + 1) * 300 * MS;
    o.handler = handler;
    o.ctx = &cfg;
    p = lt_listener_probe_new(&o, sv[0], now);
    if (!p) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    while (i < size && open) {
        uint8_t op = data[i++];
        size_t queued, out;
        switch (op & 3) {
        case 0: {
            size_t n = i < size ? (size_t)data[i++] + 1 : 0;
            if (n > size - i)
                n = size - i;
            if (n && send(sv[1], data + i, n, MSG_NOSIGNAL) < 0) {
                /* the socket is full: the listener is not reading (its output is at the cap) */
            }
            i += n;
            break;
        }
        case 1:
            now += (int64_t)(op >> 2) * 50 * MS;
            break;
        case 2:
            drain(sv[1]);
            break;
        default:
            shutdown(sv[1], SHUT_WR);
            break;
        }
        open = lt_listener_probe_step(p, now) == 0;
        if (open) {
            out = lt_listener_probe_buffered(p, &queued);
            if (out > LT_LISTENER_OUT_CAP + 4096 || queued > LT_LISTENER_QUEUE_CAP + 1)
                abort();
        }
    }
    /* Time runs on, the client reading: every connection ends by itself. */
    for (int k = 0; k < 64 && open; k++) {
        int64_t next = lt_listener_probe_next_timer(p);
        drain(sv[1]);
        now = next > now ? next : now + 100 * MS;
        open = lt_listener_probe_step(p, now) == 0;
    }
    if (open) {
        /* a client that never closes stays until its idle timeout: one more, far ahead */
        now += 3600 * 1000 * MS;
        for (int k = 0; k < 8 && open; k++) {
            drain(sv[1]);
            open = lt_listener_probe_step(p, now) == 0;
            now += 3 * 1000 * MS;
        }
    }
    if (open)
        abort();
    lt_listener_probe_free(p);
    close(sv[1]);
    return 0;
}
