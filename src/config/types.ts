// The typed, validated, fully expanded meaning of a supervisord.conf.
// Field names are the config keys themselves (snake_case), so one name means the same thing in
// the file, in this type, in the dump JSON and in 4.2.5's documentation.
import type { ProgramExtensions } from './program-extensions.js';

export type LogLevelName = 'critical' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'blather';

/** A child log target: a path, "AUTO" (a file in childlogdir) or null (NONE). */
export type LogfileSetting = string | 'AUTO' | null;

export type AutorestartSetting = 'false' | 'true' | 'unexpected';

export interface SupervisordSettings {
  nodaemon: boolean;
  silent: boolean;
  nocleanup: boolean;
  strip_ansi: boolean;
  user: string | null;
  uid: number | null;
  gid: number | null;
  /** numeric value of the octal setting (022 -> 18) */
  umask: number;
  directory: string | null;
  /** absolute path, or "syslog" */
  logfile: string;
  logfile_maxbytes: number;
  logfile_backups: number;
  loglevel: LogLevelName;
  pidfile: string;
  identifier: string;
  childlogdir: string;
  minfds: number;
  minprocs: number;
  environment: Record<string, string>;
}

export interface ProcessConfig {
  /** process name (numprocs expanded) */
  name: string;
  /** the section it came from, e.g. "program:web" */
  section: string;
  command: string;
  priority: number;
  autostart: boolean;
  autorestart: AutorestartSetting;
  startsecs: number;
  startretries: number;
  exitcodes: number[];
  /** signal name without "SIG" ("TERM"), or the number as a string when it has no name */
  stopsignal: string;
  stopwaitsecs: number;
  stopasgroup: boolean;
  killasgroup: boolean;
  user: string | null;
  uid: number | null;
  gid: number | null;
  directory: string | null;
  umask: number | null;
  /**
   * Lowest first: [supervisord] environment_file, [supervisord] environment, the program's
   * environment_file, the program's environment= (the files are beyond 4.2.5)
   */
  environment: Record<string, string>;
  redirect_stderr: boolean;
  /** null means AUTO */
  serverurl: string | null;
  stdout_logfile: LogfileSetting;
  stdout_logfile_maxbytes: number;
  stdout_logfile_backups: number;
  stdout_capture_maxbytes: number;
  stdout_events_enabled: boolean;
  stdout_syslog: boolean;
  stderr_logfile: LogfileSetting;
  stderr_logfile_maxbytes: number;
  stderr_logfile_backups: number;
  stderr_capture_maxbytes: number;
  stderr_events_enabled: boolean;
  stderr_syslog: boolean;
  /**
   * Every key of the section as written (keys lower-cased, values before %-expansion), so that
   * features beyond 4.2.5 can read their own keys without a schema change here.
   */
  raw: Record<string, string>;
  /** the keys beyond 4.2.5 that change how the program runs (essential, restart policy, depends_on, health check) */
  extensions: ProgramExtensions;
}

export type GroupType = 'process' | 'eventlistener' | 'fcgi';

export interface FcgiSocketConfig {
  /** "unix:///abs/path" or "tcp://host:port" */
  url: string;
  backlog: number | null;
  mode: number | null;
  owner: [number | null, number | null] | null;
}

export interface GroupConfig {
  name: string;
  type: GroupType;
  /** "group:N" for a heterogeneous [group:N], else the section the group came from */
  section: string;
  priority: number;
  processes: ProcessConfig[];
  /** eventlistener pools only */
  buffer_size?: number;
  events?: string[];
  result_handler?: string;
  /** fcgi only */
  socket?: FcgiSocketConfig;
}

export interface InetServerConfig {
  name: string | null;
  section: string;
  host: string;
  port: number;
  username: string | null;
  password: string | null;
  /** allowed_hosts=: Host names a server without a password answers besides its own ('any' = *) */
  allowedHosts: readonly string[] | 'any';
}

export interface UnixServerConfig {
  name: string | null;
  section: string;
  file: string;
  chmod: number;
  chown: [number | null, number | null];
  username: string | null;
  password: string | null;
}

/** [probe_http_server] (beyond 4.2.5): a port answering only /livez and /readyz, without credentials. */
export interface ProbeServerConfig {
  section: string;
  host: string;
  port: number;
}

export interface RpcInterfaceConfig {
  name: string;
  factory: string;
  options: Record<string, string>;
}

export interface CtlConfig {
  serverurl: string;
  username: string | null;
  password: string | null;
  prompt: string;
  history_file: string | null;
  /** [ctlplugin:x] sections (the built-in default plugin is not listed) */
  plugins?: CtlPluginConfig[];
}

export interface CtlPluginConfig {
  name: string;
  factory: string;
  options: Record<string, string>;
}

/** What supervisorctl makes of the same file: its settings, or why it rejects the file. */
export type CtlLoadResult =
  | (CtlConfig & { ok: true; relaxed: RelaxedCheck[] })
  | { ok: false; error: string; error_kind: 'usage'; relaxed: RelaxedCheck[] };

/** A file 4.2.5 rejects, as a value (see loadConfigResult). */
export interface ConfigRejection {
  ok: false;
  /** the text 4.2.5 prints after "Error: " */
  error: string;
  error_kind: 'usage';
  /** machine-dependent checks relaxed before the error */
  relaxed: RelaxedCheck[];
}

export interface ServerSettings {
  /** URL given to children as SUPERVISOR_SERVER_URL (first unix server, else first inet); null if none */
  serverurl: string | null;
  inet_http_server: InetServerConfig[];
  unix_http_server: UnixServerConfig[];
  /** beyond 4.2.5, which ignores the section */
  probe_http_server: ProbeServerConfig[];
  rpcinterface: RpcInterfaceConfig[];
}

/** A machine-dependent check that failed (missing directory, unknown user...), see tools/README. */
export interface RelaxedCheck {
  check: 'dirpath' | 'directory' | 'user' | 'usergroup' | 'import';
  message: string;
  [key: string]: unknown;
}

/** A section the loader does not interpret (e.g. [plugin:x]): kept raw for extensions. */
export interface RawSection {
  name: string;
  file: string;
  values: Record<string, string>;
}

export interface Config {
  /** absolute path of the main config file */
  configFile: string;
  supervisord: SupervisordSettings;
  /** in 4.2.5's order: priority, then name */
  groups: GroupConfig[];
  server: ServerSettings;
  /** WARN lines 4.2.5 logs at startup about the file, in order */
  warnings: string[];
  /** INFO lines (included files), in order */
  infos: string[];
  /** machine-dependent checks that failed; only filled when loading with relaxed checks */
  relaxed: RelaxedCheck[];
  /** [supervisord] statefile (beyond 4.2.5): absolute path of the operator's decisions, or null = off */
  statefile: string | null;
  /** sections that are not 4.2.5's, e.g. [plugin:x], for extensions */
  extraSections: RawSection[];
  /** the [supervisorctl] side of the same file (supervisorctl ignores [include]) */
  supervisorctl?: CtlLoadResult;
}

/** Options for loading a config. */
export interface LoadOptions {
  /** environment visible to %(ENV_X)s; default process.env */
  env?: Record<string, string | undefined>;
  /** directory relative logfile/pidfile/socket paths are made absolute against; default process.cwd() */
  cwd?: string;
  /** %(host_node_name)s; default os.hostname() */
  hostname?: string;
  /**
   * When true, machine-dependent checks (missing directories, unknown users) are recorded in
   * `relaxed` instead of rejecting the file, as shared/tools/sv-dump-config.py does.
   */
  relaxed?: boolean;
  /** command-line overrides of [supervisord] keys (e.g. from supervisord -n -l -e ...) */
  overrides?: Partial<Record<keyof SupervisordSettings, string | boolean>>;
}
