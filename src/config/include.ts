// [include] files=: Python's glob.glob (no "**" recursion; names starting with "." only match
// a pattern starting with "."), each pattern relative to the main file, matches read sorted.
import fs from 'node:fs';
import { joinPath } from './datatypes.js';
import { comparePy } from './python.js';

const MAGIC = /[*?[]/;

/** Escapes what is special inside a character class: backslash, `]` (a leading one is literal in Python's re), hyphen. */
function classText(text: string[]): string {
  return text.join('').replace(/[\\\]-]/g, (m) => '\\' + m);
}

/**
 * `[...]` as Python 3.11's fnmatch.translate makes it: the text between the brackets (chars[i..j))
 * is split at the hyphens that make ranges, a range whose ends are out of order is dropped (Python
 * removes it; a RegExp would not compile), an empty class never matches and `[!]` matches anything.
 */
function bracketExpression(chars: string[], start: number, end: number): string {
  let i = start;
  let stuff: string;
  if (!chars.slice(start, end).includes('-')) {
    stuff = classText(chars.slice(start, end));
  } else {
    const chunks: string[][] = [];
    let k = chars[i] === '!' ? i + 2 : i + 1;
    for (;;) {
      k = k < end ? chars.indexOf('-', k) : -1;
      if (k < 0 || k >= end) break;
      chunks.push(chars.slice(i, k));
      i = k + 1;
      k += 3;
    }
    const chunk = chars.slice(i, end);
    if (chunk.length > 0) chunks.push(chunk);
    else chunks[chunks.length - 1]!.push('-');
    for (let m = chunks.length - 1; m > 0; m--) {
      const before = chunks[m - 1]!;
      const after = chunks[m]!;
      const last = before[before.length - 1];
      if (last !== undefined && after[0] !== undefined && last.codePointAt(0)! > after[0].codePointAt(0)!) {
        chunks[m - 1] = [...before.slice(0, -1), ...after.slice(1)];
        chunks.splice(m, 1);
      }
    }
    stuff = chunks.map(classText).join('-');
  }
  if (stuff === '') return '(?!)';
  if (stuff === '!') return '[\\s\\S]';
  if (stuff.startsWith('!')) return `[^${stuff.slice(1)}]`;
  if (stuff.startsWith('^')) return `[\\${stuff}]`;
  return `[${stuff}]`;
}

/** Python fnmatch.translate for one path component. */
export function fnmatchRegExp(pattern: string): RegExp {
  const chars = [...pattern];
  let re = '';
  let i = 0;
  while (i < chars.length) {
    const c = chars[i++]!;
    if (c === '*') {
      re += '[\\s\\S]*';
    } else if (c === '?') {
      re += '[\\s\\S]';
    } else if (c === '[') {
      let j = i;
      if (j < chars.length && chars[j] === '!') j++;
      if (j < chars.length && chars[j] === ']') j++;
      while (j < chars.length && chars[j] !== ']') j++;
      if (j >= chars.length) {
        re += '\\[';
      } else {
        re += bracketExpression(chars, i, j);
        i = j + 1;
      }
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, (m) => '\\' + m);
    }
  }
  return new RegExp(`^(?:${re})$`, 'u');
}

function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Python os.path.split. */
function splitPath(p: string): [string, string] {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return [head, p.slice(i)];
}

function listMatching(dirname: string, pattern: string, dirsOnly: boolean): string[] {
  let names: string[];
  try {
    names = fs
      .readdirSync(dirname || '.', { withFileTypes: true })
      .filter((e) => !dirsOnly || e.isDirectory() || (e.isSymbolicLink() && isDir(joinPath(dirname || '.', e.name))))
      .map((e) => e.name);
  } catch {
    return [];
  }
  if (!pattern.startsWith('.')) names = names.filter((n) => !n.startsWith('.'));
  const re = fnmatchRegExp(pattern);
  return names.filter((n) => re.test(n));
}

function iglob(pattern: string, dirsOnly: boolean): string[] {
  const [dirname, basename] = splitPath(pattern);
  if (!MAGIC.test(pattern)) {
    if (basename) return lexists(pattern) ? [pattern] : [];
    return isDir(dirname) ? [pattern] : [];
  }
  if (!dirname) return listMatching('', basename, dirsOnly);
  const dirs = dirname !== pattern && MAGIC.test(dirname) ? iglob(dirname, true) : [dirname];
  const out: string[] = [];
  for (const dir of dirs) {
    if (MAGIC.test(basename)) {
      for (const name of listMatching(dir, basename, dirsOnly)) out.push(joinPath(dir, name));
    } else if (basename ? lexists(joinPath(dir, basename)) : isDir(dir)) {
      out.push(joinPath(dir, basename));
    }
  }
  return out;
}

/** Python sorted(glob.glob(pattern)) for an absolute pattern. */
export function globSorted(pattern: string): string[] {
  return iglob(pattern, false).sort(comparePy);
}
