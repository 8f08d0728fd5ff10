#!/usr/bin/env python3
"""An [eventlistener:x] written with Supervisor's own supervisor.childutils: appends every
event to the file named by RECORD_FILE as one JSON line, and answers OK.

    [eventlistener:recorder]
    command=python3 /path/to/record-events.py
    events=PROCESS_STATE,REMOTE_COMMUNICATION
    environment=RECORD_FILE="/var/log/events.jsonl"
"""
import json
import os
import sys

from supervisor import childutils


def main():
    path = os.environ.get("RECORD_FILE", "/dev/stderr")
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        if "\n" in payload:
            fields, data = childutils.eventdata(payload)
        else:
            fields, data = childutils.get_headers(payload), None
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"headers": headers, "fields": fields, "data": data}, ensure_ascii=False) + "\n")
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
