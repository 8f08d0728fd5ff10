#!/usr/bin/env node
// A soak program: writes numbered lines "NAME PID SEQ xxx..." to stdout at RATE lines a second (in
// batches every 50 ms, or BURST lines at once every 10 s when RATE is "burst:N"), and on SIGTERM
// appends "PID COUNT" to LEDGER: how many lines this run wrote, for the end-to-end count.
// Usage: writer.mjs NAME RATE LEDGER
import fs from 'node:fs';

const [name, rate, ledger] = process.argv.slice(2);
let seq = 0;
// fs.writeSync on fd 1 (never touching process.stdout, which would make the pipe non-blocking):
// a full pipe blocks the writer, which is the back-pressure a real program gets
const write = (count) => {
  let text = '';
  for (let i = 0; i < count; i++, seq++) text += `${name} ${process.pid} ${seq} ${'x'.repeat(seq % 97)}\n`;
  fs.writeSync(1, text);
};
if (rate.startsWith('burst:')) {
  const burst = Number(rate.slice(6));
  setInterval(() => write(burst), 10_000);
} else {
  const perTick = Number(rate) / 20;
  let owed = 0;
  setInterval(() => {
    owed += perTick;
    const now = Math.floor(owed);
    owed -= now;
    if (now > 0) write(now);
  }, 50);
}
const finish = () => {
  fs.appendFileSync(ledger, `${process.pid} ${seq}\n`);
  process.exit(0);
};
process.on('SIGTERM', finish);
process.on('SIGINT', finish);
