// Renders a load result as the exact bytes shared/tools/sv-dump-config.py prints, so our loader
// and 4.2.5 can be compared with a plain string comparison.
import { comparePy } from './python.js';
import type { Config, ConfigRejection, CtlLoadResult, GroupConfig, ProcessConfig } from './types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Python json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False). */
export function pythonJson(value: Json, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return `[\n${value.map((v) => inner + pythonJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const keys = Object.keys(value).sort(comparePy);
  if (!keys.length) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${pythonJson(value[k]!, inner)}`).join(',\n')}\n${indent}}`;
}

function processJson(p: ProcessConfig): Json {
  return {
    name: p.name,
    section: p.section,
    command: p.command,
    priority: p.priority,
    autostart: p.autostart,
    autorestart: p.autorestart,
    startsecs: p.startsecs,
    startretries: p.startretries,
    exitcodes: p.exitcodes,
    stopsignal: p.stopsignal,
    stopwaitsecs: p.stopwaitsecs,
    stopasgroup: p.stopasgroup,
    killasgroup: p.killasgroup,
    user: p.user,
    uid: p.uid,
    directory: p.directory,
    umask: p.umask,
    environment: { ...p.environment },
    redirect_stderr: p.redirect_stderr,
    serverurl: p.serverurl,
    stdout_logfile: p.stdout_logfile,
    stdout_logfile_maxbytes: p.stdout_logfile_maxbytes,
    stdout_logfile_backups: p.stdout_logfile_backups,
    stdout_capture_maxbytes: p.stdout_capture_maxbytes,
    stdout_events_enabled: p.stdout_events_enabled,
    stdout_syslog: p.stdout_syslog,
    stderr_logfile: p.stderr_logfile,
    stderr_logfile_maxbytes: p.stderr_logfile_maxbytes,
    stderr_logfile_backups: p.stderr_logfile_backups,
    stderr_capture_maxbytes: p.stderr_capture_maxbytes,
    stderr_events_enabled: p.stderr_events_enabled,
    stderr_syslog: p.stderr_syslog,
  };
}

function groupJson(g: GroupConfig): Json {
  const out: { [key: string]: Json } = {
    name: g.name,
    type: g.type,
    section: dumpedSection(g),
    priority: g.priority,
    processes: g.processes.map(processJson),
  };
  if (g.type === 'eventlistener') {
    out['buffer_size'] = g.buffer_size ?? null;
    out['events'] = g.events ?? [];
    out['result_handler'] = g.result_handler ?? null;
  }
  if (g.type === 'fcgi' && g.socket) {
    const s = g.socket;
    out['socket'] = { url: s.url, backlog: s.backlog, mode: s.mode, owner: s.owner };
  }
  return out;
}

// sv-dump-config.py reads a [program:x] group's section from its first process: none, no section
function dumpedSection(g: GroupConfig): string | null {
  if (g.type === 'process' && !g.section.startsWith('group:') && g.processes.length === 0) return null;
  return g.section;
}

function ctlJson(ctl: CtlLoadResult | undefined): Json {
  if (!ctl) return null;
  return JSON.parse(JSON.stringify(ctl)) as Json;
}

/** The dump of an accepted file (a Config) or of a rejection, with the trailing newline. */
export function renderDump(result: Config | ConfigRejection): string {
  let doc: Json;
  if ('ok' in result && result.ok === false) {
    doc = {
      ok: false,
      error: result.error,
      error_kind: result.error_kind,
      relaxed: result.relaxed as unknown as Json,
      strict_error: result.relaxed.length ? result.relaxed[0]!.message : null,
    };
  } else {
    const c = result as Config;
    doc = {
      ok: true,
      relaxed: c.relaxed as unknown as Json,
      strict_error: c.relaxed.length ? c.relaxed[0]!.message : null,
      warnings: c.warnings,
      infos: c.infos,
      supervisord: { ...c.supervisord, environment: { ...c.supervisord.environment } } as unknown as Json,
      groups: c.groups.map(groupJson),
      server: {
        serverurl: c.server.serverurl,
        // allowed_hosts is beyond 4.2.5: the dump says what 4.2.5 would make of the file
        inet_http_server: c.server.inet_http_server.map(({ allowedHosts: _beyond, ...server }) => server) as unknown as Json,
        unix_http_server: c.server.unix_http_server as unknown as Json,
        rpcinterface: c.server.rpcinterface as unknown as Json,
        supervisorctl: ctlJson(c.supervisorctl),
      },
    };
  }
  return pythonJson(doc) + '\n';
}
