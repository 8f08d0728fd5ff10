// Python 3.11 string and number semantics that 4.2.5's config behaviour leaks into its output:
// str.strip/isspace, repr(), int(), code-point ordering. Ported so messages match byte for byte.

/** A Python ValueError/TypeError raised by a conversion; the loader turns it into a ConfigError. */
export class PyValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PyValueError';
  }
}

const SPACE_CODE_POINTS = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
  0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
  0x205f, 0x3000,
]);

/** Python str.isspace() for one character (differs from JS \s: no U+FEFF, adds U+001C..U+001F, U+0085). */
export function isPySpace(ch: string): boolean {
  return SPACE_CODE_POINTS.has(ch.codePointAt(0) ?? -1);
}

/** Python str.strip() without arguments. */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s[start]!)) start++;
  while (end > start && isPySpace(s[end - 1]!)) end--;
  return s.slice(start, end);
}

export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpace(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/** Python str.strip(chars). */
export function pyStripChars(s: string, chars: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && chars.includes(s[start]!)) start++;
  while (end > start && chars.includes(s[end - 1]!)) end--;
  return s.slice(start, end);
}

const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0');
}

/** Python repr() of a str. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x7f) out += ch;
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      if (cp <= 0xff) out += '\\x' + hex(cp, 2);
      else if (cp <= 0xffff) out += '\\u' + hex(cp, 4);
      else out += '\\U' + hex(cp, 8);
    } else out += ch;
  }
  return out + quote;
}

/** Python ascii() of a str: repr() with every non-ASCII character escaped. */
export function pyAscii(s: string): string {
  let out = '';
  for (const ch of pyRepr(s)) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (cp <= 0xff) out += '\\x' + hex(cp, 2);
    else if (cp <= 0xffff) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out;
}

/** Python's ordering of str values (by code point, not by UTF-16 unit). */
export function comparePy(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function digitsPattern(digitClass: string): RegExp {
  return new RegExp(`^${digitClass}+(?:_${digitClass}+)*$`);
}
const DECIMAL_DIGITS = digitsPattern('[0-9]');
const OCTAL_DIGITS = digitsPattern('[0-7]');

/**
 * Python int(s) (base 10) or int(s, 8): surrounding whitespace, a sign, `_` between digits, and
 * for base 8 an optional 0o prefix. Only ASCII digits (Python also takes other Unicode digits).
 */
export function pyInt(value: string, base: 10 | 8 = 10): number {
  let s = pyStrip(value);
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  let digits = s;
  if (base === 8 && /^0[oO]/.test(s)) {
    digits = s.slice(2);
    if (digits.startsWith('_')) digits = digits.slice(1);
  }
  const pattern = base === 8 ? OCTAL_DIGITS : DECIMAL_DIGITS;
  if (!pattern.test(digits)) {
    // CPython formats it with %.200R: the repr cut to 200 code points
    throw new PyValueError(`invalid literal for int() with base ${base}: ${Array.from(pyRepr(value)).slice(0, 200).join('')}`);
  }
  const n = parseInt(digits.replace(/_/g, ''), base) * sign;
  return n === 0 ? 0 : n;
}

/** A value of a %-expansion dictionary: supervisor only puts str and int there. */
export type PyValue = string | number;

/** Python str() of an expansion value. */
export function pyStr(v: PyValue): string {
  return typeof v === 'number' ? String(v) : v;
}

/** Python repr() of an expansion value. */
export function pyValueRepr(v: PyValue): string {
  return typeof v === 'number' ? String(v) : pyRepr(v);
}

/** Python str() of a dict of str keys, in insertion order: "{'a': 'x', 'n': 3}". */
export function pyDictRepr(d: ReadonlyMap<string, PyValue>): string {
  const parts: string[] = [];
  for (const [k, v] of d) parts.push(`${pyRepr(k)}: ${pyValueRepr(v)}`);
  return `{${parts.join(', ')}}`;
}
