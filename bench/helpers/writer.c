/* The benchmarks' output writer: as fast as the kernel lets one process write lines to stdout.
 *   writer block LINE_BYTES LINES        whole lines packed into writes of up to 64 KiB
 *   writer line  LINE_BYTES LINES        one write(2) per line
 *   writer paced LINE_BYTES LINES RATE   one write(2) per line, RATE lines per second, each line
 *                                         starting with its write time (16 digits, epoch microseconds)
 *   writer numbered LINE_BYTES LINES     as block, each line starting with its number (10 digits, from 0)
 * Each line is LINE_BYTES long including its newline. Compiled by bench/lib.mjs on first use;
 * bench/helpers/writer.py is the same program for a machine without a C compiler. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void write_all(const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(1, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      exit(1);
    }
    buf += n;
    len -= (size_t)n;
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: writer block|line|paced LINE_BYTES LINES [RATE]\n");
    return 2;
  }
  const char *mode = argv[1];
  size_t line = strtoul(argv[2], NULL, 10);
  unsigned long long lines = strtoull(argv[3], NULL, 10);
  if (line < 1) return 2;
  size_t per_write = 1;
  int numbered = strcmp(mode, "numbered") == 0;
  if ((strcmp(mode, "block") == 0 || numbered) && line < 65536) per_write = 65536 / line;
  if (numbered && line < 12) return 2;
  char *buf = malloc(line * per_write);
  if (!buf) return 1;
  for (size_t i = 0; i < per_write; i++) {
    memset(buf + i * line, 'x', line - 1);
    buf[i * line + line - 1] = '\n';
  }
  if (strcmp(mode, "paced") == 0) {
    double rate = argc > 4 ? strtod(argv[4], NULL) : 10000;
    struct timespec start, due;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned long long i = 0; i < lines; i++) {
      double at = (double)i / rate;
      long long ns = (long long)start.tv_nsec + (long long)((at - (long long)at) * 1e9);
      due.tv_sec = start.tv_sec + (time_t)at + (time_t)(ns / 1000000000LL);
      due.tv_nsec = (long)(ns % 1000000000LL);
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR) {
      }
      if (line >= 18) {
        // the wall-clock time of the write: a listener measures line-to-listener latency from it
        struct timespec now;
        char stamp[17];
        clock_gettime(CLOCK_REALTIME, &now);
        snprintf(stamp, sizeof stamp, "%016lld", (long long)now.tv_sec * 1000000LL + now.tv_nsec / 1000);
        memcpy(buf, stamp, 16);
      }
      write_all(buf, line);
    }
    return 0;
  }
  for (unsigned long long done = 0; done < lines;) {
    unsigned long long n = lines - done < per_write ? lines - done : per_write;
    if (numbered) {
      char digits[11];
      for (unsigned long long i = 0; i < n; i++) {
        snprintf(digits, sizeof digits, "%010llu", done + i);
        memcpy(buf + i * line, digits, 10);
      }
    }
    write_all(buf, line * n);
    done += n;
  }
  return 0;
}
