// What bin/supervisord.js runs: the one check that must come before supervisord's own modules are
// loaded (enough file descriptors to load them), then the modules, then main().
import process from 'node:process';
import { ensureDescriptorsToStart } from '../daemon/rlimits.js';
import { reexecWithDaemonFlags } from './daemon-node-flags.js';
import { exitWhenFlushed } from '../util/exit-when-flushed.js';

export async function startSupervisord(progname = process.argv[1] ?? 'supervisord'): Promise<void> {
  const problem = ensureDescriptorsToStart();
  if (problem !== null) {
    process.stderr.write(`Error: ${problem}\nFor help, use ${progname} -h\n`);
    await exitWhenFlushed(2);
  }
  // before the modules load: the process that has them is the one under the daemon's heap flags
  reexecWithDaemonFlags();
  // Node reads all the modules one module imports at once, a descriptor each: loaded in parts,
  // the whole graph needs about half as many at a time, which leaves room under a low `ulimit -n`
  await import('../config/loader.js');
  await import('../process/supervisor.js');
  await import('../rpc/servers.js');
  const { main } = await import('./supervisord.js');
  await main();
}
