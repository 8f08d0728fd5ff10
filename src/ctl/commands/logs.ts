// tail, maintail and fg: log reads over XML-RPC, and the /logtail streams for -f and fg.
import { pyRepr } from '../../config/python.js';
import { FAULT_CODES } from '../../process/faults.js';
import { ProcessState } from '../../process/states.js';
import type { Command, Controller } from '../controller.js';
import { EXIT } from '../exit-status.js';
import { openLogStream, type LogStream } from '../logtail.js';
import { RpcFault } from '../python-errors.js';
import type { ProcessInfo } from '../status-json.js';
import { words } from '../words.js';

const PRESS_CTRL_C = '==> Press Ctrl-C to exit <==';

function openStream(ctl: Controller, path: string): LogStream {
  const { serverurl, username, password } = ctl.options;
  return openLogStream(serverurl, path, { username, password }, {
    data: (bytes) => ctl.out.stdout(bytes.toString('utf8')),
    error: (text) => ctl.out.stderr(`${text}\n`),
  });
}

/** Streams until the server ends it or Ctrl-C (which prints an empty line). */
async function tailFollow(ctl: Controller, path: string): Promise<void> {
  ctl.output(PRESS_CTRL_C);
  const stream = openStream(ctl, path);
  const interrupted = new Promise<'interrupted'>((resolve) => (ctl.onInterrupt = () => resolve('interrupted')));
  try {
    if ((await Promise.race([stream.done, interrupted])) === 'interrupted') ctl.output('');
  } finally {
    ctl.onInterrupt = null;
    stream.close();
  }
}

/** A read fault as 4.2.5 words it, or false when 4.2.5 would let it escape. */
function reportReadFault(ctl: Controller, err: unknown, who: string, badName: boolean): boolean {
  if (!(err instanceof RpcFault)) return false;
  const reason =
    err.faultCode === FAULT_CODES.NO_FILE
      ? 'no log file'
      : err.faultCode === FAULT_CODES.FAILED
        ? 'unknown error reading log'
        : badName && err.faultCode === FAULT_CODES.BAD_NAME
          ? 'no such process name'
          : null;
  if (reason === null) return false;
  ctl.output(`${who}: ERROR (${reason})`);
  return true;
}

export const tail: Command = {
  name: 'tail',
  completes: 'processes',
  help:
    'tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\ntail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\n' +
    'tail -100 <name>\tlast 100 *bytes* of process stdout\ntail <name> stderr\tlast 1600 *bytes* of process stderr',
  async run(ctl, arg) {
    if (!(await ctl.upcheck())) return;
    const args = words(arg);
    if (args.length < 1 || args.length > 3) {
      ctl.output(args.length < 1 ? 'Error: too few arguments' : 'Error: too many arguments');
      ctl.exitstatus = EXIT.GENERIC;
      ctl.output(tail.help!);
      return;
    }
    const modifier = args[0]!.startsWith('-') ? args.shift()! : null;
    let name: string;
    let channel = 'stdout';
    if (args.length === 1) name = args[0]!;
    else if (args.length > 1) {
      name = args[0]!;
      channel = args[args.length - 1]!.toLowerCase();
      if (channel !== 'stderr' && channel !== 'stdout') {
        ctl.output(`Error: bad channel ${pyRepr(channel)}`);
        ctl.exitstatus = EXIT.GENERIC;
        return;
      }
    } else {
      ctl.output('Error: tail requires process name');
      ctl.exitstatus = EXIT.GENERIC;
      return;
    }
    let bytes: number | null = 1600;
    if (modifier !== null) {
      const what = modifier.slice(1);
      if (what === 'f') bytes = null;
      else if (/^\s*[+-]?\d+\s*$/.test(what)) bytes = Number(what);
      else {
        ctl.output(`Error: bad argument ${modifier}`);
        ctl.exitstatus = EXIT.GENERIC;
        return;
      }
    }
    if (bytes === null) return tailFollow(ctl, `/logtail/${name}/${channel}`);
    const method = channel === 'stdout' ? 'supervisor.readProcessStdoutLog' : 'supervisor.readProcessStderrLog';
    try {
      ctl.output(await ctl.rpc().call<string>(method, name, -bytes, 0));
    } catch (err) {
      if (err instanceof RpcFault) ctl.exitstatus = EXIT.GENERIC;
      if (!reportReadFault(ctl, err, name, true)) throw err;
    }
  },
};

export const maintail: Command = {
  name: 'maintail',
  help:
    'maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\nmaintail -100\tlast 100 *bytes* of supervisord main log file\n' +
    'maintail\tlast 1600 *bytes* of supervisor main log file\n',
  async run(ctl, arg) {
    if (!(await ctl.upcheck())) return;
    const args = words(arg);
    let bytes = 1600;
    if (args.length > 1) {
      ctl.output('Error: too many arguments');
      ctl.exitstatus = EXIT.GENERIC;
      ctl.output(maintail.help!);
      return;
    }
    if (args.length === 1) {
      const what = args[0]!.startsWith('-') ? args[0]!.slice(1) : null;
      if (what === 'f') return tailFollow(ctl, '/mainlogtail');
      if (what === null || !/^\s*[+-]?\d+\s*$/.test(what)) {
        ctl.output(`Error: bad argument ${args[0]}`);
        ctl.exitstatus = EXIT.GENERIC;
        return;
      }
      bytes = Number(what);
    }
    try {
      ctl.output(await ctl.rpc().call<string>('supervisor.readLog', -bytes, 0));
    } catch (err) {
      if (err instanceof RpcFault) ctl.exitstatus = EXIT.GENERIC;
      if (!reportReadFault(ctl, err, 'supervisord', false)) throw err;
    }
  },
};

export const fg: Command = {
  name: 'fg',
  completes: 'processes',
  help: 'fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit',
  async run(ctl, arg) {
    if (!(await ctl.upcheck())) return;
    const names = words(arg);
    if (names.length !== 1) {
      ctl.output(names.length === 0 ? 'ERROR: no process name supplied' : 'ERROR: too many process names supplied');
      ctl.exitstatus = EXIT.GENERIC;
      if (names.length === 0) ctl.output(fg.help!);
      return;
    }
    const name = names[0]!;
    const rpc = ctl.rpc();
    let info: ProcessInfo;
    try {
      info = await rpc.call<ProcessInfo>('supervisor.getProcessInfo', name);
    } catch (err) {
      if (!(err instanceof RpcFault)) throw err;
      if (err.faultCode === FAULT_CODES.BAD_NAME) {
        ctl.output('ERROR: bad process name supplied');
        ctl.exitstatus = EXIT.GENERIC;
      } else ctl.output(`ERROR: ${err.pyStr}`);
      return;
    }
    if (info.state !== ProcessState.RUNNING) {
      ctl.output('ERROR: process not running');
      ctl.exitstatus = EXIT.GENERIC;
      return;
    }
    ctl.output(PRESS_CTRL_C);
    const streams = [openStream(ctl, `/logtail/${name}/stdout`), openStream(ctl, `/logtail/${name}/stderr`)];
    const interrupted = new Promise<null>((resolve) => (ctl.onInterrupt = () => resolve(null)));
    const input = ctl.input();
    try {
      for (;;) {
        const line = await Promise.race([input.readLine(''), interrupted]);
        if (line === null) break;
        try {
          await rpc.call('supervisor.sendProcessStdin', name, `${line}\n`);
        } catch (err) {
          if (!(err instanceof RpcFault)) throw err;
          ctl.output(err.faultCode === FAULT_CODES.NOT_RUNNING ? 'Process got killed' : `ERROR: ${err.pyStr}`);
          ctl.output('Exiting foreground');
          return;
        }
        const now = await rpc.call<ProcessInfo>('supervisor.getProcessInfo', name);
        if (now.state !== ProcessState.RUNNING) {
          ctl.output('Process got killed');
          ctl.output('Exiting foreground');
          return;
        }
      }
      ctl.output('Exiting foreground');
    } finally {
      ctl.onInterrupt = null;
      for (const stream of streams) stream.close();
    }
  },
};
