/*
 * capture_sender.c - a rate-controlled HTTP/1.1 load source for the live
 * capture benchmark (ab and wrk cannot hold a fixed rate). Sends N requests
 * at exactly R per second (absolute deadlines on CLOCK_MONOTONIC), spread
 * round-robin over C keep-alive connections to HOST:PORT, pipelining when a
 * connection has not answered yet, and counts the responses.
 *
 *   capture_sender HOST PORT RATE COUNT CONNS
 * prints: sent=N responses=M seconds=S
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int fd;
    char *out;
    size_t len, cap;
    uint64_t resp_bytes;
};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void flush(struct conn *c)
{
    while (c->len) {
        ssize_t n = write(c->fd, c->out, c->len);
        if (n <= 0)
            return;
        memmove(c->out, c->out + n, c->len - (size_t)n);
        c->len -= (size_t)n;
    }
}

static void drain(struct conn *c)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        c->resp_bytes += (uint64_t)n;
    }
}

int main(int argc, char **argv)
{
    const char *resp_probe = "HTTP/1.1 202 Accepted";
    char req[512];
    int reqlen, nconns;
    double rate;
    uint64_t count, sent = 0;
    struct conn *cs;
    struct sockaddr_in sa;
    int64_t start, deadline_ns = 0;
    uint64_t resp_len = 0;

    if (argc != 6) {
        fprintf(stderr, "usage: capture_sender HOST PORT RATE COUNT CONNS\n");
        return 2;
    }
    rate = atof(argv[3]);
    count = strtoull(argv[4], NULL, 10);
    nconns = atoi(argv[5]);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &sa.sin_addr);
    {
        static const char body[] =
            "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"user-0001\","
            "\"properties\":{\"revenue\":12.5,\"currency\":\"EUR\",\"n\":1}}";
        reqlen = snprintf(req, sizeof(req),
                          "POST /collect/web HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: "
                          "application/json\r\nContent-Length: %zu\r\n\r\n%s",
                          argv[1], argv[2], sizeof(body) - 1, body);
    }
    cs = calloc((size_t)nconns, sizeof(*cs));
    for (int i = 0; i < nconns; i++) {
        int one = 1;
        cs[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cs[i].fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            perror("connect");
            return 1;
        }
        setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        fcntl(cs[i].fd, F_SETFL, O_NONBLOCK);
        cs[i].cap = 1 << 20;
        cs[i].out = malloc(cs[i].cap);
    }
    /* one probe request to learn the response size */
    {
        char buf[4096];
        ssize_t n;
        int fl = fcntl(cs[0].fd, F_GETFL);
        fcntl(cs[0].fd, F_SETFL, fl & ~O_NONBLOCK);
        if (write(cs[0].fd, req, (size_t)reqlen) != reqlen)
            return 1;
        n = read(cs[0].fd, buf, sizeof(buf));
        if (n <= 0 || strncmp(buf, resp_probe, strlen(resp_probe)) != 0) {
            fprintf(stderr, "unexpected answer\n");
            return 1;
        }
        resp_len = (uint64_t)n;
        fcntl(cs[0].fd, F_SETFL, fl);
    }
    start = now_ns();
    while (sent < count) {
        int64_t t = now_ns();
        /* everything due by now goes out, round-robin */
        while (sent < count && (deadline_ns = (int64_t)((double)sent * 1e9 / rate)) <= t - start) {
            struct conn *c = &cs[sent % (uint64_t)nconns];
            if (c->len + (size_t)reqlen > c->cap) {
                flush(c);
                if (c->len + (size_t)reqlen > c->cap)
                    break; /* the server is not reading: wait */
            }
            memcpy(c->out + c->len, req, (size_t)reqlen);
            c->len += (size_t)reqlen;
            sent++;
        }
        for (int i = 0; i < nconns; i++) {
            flush(&cs[i]);
            drain(&cs[i]);
        }
        if (sent < count) {
            struct timespec ts;
            int64_t next = start + (int64_t)((double)sent * 1e9 / rate);
            if (next > now_ns()) {
                ts.tv_sec = next / 1000000000LL;
                ts.tv_nsec = next % 1000000000LL;
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
            }
        }
    }
    {
        double secs = (double)(now_ns() - start) / 1e9;
        int64_t until = now_ns() + 5000000000LL;
        uint64_t got = 0;
        while (now_ns() < until) {
            got = 0;
            for (int i = 0; i < nconns; i++) {
                flush(&cs[i]);
                drain(&cs[i]);
                got += cs[i].resp_bytes / resp_len;
            }
            if (got >= sent)
                break;
            usleep(1000);
        }
        printf("sent=%llu responses=%llu seconds=%.3f\n", (unsigned long long)sent,
               (unsigned long long)got, secs);
    }
    for (int i = 0; i < nconns; i++)
        close(cs[i].fd);
    return 0;
}
