#!/usr/bin/env node
// A Fluentd forward input for the benchmarks, in its own process (so that its CPU is not the
// daemon's): acknowledges every chunk that asks for it, and counts the records whose `message`
// starts with a line number (the writer's `numbered` mode), telling first arrivals from repeats.
// Messages are decoded with @msgpack/msgpack; the entries of a PackedForward body are walked
// without building objects (only `message` is read): decoding each record whole cost 3 µs, more
// than the daemon spends on it, and the receiver shares the machine's two cores with it.
//   forward-receiver.mjs EXPECTED_LINES   prints "PORT <port>", then "COUNT <distinct> <repeats> <epoch ms>" as records arrive
import net from 'node:net';
import zlib from 'node:zlib';
import { decodeMultiStream, encode, ExtensionCodec } from '@msgpack/msgpack';

const expected = Number(process.argv[2]);
const seen = new Uint8Array(expected);
let distinct = 0;
let repeats = 0;
let other = 0;
let lastAt = 0;

// EventTime (ext type 0) is left as bytes: the bench needs the records, not their times
const extensionCodec = new ExtensionCodec();
extensionCodec.register({ type: 0, encode: () => null, decode: () => 0 });

function count(record) {
  const seq = Number(String(record?.message).slice(0, 10));
  if (!Number.isInteger(seq) || seq < 0 || seq >= expected) return void other++;
  if (seen[seq]) repeats++;
  else {
    seen[seq] = 1;
    distinct++;
  }
}

/** Calls `onMessage` with the first 10 bytes of each entry's `message` (a PackedForward body). */
function walkEntries(body, onMessage) {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  // returns the [start, end) of a str at `at` and moves past it, or null (and moves past) for another type
  const skip = () => {
    const b = body[at++];
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return null;
    if ((b & 0xe0) === 0xa0) return str(b & 0x1f);
    if ((b & 0xf0) === 0x80) return void repeat((b & 0x0f) * 2);
    if ((b & 0xf0) === 0x90) return void repeat(b & 0x0f);
    switch (b) {
      case 0xd9: return str(body[at++]);
      case 0xda: at += 2; return str(view.getUint16(at - 2));
      case 0xdb: at += 4; return str(view.getUint32(at - 4));
      case 0xc4: at += 1 + body[at]; return null;
      case 0xc5: at += 2 + view.getUint16(at); return null;
      case 0xc6: at += 4 + view.getUint32(at); return null;
      case 0xc7: at += 2 + body[at]; return null;
      case 0xc8: at += 3 + view.getUint16(at); return null;
      case 0xc9: at += 5 + view.getUint32(at); return null;
      case 0xca: at += 4; return null;
      case 0xcb: at += 8; return null;
      case 0xcc: case 0xd0: at += 1; return null;
      case 0xcd: case 0xd1: at += 2; return null;
      case 0xce: case 0xd2: at += 4; return null;
      case 0xcf: case 0xd3: at += 8; return null;
      case 0xd4: at += 2; return null;
      case 0xd5: at += 3; return null;
      case 0xd6: at += 5; return null;
      case 0xd7: at += 9; return null;
      case 0xd8: at += 17; return null;
      case 0xdc: at += 2; return void repeat(view.getUint16(at - 2));
      case 0xdd: at += 4; return void repeat(view.getUint32(at - 4));
      case 0xde: at += 2; return void repeat(view.getUint16(at - 2) * 2);
      case 0xdf: at += 4; return void repeat(view.getUint32(at - 4) * 2);
      default: throw new Error(`not msgpack: byte 0x${b.toString(16)} at ${at - 1}`);
    }
  };
  const str = (length) => {
    at += length;
    return [at - length, at];
  };
  const repeat = (n) => {
    for (let i = 0; i < n; i++) skip();
  };
  while (at < body.length) {
    if (body[at++] !== 0x92) throw new Error('an entry is not [time, record]');
    skip();
    const m = body[at++];
    const pairs = (m & 0xf0) === 0x80 ? m & 0x0f : m === 0xde ? ((at += 2), view.getUint16(at - 2)) : ((at += 4), view.getUint32(at - 4));
    let message = null;
    for (let i = 0; i < pairs; i++) {
      const key = skip();
      const value = skip();
      if (key && value && key[1] - key[0] === 7 && body.latin1Slice(key[0], key[1]) === 'message') message = body.latin1Slice(value[0], Math.min(value[1], value[0] + 10));
    }
    onMessage(message);
  }
}

function accept(message, socket) {
  const [, second, third, fourth] = message;
  let option;
  if (second instanceof Uint8Array) {
    option = third;
    const body = Buffer.from(second.buffer, second.byteOffset, second.byteLength);
    walkEntries(option?.compressed === 'gzip' ? zlib.gunzipSync(body) : body, (text) => count({ message: text }));
  } else if (Array.isArray(second)) {
    option = third;
    for (const entry of second) count(entry[1]);
  } else {
    option = fourth;
    count(third);
  }
  lastAt = performance.timeOrigin + performance.now();
  if (option?.chunk !== undefined) socket.write(encode({ ack: option.chunk }));
}

const server = net.createServer((socket) => {
  socket.on('error', () => {});
  void (async () => {
    try {
      for await (const message of decodeMultiStream(socket, { extensionCodec })) accept(message, socket);
    } catch {
      /* the client went away mid-message */
    }
  })();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${server.address().port}\n`));

let reported = '';
setInterval(() => {
  const line = `COUNT ${distinct} ${repeats} ${other} ${lastAt.toFixed(3)}\n`;
  if (line !== reported) process.stdout.write(line);
  reported = line;
}, 20);
