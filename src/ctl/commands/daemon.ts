// shutdown, reload, version, open: the daemon itself and which daemon we talk to.
import { FAULT_CODES } from '../../process/faults.js';
import type { Command, Controller } from '../controller.js';
import { rejectArgs } from './reject-args.js';
import { EXIT } from '../exit-status.js';
import { RpcFault, SocketError } from '../python-errors.js';
import { status } from './status.js';

/** The shell asks first; anything not starting with y/Y cancels silently. */
async function confirmed(ctl: Controller, question: string): Promise<boolean> {
  if (!ctl.options.interactive) return true;
  const answer = await ctl.input().readLine(question);
  return (answer ?? '').toLowerCase().startsWith('y');
}

export const shutdown: Command = {
  name: 'shutdown',
  help: 'shutdown \tShut the remote supervisord down.',
  async run(ctl, arg) {
    if (rejectArgs(ctl, shutdown, arg)) return;
    if (!(await confirmed(ctl, 'Really shut the remote supervisord process down y/N? '))) return;
    try {
      await ctl.rpc().call('supervisor.shutdown');
      ctl.output('Shut down');
    } catch (err) {
      if (err instanceof RpcFault && err.faultCode === FAULT_CODES.SHUTDOWN_STATE) {
        ctl.output('ERROR: already shutting down');
        return;
      }
      ctl.exitstatus = EXIT.GENERIC;
      if (err instanceof SocketError && (err.code === 'ECONNREFUSED' || err.code === 'ENOENT')) {
        const what = err.code === 'ECONNREFUSED' ? 'refused connection' : 'no such file';
        ctl.output(`ERROR: ${ctl.options.serverurl} ${what} (already shut down?)`);
        return;
      }
      throw err;
    }
  },
};

export const reload: Command = {
  name: 'reload',
  help: 'reload \t\tRestart the remote supervisord.',
  async run(ctl, arg) {
    if (rejectArgs(ctl, reload, arg)) return;
    if (!(await confirmed(ctl, 'Really restart the remote supervisord process y/N? '))) return;
    try {
      await ctl.rpc().call('supervisor.restart');
      ctl.output('Restarted supervisord');
    } catch (err) {
      if (err instanceof RpcFault) ctl.exitstatus = EXIT.GENERIC;
      if (!(err instanceof RpcFault && err.faultCode === FAULT_CODES.SHUTDOWN_STATE)) throw err;
      ctl.output('ERROR: already shutting down');
    }
  },
};

export const version: Command = {
  name: 'version',
  help: 'version\t\t\tShow the version of the remote supervisord process',
  async run(ctl, arg) {
    if (rejectArgs(ctl, version, arg)) return;
    if (!(await ctl.upcheck())) return;
    ctl.output(await ctl.rpc().call<string>('supervisor.getSupervisorVersion'));
  },
};

export const open: Command = {
  name: 'open',
  help: 'open <url>\tConnect to a remote supervisord process.\n\t\t(for UNIX domain socket, use unix:///socket/path)',
  async run(ctl, arg) {
    const url = arg.trim();
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
    if (scheme !== 'unix' && scheme !== 'http') {
      ctl.output('ERROR: url must be http:// or unix://');
      ctl.exitstatus = EXIT.GENERIC;
      return;
    }
    ctl.options.serverurl = url;
    // 4.2.5 shows the new server's status but keeps the previous exit status
    const before = ctl.exitstatus;
    await status.run(ctl, '');
    ctl.exitstatus = before;
  },
};
