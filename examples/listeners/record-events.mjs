#!/usr/bin/env node
// An [eventlistener:x] in Node with the listener SDK: appends every event it gets to the file
// named by RECORD_FILE as one JSON line, and answers OK.
//
//   [eventlistener:recorder]
//   command=node /path/to/record-events.mjs
//   events=PROCESS_STATE,REMOTE_COMMUNICATION
//   environment=RECORD_FILE="/var/log/events.jsonl"
import fs from 'node:fs';
import { listen } from 'supervisor-ts/listener';

const file = process.env.RECORD_FILE ?? '/dev/stderr';
for await (const event of listen()) {
  fs.appendFileSync(file, JSON.stringify({ headers: event.headers, fields: event.fields, data: event.data }) + '\n');
  event.ok();
}
