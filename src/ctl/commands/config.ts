// reread, avail, add, remove, update: config changes on the server (no up-check, as in 4.2.5).
import { FAULT_CODES } from '../../process/faults.js';
import type { Command, Controller } from '../controller.js';
import { rejectArgs } from './reject-args.js';
import { EXIT } from '../exit-status.js';
import { availLine, type ConfigInfoRow } from '../format.js';
import { RpcFault } from '../python-errors.js';
import type { RpcClient } from '../rpc-client.js';
import type { ProcessInfo } from '../status-json.js';
import { words } from '../words.js';

const F = FAULT_CODES;
const CANT_REREAD = 92;
const ALREADY_ADDED = 90;
const STILL_RUNNING = 91;

type Changes = [added: string[], changed: string[], removed: string[]];

function isFault(err: unknown, code: number): err is RpcFault {
  return err instanceof RpcFault && err.faultCode === code;
}

export const reread: Command = {
  name: 'reread',
  help: "reread \t\t\tReload the daemon's configuration files without add/remove",
  async run(ctl, arg) {
    if (rejectArgs(ctl, reread, arg)) return;
    let changes: Changes;
    const rpc = ctl.ownConnection();
    try {
      [changes] = await rpc.call<[Changes]>('supervisor.reloadConfig');
    } catch (err) {
      if (err instanceof RpcFault) ctl.exitstatus = EXIT.GENERIC;
      if (isFault(err, F.SHUTDOWN_STATE)) ctl.output('ERROR: supervisor shutting down');
      else if (isFault(err, CANT_REREAD)) ctl.output(`ERROR: ${err.faultString}`);
      else throw err;
      return;
    } finally {
      rpc.close();
    }
    const [added, changed, removed] = changes;
    const labels = new Map<string, string>();
    for (const [names, label] of [[added, 'available'], [changed, 'changed'], [removed, 'disappeared']] as const) {
      for (const name of names) labels.set(name, label);
    }
    if (labels.size === 0) ctl.output('No config updates to processes');
    for (const name of [...labels.keys()].sort()) ctl.output(`${name}: ${labels.get(name)}`);
  },
};

export const avail: Command = {
  name: 'avail',
  help: 'avail\t\t\tDisplay all configured processes',
  async run(ctl, arg) {
    if (rejectArgs(ctl, avail, arg)) return;
    let infos: ConfigInfoRow[];
    try {
      infos = await ctl.rpc().call<ConfigInfoRow[]>('supervisor.getAllConfigInfo');
    } catch (err) {
      if (err instanceof RpcFault) ctl.exitstatus = EXIT.GENERIC;
      if (!isFault(err, F.SHUTDOWN_STATE)) throw err;
      ctl.output('ERROR: supervisor shutting down');
      return;
    }
    for (const info of infos) ctl.output(availLine(info));
  },
};

export const add: Command = {
  name: 'add',
  completes: 'groups',
  help: 'add <name> [...]\tActivates any updates in config for process/group',
  async run(ctl, arg) {
    const rpc = ctl.rpc();
    for (const name of words(arg)) {
      try {
        await rpc.call('supervisor.addProcessGroup', name);
        ctl.output(`${name}: added process group`);
      } catch (err) {
        if (isFault(err, F.SHUTDOWN_STATE)) {
          ctl.output('ERROR: shutting down');
          ctl.exitstatus = EXIT.GENERIC;
        } else if (isFault(err, ALREADY_ADDED)) {
          ctl.output('ERROR: process group already active');
        } else if (isFault(err, F.BAD_NAME)) {
          ctl.output(`ERROR: no such process/group: ${name}`);
          ctl.exitstatus = EXIT.GENERIC;
        } else {
          if (err instanceof RpcFault) ctl.exitstatus = EXIT.GENERIC;
          throw err;
        }
      }
    }
  },
};

export const remove: Command = {
  name: 'remove',
  completes: 'groups',
  help: 'remove <name> [...]\tRemoves process/group from active config',
  async run(ctl, arg) {
    const rpc = ctl.rpc();
    for (const name of words(arg)) {
      try {
        await rpc.call('supervisor.removeProcessGroup', name);
        ctl.output(`${name}: removed process group`);
      } catch (err) {
        if (err instanceof RpcFault) ctl.exitstatus = EXIT.GENERIC;
        if (isFault(err, STILL_RUNNING)) ctl.output(`ERROR: process/group still running: ${name}`);
        else if (isFault(err, F.BAD_NAME)) ctl.output(`ERROR: no such process/group: ${name}`);
        else throw err;
      }
    }
  },
};

export const update: Command = {
  name: 'update',
  completes: 'groups',
  help:
    'update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n' +
    'update all\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate <gname> [...]\tUpdate specific groups',
  async run(ctl, arg) {
    // on its own connection: the daemon applies the steps below member by member for the groups
    // whose unchanged members can keep running (docs/operations.md, "Granular update")
    const rpc = ctl.ownConnection();
    try {
      await runUpdate(ctl, rpc, arg);
    } finally {
      rpc.close();
    }
  },
};

async function runUpdate(ctl: Controller, rpc: RpcClient, arg: string): Promise<void> {
  let changes: Changes;
  try {
    [changes] = await rpc.call<[Changes]>('supervisor.reloadConfig');
  } catch (err) {
    if (err instanceof RpcFault) ctl.exitstatus = EXIT.GENERIC;
    if (!isFault(err, F.SHUTDOWN_STATE)) throw err;
    ctl.output('ERROR: already shutting down');
    return;
  }
  const [added, changed, removed] = changes;
  // Python set iteration order is not defined; 4.2.5 prints unknown names in that order
  let wanted = new Set(words(arg));
  if (wanted.has('all')) wanted = new Set();
  if (wanted.size > 0) {
    const groups = new Set((await rpc.call<ProcessInfo[]>('supervisor.getAllProcessInfo')).map((i) => i.group));
    for (const name of added) groups.add(name);
    for (const name of wanted) {
      if (!groups.has(name)) {
        ctl.output(`ERROR: no such group: ${name}`);
        ctl.exitstatus = EXIT.GENERIC;
      }
    }
  }
  const selected = (name: string): boolean => wanted.size === 0 || wanted.has(name);
  for (const name of removed.filter(selected)) {
    const results = await rpc.call<Array<{ status: number }>>('supervisor.stopProcessGroup', name);
    ctl.output(`${name}: stopped`);
    if (results.some((r) => r.status === F.FAILED)) {
      ctl.output(`${name}: has problems; not removing`);
      ctl.exitstatus = EXIT.GENERIC;
      continue;
    }
    await rpc.call('supervisor.removeProcessGroup', name);
    ctl.output(`${name}: removed process group`);
  }
  for (const name of changed.filter(selected)) {
    await rpc.call('supervisor.stopProcessGroup', name);
    ctl.output(`${name}: stopped`);
    await rpc.call('supervisor.removeProcessGroup', name);
    await rpc.call('supervisor.addProcessGroup', name);
    ctl.output(`${name}: updated process group`);
  }
  for (const name of added.filter(selected)) {
    await rpc.call('supervisor.addProcessGroup', name);
    ctl.output(`${name}: added process group`);
  }
}
