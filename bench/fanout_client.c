/*
 * Load generator for bench.fanout, in C: many WebSocket subscribers in one process, for the
 * cost of a read and a memmem per message (the Python one, bench/fanout_client.py, spends
 * ~27 us of CPU per message, more than the notifier it measures).
 *
 *     fanout_client URL COUNT      (built by bench.fanout with the machine's cc)
 *
 * Same protocol as bench/fanout_client.py: opens COUNT sockets to the notifier's /v1/ws (URL
 * holds the token), subscribes each to the tenant channel, prints "ready", then obeys lines on
 * stdin: "measure" (forget what was received), "report" (one JSON line: per-event delays in ms
 * and the count of messages) and "quit". The delay of an event is its arrival time minus its
 * recorded time ("at", the clock of this machine). Server frames are unmasked; client frames
 * (subscribe, pong) are masked as RFC 6455 requires.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING, HANDSHAKE, OPEN, CLOSED };

typedef struct {
    int fd;
    int state;
    int ready;
    unsigned char *buf;
    size_t len, cap;
} Conn;

static Conn *conns;
static int count, opened, established, nready, announced;
static double *delays;
static size_t ndelays, capdelays;
static long received;
static int measuring;
static char request[4096];
static size_t request_len;
static struct sockaddr_in addr;
static int epfd;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "2026-12-06T06:50:00.123456+00:00" (or ...Z, or no fraction) as seconds since the epoch. */
static int parse_at(const char *s, const char *end, double *out) {
    struct tm tm = {0};
    if (end - s < 19 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                               &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    double t = (double)timegm(&tm);
    const char *p = s + 19;
    if (p < end && *p == '.') {
        double scale = 0.1;
        for (p++; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10) t += (*p - '0') * scale;
    }
    if (p < end && (*p == '+' || *p == '-') && end - p >= 6) {
        int sign = *p == '-' ? -1 : 1, hh = (p[1] - '0') * 10 + (p[2] - '0'),
            mm = (p[4] - '0') * 10 + (p[5] - '0');
        t -= sign * (hh * 3600 + mm * 60);
    }
    *out = t;
    return 0;
}

static void masked_write(int fd, unsigned char opcode, const char *payload, size_t n) {
    unsigned char frame[140];
    unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | (unsigned char)n;
    memcpy(frame + 2, mask, 4);
    for (size_t i = 0; i < n; i++) frame[6 + i] = (unsigned char)payload[i] ^ mask[i % 4];
    if (write(fd, frame, 6 + n) < 0 && errno != EAGAIN) perror("write");
}

static void on_message(Conn *c, const unsigned char *p, size_t n, double arrived) {
    static const char at[] = "\"at\":\"";
    const unsigned char *hit = memmem(p, n, at, sizeof at - 1);
    if (hit == NULL) {
        if (!c->ready && memmem(p, n, "\"subscribed\"", 12) != NULL) {
            c->ready = 1;
            nready++;
        }
        return;
    }
    received++;
    if (!measuring) return;
    const char *stamp = (const char *)hit + sizeof at - 1;
    const char *stop = memchr(stamp, '"', (const char *)p + n - stamp);
    double sent;
    if (stop == NULL || parse_at(stamp, stop, &sent) != 0) return;
    if (ndelays == capdelays) {
        capdelays = capdelays ? capdelays * 2 : 1 << 16;
        delays = realloc(delays, capdelays * sizeof *delays);
        if (delays == NULL) die("realloc");
    }
    delays[ndelays++] = (arrived - sent) * 1000.0;
}

static void on_frames(Conn *c, double arrived) {
    size_t at = 0;
    unsigned char *b = c->buf;
    while (c->len - at >= 2) {
        uint64_t length = b[at + 1] & 0x7F;
        size_t start = at + 2;
        if (length == 126) {
            if (c->len - at < 4) break;
            length = ((uint64_t)b[at + 2] << 8) | b[at + 3];
            start = at + 4;
        } else if (length == 127) {
            if (c->len - at < 10) break;
            length = 0;
            for (int i = 0; i < 8; i++) length = (length << 8) | b[at + 2 + i];
            start = at + 10;
        }
        if (c->len < start + length) break;
        unsigned char opcode = b[at] & 0x0F;
        if (opcode == 0x1)
            on_message(c, b + start, length, arrived);
        else if (opcode == 0x9)
            masked_write(c->fd, 0xA, NULL, 0);
        else if (opcode == 0x8)
            c->state = CLOSED;
        at = start + length;
    }
    if (at) {
        memmove(b, b + at, c->len - at);
        c->len -= at;
    }
}

static void on_readable(Conn *c) {
    for (;;) {
        if (c->cap - c->len < 65536) {
            c->cap = c->cap * 2 + 65536;
            c->buf = realloc(c->buf, c->cap);
            if (c->buf == NULL) die("realloc");
        }
        ssize_t got = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (got == 0) {
            c->state = CLOSED;
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            return;
        }
        if (got < 0) {
            if (errno != EAGAIN) c->state = CLOSED;
            return;
        }
        c->len += (size_t)got;
        double arrived = now_s();
        if (c->state == HANDSHAKE) {
            unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
            if (end == NULL) continue;
            size_t head = (size_t)(end - c->buf) + 4;
            memmove(c->buf, c->buf + head, c->len - head);
            c->len -= head;
            c->state = OPEN;
            static const char subscribe[] = "{\"subscribe\":\"tenant\"}";
            masked_write(c->fd, 0x1, subscribe, sizeof subscribe - 1);
        }
        on_frames(c, arrived);
    }
}

static void start_connect(int i) {
    Conn *c = &conns[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
        die("connect");
    c->state = CONNECTING;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
    opened++;
}

static void on_connected(int i) {
    Conn *c = &conns[i];
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        errno = err;
        die("connect");
    }
    if (write(c->fd, request, request_len) != (ssize_t)request_len) die("write handshake");
    c->state = HANDSHAKE;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    established++;
}

static void report(void) {
    fputs("{\"delays\":[", stdout);
    for (size_t i = 0; i < ndelays; i++) printf(i ? ",%.3f" : "%.3f", delays[i]);
    printf("],\"received\":%ld}\n", received);
    fflush(stdout);
    measuring = 0;
}

/* Lines from the driver; returns 1 on "quit" (or end of input). */
static int on_stdin(void) {
    static char line[256];
    static size_t used;
    ssize_t got = read(0, line + used, sizeof line - 1 - used);
    if (got <= 0) return 1;
    used += (size_t)got;
    char *nl;
    while ((nl = memchr(line, '\n', used)) != NULL) {
        *nl = 0;
        if (strcmp(line, "measure") == 0) {
            ndelays = 0;
            received = 0;
            measuring = 1;
        } else if (strcmp(line, "report") == 0) {
            report();
        } else if (strcmp(line, "quit") == 0) {
            return 1;
        }
        size_t rest = used - (size_t)(nl + 1 - line);
        memmove(line, nl + 1, rest);
        used = rest;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ws://HOST:PORT/PATH?QUERY COUNT\n", argv[0]);
        return 2;
    }
    char host[256], path[2048];
    int port;
    if (sscanf(argv[1], "ws://%255[^:]:%d%2047s", host, &port, path) != 3) {
        fprintf(stderr, "cannot read the URL %s\n", argv[1]);
        return 2;
    }
    count = atoi(argv[2]);
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "host must be an IPv4 address: %s\n", host);
        return 2;
    }
    request_len = (size_t)snprintf(
        request, sizeof request,
        "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        path, host, port);
    conns = calloc((size_t)count, sizeof *conns);
    epfd = epoll_create1(0);
    struct epoll_event in = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &in);
    struct epoll_event events[512];
    for (;;) {
        while (opened < count && opened - established < 100) start_connect(opened);
        if (!announced && nready == count) {
            puts("ready");
            fflush(stdout);
            announced = 1;
        }
        int n = epoll_wait(epfd, events, 512, 1000);
        for (int k = 0; k < n; k++) {
            uint32_t i = events[k].data.u32;
            if (i == UINT32_MAX) {
                if (on_stdin()) goto quit;
                continue;
            }
            if (conns[i].state == CONNECTING) {
                if (events[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected((int)i);
                continue;
            }
            if (conns[i].state != CLOSED) on_readable(&conns[i]);
        }
    }
quit:
    for (int i = 0; i < opened; i++) close(conns[i].fd);
    return 0;
}
