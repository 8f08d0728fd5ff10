// Python's shlex.shlex in its default non-POSIX mode, as 4.2.5's dict_of_key_value_pairs uses it
// for environment=. Ported state for state: which characters end a token, and that quotes stay in
// the token, decide which values users actually get.
import { PyValueError } from './python.js';

const WORD_CHARS = new Set(
  'abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'.split(''),
);
const WHITESPACE = ' \t\r\n';
const QUOTES = '\'"';
const COMMENTERS = '#';

/** Tokenizes like `list(shlex.shlex(text))` with `extraWordChars` added to wordchars. */
export function shlexTokens(text: string, extraWordChars = ''): string[] {
  const wordChars = new Set([...WORD_CHARS, ...extraWordChars]);
  const chars = [...text];
  let pos = 0;
  const read = (): string => (pos < chars.length ? chars[pos++]! : '');
  const skipLine = () => {
    while (pos < chars.length && chars[pos++] !== '\n');
  };
  const pushback: string[] = [];
  let state: string | null = ' ';

  const readToken = (): string => {
    let token = '';
    for (;;) {
      const next = read();
      if (state === null) return '';
      if (state === ' ') {
        if (!next) {
          state = null;
          break;
        } else if (WHITESPACE.includes(next)) {
          if (token) break;
        } else if (COMMENTERS.includes(next)) {
          skipLine();
        } else if (wordChars.has(next)) {
          token = next;
          state = 'a';
        } else if (QUOTES.includes(next)) {
          token = next;
          state = next;
        } else {
          token = next;
          break;
        }
      } else if (QUOTES.includes(state)) {
        if (!next) throw new PyValueError('No closing quotation');
        token += next;
        if (next === state) {
          state = ' ';
          break;
        }
      } else {
        // word state
        if (!next) {
          state = null;
          break;
        } else if (WHITESPACE.includes(next)) {
          state = ' ';
          if (token) break;
        } else if (COMMENTERS.includes(next)) {
          skipLine();
        } else if (wordChars.has(next) || QUOTES.includes(next)) {
          token += next;
        } else {
          pushback.unshift(next);
          state = ' ';
          if (token) break;
        }
      }
    }
    return token;
  };

  const tokens: string[] = [];
  for (;;) {
    const token = pushback.length ? pushback.shift()! : readToken();
    if (token === '') return tokens;
    tokens.push(token);
  }
}
