#!/usr/bin/python3
"""A PROCESS_LOG listener on supervisor.childutils for the events benchmark: answers OK at once,
then counts the output lines of the event (newlines of its data) and overwrites COUNT_DIR/<its
process name> with "<lines> <events> <wall-clock time of this event>". With LATENCY_FILE set, it
also appends, for each whole line that starts with its write time (the writer's paced mode, 16
digits of epoch microseconds), the microseconds from that time to the event's arrival."""
import os
import sys
import time

from supervisor import childutils

path = os.path.join(os.environ["COUNT_DIR"], os.environ["SUPERVISOR_PROCESS_NAME"])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
latency_path = os.environ.get("LATENCY_FILE")
latency = open(latency_path + "." + os.environ["SUPERVISOR_PROCESS_NAME"], "a") if latency_path else None
lines = 0
events = 0
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    arrived = time.time()
    childutils.listener.ok(sys.stdout)
    # the payload is "processname:... channel:stdout\n<data>": every newline after the first ends a line
    lines += payload.count("\n") - 1
    events += 1
    if latency is not None:
        us = int(arrived * 1e6)
        # whole stamped lines only: a line 4.2.5 cut across two events is not timed
        stamps = [l[:16] for l in payload.split("\n")[1:] if len(l) >= 17 and l[:16].isdigit() and l[16] == "x"]
        latency.write("".join("%d\n" % (us - int(s)) for s in stamps))
        latency.flush()
    os.pwrite(fd, ("%d %d %.6f" % (lines, events, time.time())).ljust(60).encode(), 0)
