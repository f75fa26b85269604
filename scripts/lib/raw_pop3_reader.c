#define _GNU_SOURCE
/* Reference reader for the benchmarks: logs in over implicit TLS (OpenSSL, certificate and
 * host name checked), sends every RETR at once, and only counts bytes until it has seen every
 * reply's terminator. No parsing, hashing or writing: the limit of the server plus loopback.
 * usage: raw_pop3_reader HOST PORT CAFILE USER PASSWORD */
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static SSL *ssl;
static char buf[1 << 20];

static void die(const char *what) { fprintf(stderr, "raw reader: %s\n", what); ERR_print_errors_fp(stderr); exit(1); }

static void line(char *out, size_t size) {  /* one reply line, byte by byte (only a few of them) */
    size_t n = 0; char c;
    while (SSL_read(ssl, &c, 1) == 1) { if (n + 1 < size) out[n++] = c; if (c == '\n') break; }
    out[n] = 0;
}

int main(int argc, char **argv) {
    if (argc != 6) die("usage: HOST PORT CAFILE USER PASSWORD");
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(argv[1], argv[2], &hints, &ai)) die("resolve");
    int fd = socket(ai->ai_family, ai->ai_socktype, 0);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen)) die("connect");
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!SSL_CTX_load_verify_locations(ctx, argv[3], NULL)) die("CA file");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, argv[1]);
    SSL_set1_host(ssl, argv[1]);
    if (SSL_connect(ssl) != 1) die("TLS handshake");
    char reply[1024];
    line(reply, sizeof reply);
    int len = snprintf(buf, sizeof buf, "USER %s\r\nPASS %s\r\nSTAT\r\n", argv[4], argv[5]);
    SSL_write(ssl, buf, len);
    line(reply, sizeof reply); line(reply, sizeof reply); line(reply, sizeof reply);
    long count = strtol(reply + 4, NULL, 10);
    if (strncmp(reply, "+OK", 3)) die("login failed");
    char *cmds = malloc(count * 16 + 1); size_t at = 0;
    for (long i = 1; i <= count; i++) at += sprintf(cmds + at, "RETR %ld\r\n", i);
    SSL_write(ssl, cmds, at);
    long seen = 0; long long total = 0; char tail[4] = {0};
    while (seen < count) {
        int n = SSL_read(ssl, buf + 4, sizeof buf - 4);
        if (n <= 0) die("connection closed early");
        total += n;
        memcpy(buf, tail, 4);
        for (char *p = buf; (p = memmem(p, n + 4 - (p - buf), "\r\n.\r\n", 5)); p += 5) seen++;
        memcpy(tail, buf + n, 4);
    }
    SSL_write(ssl, "QUIT\r\n", 6);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("messages=%ld bytes=%lld seconds=%.3f\n", count, total, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
