// [include] files=: Python's glob.glob (no "**" recursion; names starting with "." only match
// a pattern starting with "."), each pattern relative to the main file, matches read sorted.
import fs from 'node:fs';
import { joinPath } from './datatypes.js';
import { comparePy } from './python.js';

const MAGIC = /[*?[]/;

/** Python fnmatch.translate for one path component. */
function fnmatchRegExp(pattern: string): RegExp {
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
        let body = chars.slice(i, j).join('');
        i = j + 1;
        let negate = false;
        if (body.startsWith('!')) {
          negate = true;
          body = body.slice(1);
        }
        const escaped = body.replace(/[\\\]^[]/g, (m) => '\\' + m);
        re += `[${negate ? '^' : ''}${escaped}]`;
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
