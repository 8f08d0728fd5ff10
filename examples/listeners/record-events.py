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


def parse_payload(eventname, payload):
    """The payload's key:value tokens and the data after its first newline (None without one).
    Not childutils.eventdata: REMOTE_COMMUNICATION's type is free text that may hold spaces,
    which childutils.get_headers cannot split (it raises ValueError)."""
    head, newline, data = payload.partition("\n")
    if eventname == "REMOTE_COMMUNICATION":
        fields = {"type": head[len("type:"):]}
    else:
        fields = dict(token.split(":", 1) for token in head.split(" ") if ":" in token)
    return fields, (data if newline else None)


def main():
    path = os.environ.get("RECORD_FILE", "/dev/stderr")
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        fields, data = parse_payload(headers["eventname"], payload)
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"headers": headers, "fields": fields, "data": data}, ensure_ascii=False) + "\n")
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
