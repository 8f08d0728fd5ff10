// start, stop, restart, signal, clear: 4.2.5's per-result messages and exit-code rule.
import { FAULT_CODES } from '../../process/faults.js';
import type { Command, Controller } from '../controller.js';
import { EXIT } from '../exit-status.js';
import { makeNamespec, splitNamespec } from '../format.js';
import { RpcFault, unknownResultCode } from '../python-errors.js';
import { words } from '../words.js';

interface ResultStruct {
  name: string;
  group: string;
  status: number;
  description: string;
}

const F = FAULT_CODES;

function startResult(r: ResultStruct): string {
  const ns = makeNamespec(r.group, r.name);
  const reason: Record<number, string> = {
    [F.BAD_NAME]: 'no such process',
    [F.NO_FILE]: 'no such file',
    [F.NOT_EXECUTABLE]: 'file is not executable',
    [F.ALREADY_STARTED]: 'already started',
    [F.SPAWN_ERROR]: 'spawn error',
    [F.ABNORMAL_TERMINATION]: 'abnormal termination',
  };
  if (r.status === F.SUCCESS) return `${ns}: started`;
  if (reason[r.status]) return `${ns}: ERROR (${reason[r.status]})`;
  throw unknownResultCode(r.status, ns, 761);
}

function signalResult(r: ResultStruct, success = 'signalled', line = 835): string {
  const ns = makeNamespec(r.group, r.name);
  if (r.status === F.BAD_NAME) return `${ns}: ERROR (no such process)`;
  if (r.status === F.BAD_SIGNAL) return `${ns}: ERROR (bad signal name)`;
  if (r.status === F.NOT_RUNNING) return `${ns}: ERROR (not running)`;
  if (r.status === F.SUCCESS) return `${ns}: ${success}`;
  if (r.status === F.FAILED) return r.description;
  throw unknownResultCode(r.status, ns, line);
}

function clearResult(r: ResultStruct): string {
  const ns = makeNamespec(r.group, r.name);
  if (r.status === F.BAD_NAME) return `${ns}: ERROR (no such process)`;
  if (r.status === F.FAILED) return `${ns}: ERROR (failed)`;
  if (r.status === F.SUCCESS) return `${ns}: cleared`;
  throw unknownResultCode(r.status, ns, 1260);
}

/** A fault from a single-process call, as the result struct 4.2.5 builds from it. */
function faultAsResult(fault: RpcFault, namespec: string): ResultStruct {
  const { group, process } = splitNamespec(namespec);
  return { status: fault.faultCode, name: process ?? 'None', group, description: fault.faultString };
}

function reportAll(ctl: Controller, results: ResultStruct[], format: (r: ResultStruct) => string, ignored: number | null): void {
  for (const r of results) {
    ctl.output(format(r));
    ctl.setExitFromFault(r.status, ignored);
  }
}

export const start: Command = {
  name: 'start',
  completes: 'processes',
  help: 'start <name>\t\tStart a process\nstart <gname>:*\t\tStart all processes in a group\nstart <name> <name>\tStart multiple processes or groups\nstart all\t\tStart all processes',
  async run(ctl, arg) {
    if (!(await ctl.upcheck())) return;
    const names = words(arg);
    if (names.length === 0) {
      ctl.output('Error: start requires a process name');
      ctl.exitstatus = EXIT.INVALID_ARGS;
      ctl.output(start.help!);
      return;
    }
    const rpc = ctl.rpc();
    if (names.includes('all')) {
      reportAll(ctl, await rpc.call<ResultStruct[]>('supervisor.startAllProcesses'), startResult, F.ALREADY_STARTED);
      return;
    }
    for (const name of names) {
      const { group, process } = splitNamespec(name);
      if (process === null) {
        try {
          reportAll(ctl, await rpc.call<ResultStruct[]>('supervisor.startProcessGroup', group), startResult, F.ALREADY_STARTED);
        } catch (err) {
          if (!(err instanceof RpcFault && err.faultCode === F.BAD_NAME)) {
            ctl.exitstatus = EXIT.GENERIC;
            throw err;
          }
          ctl.output(`${group}: ERROR (no such group)`);
          ctl.exitstatus = EXIT.INVALID_ARGS;
        }
        continue;
      }
      try {
        await rpc.call('supervisor.startProcess', name);
        ctl.output(`${makeNamespec(group, process)}: started`);
      } catch (err) {
        if (!(err instanceof RpcFault)) throw err;
        const result = faultAsResult(err, name);
        ctl.output(startResult(result));
        ctl.setExitFromFault(result.status, F.ALREADY_STARTED);
      }
    }
  },
};

export const stop: Command = {
  name: 'stop',
  completes: 'processes',
  help: 'stop <name>\t\tStop a process\nstop <gname>:*\t\tStop all processes in a group\nstop <name> <name>\tStop multiple processes or groups\nstop all\t\tStop all processes',
  async run(ctl, arg) {
    if (!(await ctl.upcheck())) return;
    const names = words(arg);
    if (names.length === 0) {
      ctl.output('Error: stop requires a process name');
      ctl.exitstatus = EXIT.GENERIC;
      ctl.output(stop.help!);
      return;
    }
    const stopResult = (r: ResultStruct): string => signalResult(r, 'stopped', 835);
    const rpc = ctl.rpc();
    if (names.includes('all')) {
      reportAll(ctl, await rpc.call<ResultStruct[]>('supervisor.stopAllProcesses'), stopResult, F.NOT_RUNNING);
      return;
    }
    for (const name of names) {
      const { group, process } = splitNamespec(name);
      if (process === null) {
        try {
          reportAll(ctl, await rpc.call<ResultStruct[]>('supervisor.stopProcessGroup', group), stopResult, F.NOT_RUNNING);
        } catch (err) {
          if (!(err instanceof RpcFault)) throw err;
          ctl.exitstatus = EXIT.GENERIC;
          if (err.faultCode !== F.BAD_NAME) throw err;
          ctl.output(`${group}: ERROR (no such group)`);
        }
        continue;
      }
      try {
        await rpc.call('supervisor.stopProcess', name);
        ctl.output(`${makeNamespec(group, process)}: stopped`);
      } catch (err) {
        if (!(err instanceof RpcFault)) throw err;
        const result = faultAsResult(err, name);
        ctl.output(stopResult(result));
        ctl.setExitFromFault(result.status, F.NOT_RUNNING);
      }
    }
  },
};

export const restart: Command = {
  name: 'restart',
  completes: 'processes',
  help:
    'restart <name>\t\tRestart a process\nrestart <gname>:*\tRestart all processes in a group\nrestart <name> <name>\tRestart multiple processes or groups\nrestart all\t\tRestart all processes\n' +
    'Note: restart does not reread config files. For that, see reread and update.',
  async run(ctl, arg) {
    if (!(await ctl.upcheck())) return;
    if (words(arg).length === 0) {
      ctl.output('Error: restart requires a process name');
      ctl.exitstatus = EXIT.GENERIC;
      ctl.output(restart.help!);
      return;
    }
    await stop.run(ctl, arg);
    await start.run(ctl, arg);
  },
};

export const signal: Command = {
  name: 'signal',
  completes: 'processes',
  help:
    'signal <signal name> <name>\t\tSignal a process\nsignal <signal name> <gname>:*\t\tSignal all processes in a group\n' +
    'signal <signal name> <name> <name>\tSignal multiple processes or groups\nsignal <signal name> all\t\tSignal all processes',
  async run(ctl, arg) {
    if (!(await ctl.upcheck())) return;
    const args = words(arg);
    if (args.length < 2) {
      ctl.output('Error: signal requires a signal name and a process name');
      ctl.output(signal.help!);
      ctl.exitstatus = EXIT.GENERIC;
      return;
    }
    const [sig, ...names] = args as [string, ...string[]];
    const rpc = ctl.rpc();
    if (names.includes('all')) {
      reportAll(ctl, await rpc.call<ResultStruct[]>('supervisor.signalAllProcesses', sig), (r) => signalResult(r), null);
      return;
    }
    for (const name of names) {
      const { group, process } = splitNamespec(name);
      if (process === null) {
        try {
          reportAll(ctl, await rpc.call<ResultStruct[]>('supervisor.signalProcessGroup', group, sig), (r) => signalResult(r), null);
        } catch (err) {
          if (!(err instanceof RpcFault && err.faultCode === F.BAD_NAME)) throw err;
          ctl.output(`${group}: ERROR (no such group)`);
          ctl.exitstatus = EXIT.GENERIC;
        }
        continue;
      }
      try {
        await rpc.call('supervisor.signalProcess', name, sig);
        ctl.output(`${makeNamespec(group, process)}: signalled`);
      } catch (err) {
        if (!(err instanceof RpcFault)) throw err;
        const result = faultAsResult(err, name);
        ctl.output(signalResult(result));
        ctl.setExitFromFault(result.status);
      }
    }
  },
};

export const clear: Command = {
  name: 'clear',
  completes: 'processes',
  help: "clear <name>\t\tClear a process' log files.\nclear <name> <name>\tClear multiple process' log files\nclear all\t\tClear all process' log files",
  async run(ctl, arg) {
    if (!(await ctl.upcheck())) return;
    const names = words(arg);
    if (names.length === 0) {
      ctl.output('Error: clear requires a process name');
      ctl.exitstatus = EXIT.GENERIC;
      ctl.output(clear.help!);
      return;
    }
    const rpc = ctl.rpc();
    if (names.includes('all')) {
      reportAll(ctl, await rpc.call<ResultStruct[]>('supervisor.clearAllProcessLogs'), clearResult, null);
      return;
    }
    for (const name of names) {
      const { group, process } = splitNamespec(name);
      try {
        await rpc.call('supervisor.clearProcessLogs', name);
        ctl.output(`${makeNamespec(group, process ?? 'None')}: cleared`);
      } catch (err) {
        if (!(err instanceof RpcFault)) throw err;
        const result = faultAsResult(err, name);
        ctl.output(clearResult(result));
        ctl.setExitFromFault(result.status);
      }
    }
  },
};
