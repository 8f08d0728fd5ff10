// Python's `format % mapping` as 4.2.5's expand() uses it, with Python's exact error texts, so a
// bad %-expression in a config is rejected with the message 4.2.5 prints.
import { PyValueError, comparePy, pyAscii, pyDictRepr, pyRepr, pyStr, pyValueRepr, type PyValue } from './python.js';

/** The expansion dictionary; insertion order matters only for the bare "%s" quirk. */
export type Expansions = Map<string, PyValue>;

class FormatKeyError extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

interface Spec {
  flags: Set<string>;
  width: number | null;
  precision: number | null;
}

function pad(body: string, spec: Spec, zeroPadAllowed: boolean, signLength: number): string {
  const width = spec.width ?? 0;
  const length = [...body].length;
  if (length >= width) return body;
  const fill = width - length;
  if (spec.flags.has('-')) return body + ' '.repeat(fill);
  if (zeroPadAllowed && spec.flags.has('0')) {
    return body.slice(0, signLength) + '0'.repeat(fill) + body.slice(signLength);
  }
  return ' '.repeat(fill) + body;
}

/**
 * Largest width or precision accepted. Python refuses one only past sys.maxsize ("width too big")
 * and pads to anything below; a JS string cannot hold that (RangeError) and no config needs a
 * field of a million characters, so past this one the same message is given.
 */
export const MAX_FORMAT_FIELD = 1 << 20;

function fieldSize(value: number, what: 'width' | 'precision'): number {
  if (value > MAX_FORMAT_FIELD) throw new PyValueError(`${what} too big`);
  return value;
}

// toFixed/toExponential stop at 100 digits; the values expanded are integers, whose further
// digits are all zeros, as Python prints them
function toFixed(x: number, digits: number): string {
  return digits <= 100 ? x.toFixed(digits) : x.toFixed(100) + '0'.repeat(digits - 100);
}

function toExponential(x: number, digits: number): string {
  if (digits <= 100) return x.toExponential(digits);
  const [mantissa, exponent] = x.toExponential(100).split('e') as [string, string];
  return `${mantissa}${'0'.repeat(digits - 100)}e${exponent}`;
}

function signOf(n: number, spec: Spec): string {
  if (n < 0) return '-';
  if (spec.flags.has('+')) return '+';
  if (spec.flags.has(' ')) return ' ';
  return '';
}

function formatInteger(n: number, conversion: string, spec: Spec): string {
  const radix = conversion === 'o' ? 8 : conversion === 'x' || conversion === 'X' ? 16 : 10;
  let digits = Math.abs(Math.trunc(n)).toString(radix);
  if (conversion === 'X') digits = digits.toUpperCase();
  if (spec.precision !== null && digits.length < spec.precision) {
    digits = '0'.repeat(spec.precision - digits.length) + digits;
  }
  let prefix = '';
  if (spec.flags.has('#') && radix !== 10) prefix = conversion === 'o' ? '0o' : conversion === 'x' ? '0x' : '0X';
  const sign = signOf(n, spec);
  return pad(sign + prefix + digits, spec, true, sign.length + prefix.length);
}

function formatFloat(n: number, conversion: string, spec: Spec): string {
  const precision = spec.precision ?? 6;
  const abs = Math.abs(n);
  let body: string;
  const lower = conversion.toLowerCase();
  if (lower === 'f') body = toFixed(abs, precision);
  else if (lower === 'e') body = toExponential(abs, precision).replace(/e([+-])(\d)$/, 'e$10$2');
  else {
    const p = precision === 0 ? 1 : precision;
    const exponent = abs === 0 ? 0 : Math.floor(Math.log10(abs));
    if (exponent < -4 || exponent >= p) {
      body = toExponential(abs, p - 1).replace(/e([+-])(\d)$/, 'e$10$2');
      if (!spec.flags.has('#')) body = body.replace(/\.?0+e/, 'e');
    } else {
      body = toFixed(abs, Math.max(0, p - 1 - exponent));
      if (!spec.flags.has('#') && body.includes('.')) body = body.replace(/\.?0+$/, '');
    }
  }
  if (conversion === 'E' || conversion === 'G' || conversion === 'F') body = body.toUpperCase();
  const sign = signOf(n, spec);
  return pad(sign + body, spec, true, sign.length);
}

function typeName(v: PyValue | Expansions): string {
  if (v instanceof Map) return 'dict';
  return typeof v === 'number' ? 'int' : 'str';
}

function convert(arg: PyValue | Expansions, conversion: string, spec: Spec, index: number): string {
  switch (conversion) {
    case 's':
    case 'r':
    case 'a': {
      let text: string;
      if (arg instanceof Map) text = pyDictRepr(arg);
      else if (conversion === 's') text = pyStr(arg);
      else if (conversion === 'r') text = pyValueRepr(arg);
      else text = typeof arg === 'number' ? String(arg) : pyAscii(arg);
      if (spec.precision !== null) text = [...text].slice(0, spec.precision).join('');
      return pad(text, spec, false, 0);
    }
    case 'd':
    case 'i':
    case 'u':
      if (typeof arg !== 'number') {
        throw new PyValueError(`%${conversion} format: a real number is required, not ${typeName(arg)}`);
      }
      return formatInteger(arg, conversion, spec);
    case 'o':
    case 'x':
    case 'X':
      if (typeof arg !== 'number') {
        throw new PyValueError(`%${conversion} format: an integer is required, not ${typeName(arg)}`);
      }
      return formatInteger(arg, conversion, spec);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (typeof arg !== 'number') throw new PyValueError(`must be real number, not ${typeName(arg)}`);
      return formatFloat(arg, conversion, spec);
    case 'c': {
      let ch: string;
      if (typeof arg === 'number') {
        if (arg < 0 || arg > 0x10ffff) throw new PyValueError('%c arg not in range(0x110000)');
        ch = String.fromCodePoint(arg);
      }
      else if (typeof arg === 'string' && [...arg].length === 1) ch = arg;
      else throw new PyValueError('%c requires int or char');
      return pad(ch, spec, false, 0);
    }
    default: {
      const cp = conversion.codePointAt(0)!;
      const shown = cp >= 31 && cp <= 126 ? conversion : '?';
      throw new PyValueError(`unsupported format character '${shown}' (0x${cp.toString(16)}) at index ${index}`);
    }
  }
}

/**
 * Python `fmt % mapping`. Throws FormatKeyError for an unknown name and PyValueError for any
 * other failure (Python's ValueError and TypeError texts).
 */
function percentFormat(fmt: string, mapping: Expansions): string {
  const cps = [...fmt];
  const n = cps.length;
  let out = '';
  // Python's argument cursor for specs without a (name): the whole dict, usable once.
  let args: PyValue | Expansions = mapping;
  let argIndex = -2;
  const nextArg = (): PyValue | Expansions => {
    if (argIndex < -1) {
      argIndex++;
      return args;
    }
    throw new PyValueError('not enough arguments for format string');
  };
  let i = 0;
  while (i < n) {
    const c = cps[i]!;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    if (i < n && cps[i] === '%') {
      out += '%';
      i++;
      continue;
    }
    if (i < n && cps[i] === '(') {
      i++;
      let depth = 1;
      const keyStart = i;
      while (depth > 0 && i < n) {
        if (cps[i] === '(') depth++;
        else if (cps[i] === ')') depth--;
        i++;
      }
      if (depth > 0) throw new PyValueError('incomplete format key');
      const key = cps.slice(keyStart, i - 1).join('');
      const value = mapping.get(key);
      if (value === undefined) throw new FormatKeyError(key);
      args = value;
      argIndex = -2;
    }
    const spec: Spec = { flags: new Set(), width: null, precision: null };
    while (i < n && '-+ #0'.includes(cps[i]!)) spec.flags.add(cps[i++]!);
    if (i < n && cps[i] === '*') {
      const w = nextArg();
      if (typeof w !== 'number') throw new PyValueError('* wants int');
      spec.width = fieldSize(Math.abs(w), 'width');
      if (w < 0) spec.flags.add('-');
      i++;
    } else {
      let digits = '';
      while (i < n && /[0-9]/.test(cps[i]!)) digits += cps[i++];
      if (digits) spec.width = fieldSize(Number(digits), 'width');
    }
    if (i < n && cps[i] === '.') {
      i++;
      if (i < n && cps[i] === '*') {
        const p = nextArg();
        if (typeof p !== 'number') throw new PyValueError('* wants int');
        spec.precision = fieldSize(Math.max(0, p), 'precision');
        i++;
      } else {
        let digits = '';
        while (i < n && /[0-9]/.test(cps[i]!)) digits += cps[i++];
        spec.precision = digits ? fieldSize(Number(digits), 'precision') : 0;
      }
    }
    if (i < n && 'hlL'.includes(cps[i]!)) i++;
    if (i >= n) throw new PyValueError('incomplete format');
    const conversion = cps[i]!;
    const index = i;
    i++;
    // Python takes the argument before it looks at the conversion, so a '%' reached here ("%5%")
    // fails with "not enough arguments" once the mapping is used up, else as unsupported
    out += convert(nextArg(), conversion, spec, index);
  }
  return out;
}

/** 4.2.5's expand(): `s % expansions`, with its two error messages naming the value and the key. */
export function expand(s: string, expansions: Expansions, name: string): string {
  try {
    return percentFormat(s, expansions);
  } catch (e) {
    if (e instanceof FormatKeyError) {
      const available = [...expansions.keys()].sort(comparePy).join(', ');
      throw new PyValueError(
        `Format string ${pyRepr(s)} for ${pyRepr(name)} contains names (${pyRepr(e.key)}) which cannot be expanded. Available names: ${available}`,
      );
    }
    if (e instanceof PyValueError) {
      throw new PyValueError(`Format string ${pyRepr(s)} for ${pyRepr(name)} is badly formatted: ${e.message}`);
    }
    throw e;
  }
}
