#!/usr/bin/env node
// A soak [eventlistener:x] (4.2.5's protocol): appends "L PROCESSNAME LINES" for each PROCESS_LOG
// event and "S EVENTNAME PROCESSNAME" for each PROCESS_STATE one to RECORDS, then acknowledges.
// Recording and acknowledging happen in the same synchronous step, so a SIGTERM never falls between
// them: an event is either recorded and acknowledged, or neither (and then sent again).
// Usage: listener.mjs RECORDS
import fs from 'node:fs';

const out = fs.openSync(process.argv[2], 'a');
let buf = Buffer.alloc(0);
let need = -1;
let header = '';
fs.writeSync(1, 'READY\n');
process.stdin.on('data', (chunk) => {
  buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
  for (;;) {
    if (need < 0) {
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      header = buf.subarray(0, nl).toString();
      buf = buf.subarray(nl + 1);
      need = Number(/len:(\d+)/.exec(header)[1]);
    }
    if (buf.length < need) return;
    const payload = buf.subarray(0, need);
    buf = buf.subarray(need);
    need = -1;
    const event = /eventname:(\S+)/.exec(header)[1];
    const text = payload.toString();
    const processname = /processname:(\S+)/.exec(text)?.[1] ?? '-';
    if (event.startsWith('PROCESS_LOG')) {
      const data = text.slice(text.indexOf('\n') + 1);
      fs.writeSync(out, `L ${processname} ${data.split('\n').length - 1}\n`);
    } else {
      fs.writeSync(out, `S ${event} ${processname}\n`);
    }
    fs.writeSync(1, 'RESULT 2\nOKREADY\n');
  }
});
