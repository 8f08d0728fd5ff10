// status (with our --json and --probe) and pid.
import { FAULT_CODES } from '../../process/faults.js';
import { STOPPED_STATES, ProcessState } from '../../process/states.js';
import type { Command } from '../controller.js';
import { EXIT, STATUS_EXIT } from '../exit-status.js';
import { makeNamespec, splitNamespec, statusLines } from '../format.js';
import { PythonStyleError, RpcFault } from '../python-errors.js';
import { exitOf, failsProbe, STATUS_JSON_VERSION, type ProcessInfo, type StatusJson } from '../status-json.js';
import { words } from '../words.js';

/** Our flags: not names 4.2.5 could mean, since a namespec never starts with "--". */
const JSON_FLAG = '--json';
const PROBE_FLAG = '--probe';

export const status: Command = {
  name: 'status',
  completes: 'processes',
  help:
    'status <name>\t\tGet status for a single process\nstatus <gname>:*\tGet status for all processes in a group\n' +
    'status <name> <name>\tGet status for multiple named processes\nstatus\t\t\tGet all process status info',
  async run(ctl, arg) {
    const all = words(arg);
    const asJson = all.includes(JSON_FLAG);
    const probe = all.includes(PROBE_FLAG);
    const names = all.filter((w) => w !== JSON_FLAG && w !== PROBE_FLAG);
    const errors: StatusJson['errors'] = [];
    // in JSON mode the up-check's messages must not corrupt stdout
    const output = asJson ? () => {} : (line: string) => ctl.output(line);

    let allInfos: ProcessInfo[];
    try {
      let problem = '';
      const up = await ctl.upcheck(asJson ? (m) => (problem = m) : undefined);
      if (!up) throw new Error(problem);
      allInfos = await ctl.rpc().call<ProcessInfo[]>('supervisor.getAllProcessInfo');
    } catch (err) {
      // 4.2.5: a failed up-check means "status unknown"; anything else escapes to the error line
      if (!asJson && err instanceof Error && !(err instanceof PythonStyleError)) {
        ctl.exitstatus = STATUS_EXIT.UNKNOWN;
        return;
      }
      if (!asJson) throw err;
      ctl.exitstatus = STATUS_EXIT.UNKNOWN;
      const error = err instanceof PythonStyleError ? err.errorLine() : (err as Error).message;
      printJson(ctl, { version: STATUS_JSON_VERSION, processes: [], errors: [{ name: '', error }], exitstatus: ctl.exitstatus });
      return;
    }
    let matching: ProcessInfo[];
    if (names.length === 0 || names.includes('all')) matching = allInfos;
    else {
      matching = [];
      for (const name of names) {
        const { group, process } = splitNamespec(name);
        const found = allInfos.filter((i) => i.group === group && (process === null || i.name === process));
        matching.push(...found);
        if (found.length === 0) {
          const error = process === null ? 'no such group' : 'no such process';
          const shown = process === null ? group : name;
          errors.push({ name: shown, error });
          output(`${shown}: ERROR (${error})`);
          ctl.exitstatus = STATUS_EXIT.UNKNOWN;
        }
      }
    }
    statusLines(matching).forEach(output);
    for (const info of matching) {
      const down = probe ? failsProbe(info) : STOPPED_STATES.has(info.state as ProcessState);
      if (down) ctl.exitstatus = STATUS_EXIT.NOT_RUNNING;
    }
    if (asJson) {
      const processes = matching.map((info) => ({ ...info, namespec: makeNamespec(info.group, info.name), exit: exitOf(info) }));
      printJson(ctl, { version: STATUS_JSON_VERSION, processes, errors, exitstatus: ctl.exitstatus });
    }
  },
};

function printJson(ctl: { output(line: string): void }, doc: StatusJson): void {
  ctl.output(JSON.stringify(doc, (_key, value: unknown) => (value instanceof Date ? value.getTime() / 1000 : value)));
}

export const pid: Command = {
  name: 'pid',
  completes: 'processes',
  help:
    'pid\t\t\tGet the PID of supervisord.\npid <name>\t\tGet the PID of a single child process by name.\npid all\t\t\tGet the PID of every child process, one per line.',
  async run(ctl, arg) {
    const rpc = ctl.rpc();
    if (!(await ctl.upcheck())) return;
    const names = words(arg);
    if (names.length === 0) {
      ctl.output(String(await rpc.call<number>('supervisor.getPID')));
    } else if (names.includes('all')) {
      for (const info of await rpc.call<ProcessInfo[]>('supervisor.getAllProcessInfo')) ctl.output(String(info.pid));
    } else {
      for (const name of names) {
        try {
          const info = await rpc.call<ProcessInfo>('supervisor.getProcessInfo', name);
          ctl.output(String(info.pid));
          if (info.pid === 0) ctl.exitstatus = EXIT.NOT_RUNNING;
        } catch (err) {
          ctl.exitstatus = EXIT.GENERIC;
          if (!(err instanceof RpcFault && err.faultCode === FAULT_CODES.BAD_NAME)) throw err;
          ctl.output(`No such process ${name}`);
        }
      }
    }
  },
};
