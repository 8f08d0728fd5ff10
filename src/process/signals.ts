// Linux signal numbers and names as Python's signal module (and so 4.2.5's signame) knows them.
import { SIGNAL_ATTRIBUTES } from '../config/datatypes.js';

// One table of numbers for the whole project (the config's, Python's signal module), by bare name.
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(SIGNAL_ATTRIBUTES)
    .filter(([name]) => name.startsWith('SIG') && !name.startsWith('SIG_'))
    .map(([name, number]) => [name.slice(3), number]),
);

// The name 4.2.5 prints for each number: where Python has aliases, the one its dict kept last.
const CANONICAL_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'HUP'], [2, 'INT'], [3, 'QUIT'], [4, 'ILL'], [5, 'TRAP'], [6, 'ABRT'], [7, 'BUS'],
  [8, 'FPE'], [9, 'KILL'], [10, 'USR1'], [11, 'SEGV'], [12, 'USR2'], [13, 'PIPE'], [14, 'ALRM'],
  [15, 'TERM'], [16, 'STKFLT'], [17, 'CHLD'], [18, 'CONT'], [19, 'STOP'], [20, 'TSTP'],
  [21, 'TTIN'], [22, 'TTOU'], [23, 'URG'], [24, 'XCPU'], [25, 'XFSZ'], [26, 'VTALRM'],
  [27, 'PROF'], [28, 'WINCH'], [29, 'POLL'], [30, 'PWR'], [31, 'SYS'], [34, 'RTMIN'], [64, 'RTMAX'],
]);

/**
 * A signal given as a name ("TERM", "SIGTERM", "term") or a number ("15", 15) -> its number;
 * null when unknown.
 */
export function signalNumber(signal: string | number): number | null {
  if (typeof signal === 'number') return Number.isInteger(signal) && signal > 0 && signal <= 64 ? signal : null;
  const text = signal.trim().toUpperCase();
  if (/^\d+$/.test(text)) return signalNumber(Number(text));
  const name = text.startsWith('SIG') ? text.slice(3) : text;
  return SIGNAL_NUMBERS[name] ?? null;
}

/** 4.2.5's signame(): "SIGTERM", or "signal 40" for a number without a name. */
export function describeSignal(signal: number | string): string {
  const number = signalNumber(signal);
  if (number === null) return String(signal);
  const name = CANONICAL_NAMES.get(number);
  return name === undefined ? `signal ${number}` : `SIG${name}`;
}
