/* The probe scenario's client, measuring the CPU a probe costs its caller.
 *
 *   probe-client http PORT PATH N
 *     N GETs of PATH on 127.0.0.1:PORT as a kubelet sends an httpGet probe: a new TCP connection
 *     each time, "Connection: close", the answer read to the end. Exits 1 unless every answer is
 *     200. Prints one JSON line: {"probes", "cpu_ms" (this process's user+system), "last"}.
 *
 *   probe-client exec N ARGV...
 *     Runs ARGV N times, one after the other, as an exec probe does (fork, exec, wait). Prints
 *     {"probes", "cpu_ms" (the children's user+system, getrusage(RUSAGE_CHILDREN)), "codes"}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static double cpu_ms(int who) {
  struct rusage r;
  getrusage(who, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
}

/* One probe; returns the HTTP status, copies the body's first line into `line`. */
static int probe(const struct sockaddr_in *addr, const char *request, size_t request_len, char *line, size_t line_size) {
  static char buf[8192];
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0) {
    perror("connect");
    exit(2);
  }
  if (write(fd, request, request_len) != (ssize_t)request_len) {
    perror("write");
    exit(2);
  }
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
    if (n < 0) {
      perror("read");
      exit(2);
    }
    if (n == 0) break;
    got += (size_t)n;
    if (got == sizeof buf - 1) break;
  }
  close(fd);
  buf[got] = 0;
  int status = 0;
  if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) status = 0;
  const char *body = strstr(buf, "\r\n\r\n");
  line[0] = 0;
  if (body) {
    body += 4;
    size_t len = strcspn(body, "\n\"\\");
    if (len >= line_size) len = line_size - 1;
    memcpy(line, body, len);
    line[len] = 0;
  }
  return status;
}

static int http_mode(int port, const char *path, long n) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  char request[1024];
  /* the headers a kubelet sends (pkg/probe/http): its User-Agent, Accept, no keep-alive */
  int len = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: kube-probe/1.31\r\nAccept: */*\r\nConnection: close\r\n\r\n", path, port);
  char line[256] = "";
  double before = cpu_ms(RUSAGE_SELF);
  for (long i = 0; i < n; i++) {
    int status = probe(&addr, request, (size_t)len, line, sizeof line);
    if (status != 200) {
      fprintf(stderr, "probe %ld: HTTP %d: %s\n", i, status, line);
      return 1;
    }
  }
  printf("{\"probes\":%ld,\"cpu_ms\":%.3f,\"last\":\"%s\"}\n", n, cpu_ms(RUSAGE_SELF) - before, line);
  return 0;
}

static int exec_mode(long n, char **argv) {
  int codes[256] = {0};
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      execv(argv[0], argv);
      perror("execv");
      _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    codes[WIFEXITED(status) ? WEXITSTATUS(status) : 255]++;
  }
  printf("{\"probes\":%ld,\"cpu_ms\":%.3f,\"codes\":{", n, cpu_ms(RUSAGE_CHILDREN));
  const char *sep = "";
  for (int c = 0; c < 256; c++) {
    if (codes[c]) {
      printf("%s\"%d\":%d", sep, c, codes[c]);
      sep = ",";
    }
  }
  printf("}}\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "http") == 0) return http_mode(atoi(argv[2]), argv[3], atol(argv[4]));
  if (argc >= 4 && strcmp(argv[1], "exec") == 0) return exec_mode(atol(argv[2]), argv + 3);
  fprintf(stderr, "usage: probe-client http PORT PATH N | probe-client exec N ARGV...\n");
  return 2;
}
