// The daemon's own stdout and stderr, each with its one OrderedWriter. Descriptors are the
// process's, so the writers are too: they live across reloads, and everything the daemon writes
// there (the main log, child logs aimed at them, plugins) goes through them.
import fs from 'node:fs';
import { OrderedWriter, type OrderedWriterLimits, type OrderedWriterStats, type WriterReport } from './ordered-writer.js';

const NAMES: Record<1 | 2, string> = { 1: "supervisord's stdout", 2: "supervisord's stderr" };

const writers = new Map<number, OrderedWriter>();

function sameFile(a: fs.Stats | null, b: fs.Stats | null): boolean {
  return a !== null && b !== null && a.dev === b.dev && a.ino === b.ino;
}

function statOf(fd: number): fs.Stats | null {
  try {
    return fs.fstatSync(fd);
  } catch {
    return null;
  }
}

/**
 * The writer of fd 1 or 2. When both are the same file (`2>&1`), they share one writer, so lines
 * sent to either keep their order and are never cut by each other.
 */
export function daemonOutput(fd: 1 | 2): OrderedWriter {
  let writer = writers.get(fd);
  if (writer) return writer;
  if (fd === 2 && sameFile(statOf(1), statOf(2))) writer = daemonOutput(1);
  else writer = new OrderedWriter(fd, NAMES[fd]);
  writers.set(fd, writer);
  return writer;
}

// The daemon's own descriptors by name, as child log paths name them.
const OWN_DESCRIPTOR = /^\/(?:dev\/(?:fd\/([12])|(stdout)|(stderr))|proc\/(?:self|(\d+))\/fd\/([12]))$/;

/**
 * The writer a child log path must go through because it is the daemon's stdout or stderr: by name
 * (`/dev/stdout`, `/dev/fd/2`, `/proc/self/fd/1`, `/proc/<our pid>/fd/1`) or because it is the very
 * file one of them is (stdout redirected to that file). Opening such a path again would give a
 * second file offset that the daemon's own writes overwrite. Null for any other path.
 */
export function daemonOutputFor(file: string): OrderedWriter | null {
  const match = OWN_DESCRIPTOR.exec(file);
  if (match && (match[4] === undefined || Number(match[4]) === process.pid)) {
    const fd = match[2] || match[1] === '1' || match[5] === '1' ? 1 : 2;
    return statOf(fd) === null ? null : daemonOutput(fd);
  }
  let target: fs.Stats;
  try {
    target = fs.statSync(file);
  } catch {
    return null;
  }
  // /dev/null and the like are shared by everyone: only files and pipes are "the same output"
  if (target.isCharacterDevice() && !isTerminal(target)) return null;
  for (const fd of [1, 2] as const) if (sameFile(target, statOf(fd))) return daemonOutput(fd);
  return null;
}

function isTerminal(stat: fs.Stats): boolean {
  // pseudo-terminals (136-143) and virtual consoles (4): a terminal's name is as good as fd 1
  const major = Math.floor(stat.rdev / 256) & 0xfff;
  return major === 4 || major === 5 || (major >= 136 && major <= 143);
}

/** Per run: where spool files go (childlogdir), how large they may grow, and who hears of trouble. */
export function configureDaemonOutput(options: { spoolDir: string; limits?: Partial<OrderedWriterLimits>; report: WriterReport }): void {
  for (const fd of [1, 2] as const) daemonOutput(fd).configure(options);
}

/** Each writer's counts, once: a writer shared by both descriptors (`2>&1`) is reported as stdout. */
export function daemonOutputStats(): { stream: 'stdout' | 'stderr'; stats: OrderedWriterStats }[] {
  const out = daemonOutput(1);
  const err = daemonOutput(2);
  return err === out ? [{ stream: 'stdout', stats: out.stats }] : [{ stream: 'stdout', stats: out.stats }, { stream: 'stderr', stats: err.stats }];
}

/** At exit: everything accepted is written, while the readers keep reading (see OrderedWriter.drain). */
export async function drainDaemonOutput(stallMs: number): Promise<void> {
  await Promise.all([...new Set(writers.values())].map((writer) => writer.drain(stallMs)));
}
