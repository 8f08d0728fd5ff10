#!/usr/bin/env bash
# An [eventlistener:x] in plain bash: appends each event's header line and payload to the file
# named by RECORD_FILE, and answers OK. `len` counts characters, so read with a UTF-8 locale.
#
#   [eventlistener:recorder]
#   command=/path/to/record-events.sh
#   events=PROCESS_STATE
#   environment=RECORD_FILE="/var/log/events.txt"
set -u
export LC_ALL=C.UTF-8
out=${RECORD_FILE:-/dev/stderr}
while :; do
  printf 'READY\n'
  IFS= read -r header || exit 0
  len=${header##*len:}
  payload=''
  [ "$len" -gt 0 ] && IFS= read -r -d '' -n "$len" payload
  printf '%s\n%s\n' "$header" "$payload" >> "$out"
  printf 'RESULT 2\nOK'
done
