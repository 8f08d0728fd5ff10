#!/usr/bin/env python3
"""bench/helpers/writer.c for a machine without a C compiler (slower: the limits it shows are its own).
   writer.py block|line|paced|numbered LINE_BYTES LINES [RATE]"""
import os
import sys
import time

mode, line, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
one = b"x" * (line - 1) + b"\n"


def write_all(data):
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


if mode == "paced":
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else 10000.0
    start = time.monotonic()
    for i in range(lines):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        # each line starts with its write time (epoch microseconds), as writer.c's paced mode
        write_all(b"%016d" % int(time.time() * 1e6) + one[16:] if line >= 18 else one)
elif mode == "numbered":
    per_write = max(1, 65536 // line)
    done = 0
    while done < lines:
        n = min(per_write, lines - done)
        write_all(b"".join(b"%010d" % (done + i) + one[10:] for i in range(n)))
        done += n
elif mode == "line":
    for _ in range(lines):
        write_all(one)
else:
    per_write = max(1, 65536 // line)
    block = one * per_write
    done = 0
    while done < lines:
        n = min(per_write, lines - done)
        write_all(block if n == per_write else one * n)
        done += n
