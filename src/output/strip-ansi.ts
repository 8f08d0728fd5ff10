// 4.2.5's stripEscapes (strip_ansi=true): drops ESC [ ... up to and including a terminator letter.

const ESCAPE_BEGIN = Buffer.from('\x1b[');
const TERMINATORS = new Set(Buffer.from('HfABCDRsuJKhlpm'));

/** Same bytes out as 4.2.5 for the same chunk (an escape cut by a chunk boundary is handled per chunk, as there). */
export function stripEscapes(data: Buffer): Buffer {
  let next = data.indexOf(ESCAPE_BEGIN);
  if (next === -1) return data;
  const parts: Buffer[] = [];
  let i = 0;
  while (next !== -1) {
    parts.push(data.subarray(i, next));
    i = next + 1;
    while (i < data.length && !TERMINATORS.has(data[i] as number)) i += 1;
    i += 1;
    if (i >= data.length) return Buffer.concat(parts);
    next = data.indexOf(ESCAPE_BEGIN, i);
  }
  parts.push(data.subarray(i));
  return Buffer.concat(parts);
}
