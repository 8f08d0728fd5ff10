// getAllConfigInfo's struct (rpc.md 7.5): one per process of the last-read config, members in
// 4.2.5's order, None as 'none' and AUTO as 'auto'.
import type { GroupConfig, LogfileSetting } from '../config/types.js';
import { signalNumber } from '../process/signals.js';
import type { XmlRpcStruct } from '../xmlrpc/index.js';

// 4.2.5 reports 'auto' even once a running process has its AUTO file (the config object keeps AUTO)
function logfileValue(setting: LogfileSetting): string {
  if (setting === null) return 'none';
  if (setting === 'AUTO') return 'auto';
  return setting;
}

export function configInfo(groups: readonly GroupConfig[], activeGroups: ReadonlySet<string>): XmlRpcStruct[] {
  const infos: XmlRpcStruct[] = [];
  for (const group of groups) {
    const inuse = activeGroups.has(group.name);
    for (const p of group.processes) {
      infos.push({
        autostart: p.autostart,
        directory: p.directory ?? 'none',
        uid: p.uid ?? 'none',
        command: p.command,
        exitcodes: p.exitcodes,
        group: group.name,
        group_prio: group.priority,
        inuse,
        killasgroup: p.killasgroup,
        name: p.name,
        process_prio: p.priority,
        redirect_stderr: p.redirect_stderr,
        startretries: p.startretries,
        startsecs: p.startsecs,
        stdout_capture_maxbytes: p.stdout_capture_maxbytes,
        stdout_events_enabled: p.stdout_events_enabled,
        stdout_logfile: logfileValue(p.stdout_logfile),
        stdout_logfile_backups: p.stdout_logfile_backups,
        stdout_logfile_maxbytes: p.stdout_logfile_maxbytes,
        stdout_syslog: p.stdout_syslog,
        stopsignal: signalNumber(p.stopsignal) ?? 15,
        stopwaitsecs: p.stopwaitsecs,
        stderr_capture_maxbytes: p.stderr_capture_maxbytes,
        stderr_events_enabled: p.stderr_events_enabled,
        stderr_logfile: logfileValue(p.stderr_logfile),
        stderr_logfile_backups: p.stderr_logfile_backups,
        stderr_logfile_maxbytes: p.stderr_logfile_maxbytes,
        stderr_syslog: p.stderr_syslog,
        // the loader keeps an unset serverurl as null, which 4.2.5 reports as 'none'
        serverurl: p.serverurl ?? 'none',
      });
    }
  }
  // Python's list.sort is stable: equal names keep config order
  return infos.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : (a.name as string) > (b.name as string) ? 1 : 0));
}
