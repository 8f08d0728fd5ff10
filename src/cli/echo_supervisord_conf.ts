// echo_supervisord_conf: prints a commented sample config rendered from the config schema, so the
// documented keys, defaults and one-line docs can never drift from what the loader accepts.
import { SCHEMA, type KeySpec, type SectionKind } from '../config/schema.js';

interface SampleSection {
  header: string;
  kind: SectionKind;
  intro: string;
  /** the section and these keys are written active; everything else is commented out */
  active: boolean;
  activeKeys?: readonly string[];
  /** values shown instead of the default (examples for keys without one) */
  values?: Readonly<Record<string, string>>;
  /** keys left out of the sample */
  skip?: readonly string[];
}

// example values for the keys of [program:x] and [eventlistener:x] that have no useful default
const PROCESS_EXAMPLES: Readonly<Record<string, string>> = {
  command: '/bin/cat',
  process_name: '%(program_name)s',
  user: 'chrism',
  killasgroup: 'false',
  stdout_logfile: '/a/path',
  stderr_logfile: '/a/path',
  environment: 'A="1",B="2"',
  directory: '/tmp',
  umask: '022',
  serverurl: 'AUTO',
};

const SECTIONS: readonly SampleSection[] = [
  {
    header: 'unix_http_server',
    kind: 'unix_http_server',
    intro: 'the HTTP server on a unix socket, used by supervisorctl',
    active: true,
    activeKeys: ['file', 'chmod'],
    values: { file: '/tmp/supervisor.sock', chmod: '0700', chown: 'nobody:nogroup', username: 'user', password: '123' },
  },
  {
    header: 'inet_http_server',
    kind: 'inet_http_server',
    intro: 'the HTTP server on TCP (off by default); set a password when it is on',
    active: false,
    values: { port: '127.0.0.1:9001', username: 'user', password: '123' },
  },
  {
    header: 'supervisord',
    kind: 'supervisord',
    intro: 'the daemon itself',
    active: true,
    activeKeys: ['logfile', 'logfile_maxbytes', 'logfile_backups', 'loglevel', 'pidfile', 'nodaemon', 'silent', 'minfds', 'minprocs'],
    values: {
      logfile: '/tmp/supervisord.log',
      pidfile: '/tmp/supervisord.pid',
      childlogdir: '/tmp',
      user: 'supervisord',
      directory: '/tmp',
      environment: 'KEY="value"',
    },
  },
  {
    header: 'rpcinterface:supervisor',
    kind: 'rpcinterface',
    intro: 'the supervisor.* RPC namespace: supervisorctl and the web page need it',
    active: true,
    activeKeys: ['supervisor.rpcinterface_factory'],
    values: { 'supervisor.rpcinterface_factory': 'supervisor.rpcinterface:make_main_rpcinterface' },
  },
  {
    header: 'supervisorctl',
    kind: 'supervisorctl',
    intro: 'how supervisorctl reaches supervisord',
    active: true,
    activeKeys: ['serverurl'],
    values: { serverurl: 'unix:///tmp/supervisor.sock', username: 'chris', password: '123', history_file: '~/.sc_history' },
  },
  {
    header: 'program:theprogramname',
    kind: 'program',
    intro: 'a program: copy this section once per program',
    active: false,
    values: PROCESS_EXAMPLES,
  },
  {
    header: 'eventlistener:theeventlistenername',
    kind: 'eventlistener',
    intro: 'an event listener pool: processes that read events on stdin',
    active: false,
    skip: ['redirect_stderr'],
    values: { ...PROCESS_EXAMPLES, command: '/bin/eventlistener', events: 'PROCESS_STATE' },
  },
  {
    header: 'group:thegroupname',
    kind: 'group',
    intro: 'a group of programs, started and stopped together',
    active: false,
    values: { programs: 'progname1,progname2' },
  },
  {
    header: 'include',
    kind: 'include',
    intro: 'more config files, relative to this one',
    active: false,
    values: { files: 'relative/directory/*.ini' },
  },
];

function defaultText(spec: KeySpec): string {
  if (spec.default === null) return '';
  if (typeof spec.default === 'boolean') return String(spec.default);
  return String(spec.default);
}

function renderSection(section: SampleSection): string {
  const lines: string[] = [`; ${section.intro}`, `${section.active ? '' : ';'}[${section.header}]`];
  const rows = SCHEMA[section.kind]
    .filter((spec) => !section.skip?.includes(spec.key))
    .map((spec) => {
      const active = section.active && (section.activeKeys?.includes(spec.key) ?? false);
      const value = section.values?.[spec.key] ?? defaultText(spec);
      return { setting: `${active ? '' : ';'}${spec.key}=${value}`, doc: spec.required ? `${spec.doc} (required)` : spec.doc };
    });
  const width = Math.max(...rows.map((r) => r.setting.length)) + 1;
  for (const row of rows) lines.push(`${row.setting.padEnd(width)} ; ${row.doc}`);
  return lines.join('\n');
}

export function renderSampleConfig(): string {
  const head = [
    '; Sample supervisor config file (supervisor-ts).',
    ';',
    '; Lines starting with ";" are comments; a ";" after whitespace starts a comment too.',
    '; Every value goes through %(name)s expansion, so a literal % is written %%.',
    '; Names: %(here)s (this file\'s directory), %(ENV_X)s, and in program sections',
    '; %(program_name)s, %(process_num)s, %(group_name)s, %(numprocs)s, %(host_node_name)s.',
  ].join('\n');
  return `${head}\n\n${SECTIONS.map(renderSection).join('\n\n')}\n`;
}

export function main(): void {
  process.stdout.write(renderSampleConfig());
}
