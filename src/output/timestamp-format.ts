// Per-line timestamps for child log files (beyond 4.2.5). Formats use letter tokens rather than
// strftime's % so that they survive supervisord.conf's %(name)s expansion unescaped.

export const DEFAULT_TIMESTAMP_FORMAT = 'YYYY-MM-DDTHH:mm:ss.SSSZ';

const TOKEN = /YYYY|MM|DD|HH|mm|ss|SSS|ZZ|Z|\[[^\]]*\]/g;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function offset(date: Date, separator: string): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${separator}${pad(abs % 60)}`;
}

const RENDER: Record<string, (d: Date) => string> = {
  YYYY: (d) => pad(d.getFullYear(), 4),
  MM: (d) => pad(d.getMonth() + 1),
  DD: (d) => pad(d.getDate()),
  HH: (d) => pad(d.getHours()),
  mm: (d) => pad(d.getMinutes()),
  ss: (d) => pad(d.getSeconds()),
  SSS: (d) => pad(d.getMilliseconds(), 3),
  Z: (d) => offset(d, ':'),
  ZZ: (d) => offset(d, ''),
};

/**
 * Turns a format into a function of epoch milliseconds giving the prefix bytes (the formatted time
 * and one space), in local time. Tokens: YYYY MM DD HH mm ss SSS, Z (+01:00), ZZ (+0100);
 * [text] is copied as is; anything else is literal. The default is ISO 8601 with milliseconds.
 * Throws on a format without any token, which is surely a mistake.
 */
export function timestampPrefixer(format: string): (time: number) => Buffer {
  const parts = format.split(TOKEN);
  const tokens = format.match(TOKEN) ?? [];
  if (!tokens.some((t) => !t.startsWith('['))) throw new Error(`timestamp format ${JSON.stringify(format)} has no date or time token`);
  let lastTime = NaN;
  let lastPrefix = Buffer.alloc(0);
  return (time: number): Buffer => {
    // chatty programs write many lines in the same millisecond: format each millisecond once
    if (time === lastTime) return lastPrefix;
    const date = new Date(time);
    let text = parts[0] ?? '';
    tokens.forEach((token, i) => {
      text += (token.startsWith('[') ? token.slice(1, -1) : (RENDER[token] as (d: Date) => string)(date)) + (parts[i + 1] ?? '');
    });
    lastTime = time;
    lastPrefix = Buffer.from(`${text} `);
    return lastPrefix;
  };
}

/**
 * Inserts a prefix at the start of every line of a stream of chunks, without holding any bytes:
 * a line's prefix carries the capture time of its first byte. Work is per line only here, and
 * only for logs that asked for timestamps.
 */
export class LineStampInserter {
  private atLineStart = true;

  constructor(private readonly prefix: (time: number) => Buffer) {}

  /** The chunk as buffers to write in order (the chunk's own bytes are not copied). */
  stamp(chunk: Buffer, time: number): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      if (this.atLineStart) out.push(this.prefix(time));
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      out.push(chunk.subarray(start, end));
      this.atLineStart = newline !== -1;
      start = end;
    }
    return out;
  }
}
