#!/usr/bin/env node
// An [eventlistener:x] for the benchmarks (4.2.5's listener protocol): for every event it appends
// "<eventname> <pid from the payload> <arrival wall-clock ms>" to the file named by argv[2].
import fs from 'node:fs';

const out = fs.openSync(process.argv[2], 'a');
let buf = Buffer.alloc(0);
let need = -1;
let header = '';
process.stdout.write('READY\n');
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    if (need < 0) {
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      header = buf.subarray(0, nl).toString();
      buf = buf.subarray(nl + 1);
      need = Number(/len:(\d+)/.exec(header)[1]);
    }
    if (buf.length < need) return;
    const arrived = performance.timeOrigin + performance.now();
    const payload = buf.subarray(0, need).toString();
    buf = buf.subarray(need);
    need = -1;
    const event = /eventname:(\S+)/.exec(header)[1];
    const pid = /(?:^|\s)pid:(\d+)/.exec(payload)?.[1] ?? '-';
    fs.writeSync(out, `${event} ${pid} ${arrived.toFixed(3)}\n`);
    process.stdout.write('RESULT 2\nOK');
    process.stdout.write('READY\n');
  }
});
