// Text layouts of 4.2.5's supervisorctl: namespecs, status and avail lines, help columns.

/** `name` when the group has the process's name, else `group:name`. */
export function makeNamespec(group: string, name: string): string {
  return group === name ? name : `${group}:${name}`;
}

/** 4.2.5's split_namespec: `g:` and `g:*` mean the whole group (process null). */
export function splitNamespec(namespec: string): { group: string; process: string | null } {
  const colon = namespec.indexOf(':');
  if (colon < 0) return { group: namespec, process: namespec };
  const process = namespec.slice(colon + 1);
  return { group: namespec.slice(0, colon), process: process === '' || process === '*' ? null : process };
}

/** Python's `%-Ns`: pads by code points. */
export function ljust(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : text + ' '.repeat(width - length);
}

export interface StatusRow {
  group: string;
  name: string;
  statename: string;
  description: string;
}

/** The name column is as wide as the longest namespec (at least 30) plus 3. */
export function statusLines(rows: readonly StatusRow[]): string[] {
  const namespecs = rows.map((r) => makeNamespec(r.group, r.name));
  const width = Math.max(30, ...namespecs.map((n) => [...n].length)) + 3;
  return rows.map((r, i) => ljust(namespecs[i]!, width) + ljust(r.statename, 10) + r.description);
}

export interface ConfigInfoRow {
  group: string;
  name: string;
  inuse: boolean;
  autostart: boolean;
  group_prio: number;
  process_prio: number;
}

export function availLine(info: ConfigInfoRow): string {
  return [
    ljust(makeNamespec(info.group, info.name), 32),
    ljust(info.inuse ? 'in use' : 'avail', 9),
    ljust(info.autostart ? 'auto' : 'manual', 9),
    `${info.group_prio}:${info.process_prio}`,
  ].join(' ');
}

/** Python cmd.Cmd.columnize: as few rows as fit in `width`, columns two spaces apart. */
export function columnize(items: readonly string[], width = 79): string[] {
  if (items.length === 0) return ['<empty>'];
  if (items.length === 1) return [items[0]!];
  let nrows = 1;
  let colwidths: number[] = [];
  for (; nrows < items.length; nrows++) {
    const ncols = Math.ceil(items.length / nrows);
    colwidths = [];
    let total = -2;
    for (let col = 0; col < ncols; col++) {
      const column = items.slice(col * nrows, col * nrows + nrows);
      const colwidth = Math.max(0, ...column.map((x) => x.length));
      colwidths.push(colwidth);
      total += colwidth + 2;
      if (total > width) break;
    }
    if (total <= width) break;
  }
  if (nrows >= items.length) {
    nrows = items.length;
    colwidths = [0];
  }
  const lines: string[] = [];
  for (let row = 0; row < nrows; row++) {
    const texts: string[] = [];
    for (let col = 0; col < colwidths.length; col++) texts.push(items[row + nrows * col] ?? '');
    while (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
    lines.push(texts.map((t, col) => t.padEnd(colwidths[col]!)).join('  '));
  }
  return lines;
}
