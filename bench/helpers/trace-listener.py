#!/usr/bin/python3
"""A PROCESS_LOG listener on supervisor.childutils for bench/tools/fire-trace.mjs: answers OK at
once and appends, per event, "<time it began waiting> <time the event arrived> <lines> <payload
characters>" to TRACE.<its process name>: how long it waited on the daemon for each event."""
import os
import sys
import time

from supervisor import childutils

out = open(os.environ["TRACE"] + "." + os.environ["SUPERVISOR_PROCESS_NAME"], "w")
while True:
    waiting = time.time()
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    arrived = time.time()
    childutils.listener.ok(sys.stdout)
    # the payload is "processname:... channel:stdout\n<data>": every newline after the first ends a line
    out.write("%.6f %.6f %d %d\n" % (waiting, arrived, payload.count("\n") - 1, len(payload)))
    out.flush()
