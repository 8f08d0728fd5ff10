// Test configs with every 4.2.5 default filled in, independent of the config loader.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, GroupConfig, ProcessConfig } from '../../src/config/types.js';
import { DEFAULT_EXTENSIONS } from '../../src/config/program-extensions.js';

/** test/fixtures in the source tree (the .sh fixtures are not compiled) */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** A [program:x] process with 4.2.5's defaults; logs go nowhere unless overridden. */
export function processConfig(name: string, overrides: Partial<ProcessConfig> = {}): ProcessConfig {
  return {
    name,
    section: `program:${name}`,
    command: fixture('forever.sh'),
    priority: 999,
    autostart: true,
    autorestart: 'unexpected',
    startsecs: 1,
    startretries: 3,
    exitcodes: [0],
    stopsignal: 'TERM',
    stopwaitsecs: 10,
    stopasgroup: false,
    killasgroup: false,
    user: null,
    uid: null,
    gid: null,
    directory: null,
    umask: null,
    environment: {},
    redirect_stderr: false,
    serverurl: null,
    stdout_logfile: null,
    stdout_logfile_maxbytes: 50 * 1024 * 1024,
    stdout_logfile_backups: 10,
    stdout_capture_maxbytes: 0,
    stdout_events_enabled: false,
    stdout_syslog: false,
    stderr_logfile: null,
    stderr_logfile_maxbytes: 50 * 1024 * 1024,
    stderr_logfile_backups: 10,
    stderr_capture_maxbytes: 0,
    stderr_events_enabled: false,
    stderr_syslog: false,
    raw: {},
    extensions: DEFAULT_EXTENSIONS,
    ...overrides,
  };
}

/** A homogeneous group for one program (group name = program name, priority = the process's). */
export function programGroup(proc: ProcessConfig): GroupConfig {
  return { name: proc.name, type: 'process', section: proc.section, priority: proc.priority, processes: [proc] };
}

/** A heterogeneous [group:name] listing processes in the given order. */
export function heterogeneousGroup(name: string, priority: number, processes: ProcessConfig[]): GroupConfig {
  return { name, type: 'process', section: `group:${name}`, priority, processes };
}

export function makeConfig(groups: GroupConfig[], dir: string, overrides: { nocleanup?: boolean; serverurl?: string | null } = {}): Config {
  return {
    configFile: path.join(dir, 'supervisord.conf'),
    supervisord: {
      nodaemon: true,
      silent: true,
      nocleanup: overrides.nocleanup ?? false,
      strip_ansi: false,
      user: null,
      uid: null,
      gid: null,
      umask: 0o22,
      directory: null,
      logfile: path.join(dir, 'supervisord.log'),
      logfile_maxbytes: 50 * 1024 * 1024,
      logfile_backups: 10,
      loglevel: 'blather',
      pidfile: path.join(dir, 'supervisord.pid'),
      identifier: 'supervisor',
      childlogdir: dir,
      minfds: 1024,
      minprocs: 200,
      environment: {},
    },
    groups,
    server: { serverurl: overrides.serverurl ?? null, inet_http_server: [], unix_http_server: [], probe_http_server: [], rpcinterface: [] },
    warnings: [],
    infos: [],
    relaxed: [],
    statefile: null,
    extraSections: [],
  };
}
