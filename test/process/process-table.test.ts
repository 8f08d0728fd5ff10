// The /proc pass behind memory_limit and the web page's sparklines: a program's tree is the
// program and its descendants (found by parent pid), its memory the sum of theirs, and pids of
// other trees are not counted, in this pass or in the later ones that skip them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { pageSize, ProcessTable } from '../../src/process/process-table.js';
import { waitFor } from '../helpers/daemon.js';

/** ppid and rss pages of a pid, read the plain way */
function statOf(pid: number): { ppid: number; rssPages: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), rssPages: Number(fields[21]) };
}

test('a tree is the process and its descendants; another tree is not counted, in the first pass or the next ones', async (t) => {
  // a shell with two children, and a shell of its own beside it
  const tree = spawn('/bin/sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
  const other = spawn('/bin/sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
  t.after(() => {
    for (const child of [tree, other]) {
      for (const line of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
        try {
          if (statOf(Number(line)).ppid === child.pid) process.kill(Number(line), 'SIGKILL');
        } catch {
          // gone already
        }
      }
      child.kill('SIGKILL');
    }
  });
  const children = (pid: number): number[] =>
    fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => {
      try {
        return statOf(p).ppid === pid;
      } catch {
        return false;
      }
    });
  await waitFor(() => children(tree.pid!).length === 2 && children(other.pid!).length === 1, 10_000, 'both shells started their sleeps');

  const table = new ProcessTable();
  for (let pass = 0; pass < 3; pass++) {
    const usage = table.read([tree.pid!]);
    const members = [tree.pid!, ...children(tree.pid!)];
    const expected = members.reduce((sum, pid) => sum + statOf(pid).rssPages, 0) * pageSize();
    const got = usage.get(tree.pid!);
    assert.ok(got, `pass ${pass}: the tree is read`);
    assert.equal(got.processes, 3, `pass ${pass}: the shell and its two sleeps`);
    // rss moves a little between two reads: within a page per process
    assert.ok(Math.abs(got.rss - expected) <= 3 * pageSize() * 4, `pass ${pass}: ${got.rss} against ${expected}`);
    assert.equal(usage.has(other.pid!), false);
  }
  // the other tree, asked for in a later pass, is read although an earlier pass found it foreign
  const both = table.read([tree.pid!, other.pid!]);
  assert.equal(both.get(other.pid!)?.processes, 2);
  assert.equal(both.get(tree.pid!)?.processes, 3);
});

test('a root that is gone is absent from the result', () => {
  const table = new ProcessTable();
  // pid_max is at most 2^22: this pid does not exist
  assert.equal(table.read([4_194_304 + 7]).size, 0);
  assert.equal(table.read([]).size, 0);
});
