#!/usr/bin/python3
"""A PROCESS_LOG listener on supervisor.childutils for the events benchmark: answers OK at once,
then counts the output lines of the event (newlines of its data) and overwrites COUNT_DIR/<its
process name> with "<lines> <events> <wall-clock time of this event>"."""
import os
import sys
import time

from supervisor import childutils

path = os.path.join(os.environ["COUNT_DIR"], os.environ["SUPERVISOR_PROCESS_NAME"])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
lines = 0
events = 0
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    childutils.listener.ok(sys.stdout)
    # the payload is "processname:... channel:stdout\n<data>": every newline after the first ends a line
    lines += payload.count("\n") - 1
    events += 1
    os.pwrite(fd, ("%d %d %.6f" % (lines, events, time.time())).ljust(60).encode(), 0)
