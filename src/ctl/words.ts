// Python's str.split() with no separator, which 4.2.5 uses on every command's arguments.
export function words(arg: string): string[] {
  return arg.split(/[\s\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/).filter((w) => w !== '');
}
