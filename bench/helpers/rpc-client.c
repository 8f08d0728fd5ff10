/* The RPC scenario's client: CLIENTS processes, each on one kept-alive connection to a unix
 * socket, calling supervisor.getState back to back (one call in flight) for WARMUP_MS, then for
 * MS while timing every call. Prints one JSON line: calls, elapsed ms, p50 and p99 in ms.
 * A client of a few microseconds per call, so that the daemon, not the harness, is measured.
 * usage: rpc-client SOCKET CLIENTS WARMUP_MS MS */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char BODY[] =
    "<?xml version=\"1.0\"?><methodCall><methodName>supervisor.getState</methodName><params></params></methodCall>";

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int connect_to(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("connect");
    exit(2);
  }
  return fd;
}

/* One call: send the request, read the headers and Content-Length bytes of body. Exits on error. */
static void call(int fd, const char *request, size_t request_len) {
  static char buf[65536];
  if (write(fd, request, request_len) != (ssize_t)request_len) {
    perror("write");
    exit(2);
  }
  size_t have = 0;
  long body_len = -1;
  size_t header_end = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
    if (n <= 0) {
      fprintf(stderr, "rpc-client: connection closed by the server (%s)\n", n < 0 ? strerror(errno) : "EOF");
      exit(2);
    }
    have += (size_t)n;
    buf[have] = 0;
    if (body_len < 0) {
      char *end = strstr(buf, "\r\n\r\n");
      if (!end) continue;
      header_end = (size_t)(end - buf) + 4;
      if (strncmp(buf, "HTTP/1.1 200", 12) != 0 && strncmp(buf, "HTTP/1.0 200", 12) != 0) {
        fprintf(stderr, "rpc-client: unexpected response: %.200s\n", buf);
        exit(2);
      }
      char *cl = strcasestr(buf, "\r\nContent-Length:");
      if (!cl || cl > end) {
        fprintf(stderr, "rpc-client: no Content-Length in: %.200s\n", buf);
        exit(2);
      }
      body_len = strtol(cl + 17, NULL, 10);
    }
    if (have >= header_end + (size_t)body_len) {
      if (strstr(buf + header_end, "<fault>")) {
        fprintf(stderr, "rpc-client: fault: %.300s\n", buf + header_end);
        exit(2);
      }
      return;
    }
  }
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: rpc-client SOCKET CLIENTS WARMUP_MS MS\n");
    return 2;
  }
  const char *path = argv[1];
  int clients = atoi(argv[2]);
  double warmup = atof(argv[3]), ms = atof(argv[4]);
  char request[512];
  int request_len = snprintf(request, sizeof request,
                             "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n\r\n%s",
                             strlen(BODY), BODY);
  int results[64][2];
  if (clients < 1 || clients > 64) return 2;
  for (int c = 0; c < clients; c++) {
    if (pipe(results[c]) < 0) return 2;
    if (fork() == 0) {
      int fd = connect_to(path);
      double warm_end = now_ms() + warmup;
      while (now_ms() < warm_end) call(fd, request, (size_t)request_len);
      size_t cap = 1 << 20, n = 0;
      double *lat = malloc(cap * sizeof *lat);
      double start = now_ms(), end = start + ms, t;
      while ((t = now_ms()) < end) {
        call(fd, request, (size_t)request_len);
        if (n == cap) lat = realloc(lat, (cap *= 2) * sizeof *lat);
        lat[n++] = now_ms() - t;
      }
      double elapsed = now_ms() - start;
      /* calls, elapsed, then every latency: the parent merges them */
      FILE *out = fdopen(results[c][1], "w");
      fwrite(&n, sizeof n, 1, out);
      fwrite(&elapsed, sizeof elapsed, 1, out);
      fwrite(lat, sizeof *lat, n, out);
      fclose(out);
      _exit(0);
    }
    close(results[c][1]);
  }
  size_t total = 0, cap = 1 << 20;
  double *all = malloc(cap * sizeof *all), longest = 0;
  for (int c = 0; c < clients; c++) {
    FILE *in = fdopen(results[c][0], "r");
    size_t n;
    double elapsed;
    if (fread(&n, sizeof n, 1, in) != 1 || fread(&elapsed, sizeof elapsed, 1, in) != 1) {
      fprintf(stderr, "rpc-client: client %d failed\n", c);
      return 2;
    }
    while (total + n > cap) all = realloc(all, (cap *= 2) * sizeof *all);
    if (fread(all + total, sizeof *all, n, in) != n) return 2;
    total += n;
    if (elapsed > longest) longest = elapsed;
    fclose(in);
  }
  int status, failed = 0;
  while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (failed || total == 0) return 2;
  qsort(all, total, sizeof *all, compare);
  printf("{\"calls\":%zu,\"ms\":%.3f,\"p50\":%.4f,\"p99\":%.4f}\n", total, longest, all[total / 2], all[(size_t)(total * 0.99)]);
  return 0;
}
