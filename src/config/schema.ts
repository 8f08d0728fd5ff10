// The one table of every section's keys: type, default, which %(name)s expansions apply, and a
// one-line doc. The loader takes defaults and converters from here; echo_supervisord_conf renders
// its documentation from it.

/** How a value is converted and validated (see datatypes.ts for each). */
export type ValueType =
  | 'boolean'
  | 'integer'
  | 'byte_size'
  | 'octal'
  | 'signal'
  | 'exitcodes'
  | 'string'
  | 'string_list'
  | 'name_template'
  | 'user'
  | 'user_group'
  | 'logfile'
  | 'dirpath'
  | 'directory'
  | 'existing_directory'
  | 'loglevel'
  | 'url'
  | 'autorestart'
  | 'environment'
  | 'events'
  | 'import_spec'
  | 'socket'
  | 'inet_address'
  | 'path'
  | 'path_list'
  | 'glob_list';

/**
 * Which %(name)s expansions a value sees (config.md section 3):
 * - none: not expanded
 * - env: ENV_*
 * - env_here: ENV_*, here
 * - program: ENV_*, here, host_node_name, program_name, group_name
 * - process: program + process_num, numprocs and the program's own environment as ENV_*
 * - fcgi_socket: ENV_*, here, program_name
 * - include: ENV_*, here, host_node_name
 * - supervisord_environment: ENV_*, here, then a second pass with host_node_name too
 */
export type ExpansionScope =
  | 'none'
  | 'env'
  | 'env_here'
  | 'program'
  | 'process'
  | 'fcgi_socket'
  | 'include'
  | 'supervisord_environment';

export interface KeySpec {
  key: string;
  type: ValueType;
  /** 4.2.5's default as it passes it to its converter; null = no value (None) */
  default: string | number | boolean | null;
  expansion: ExpansionScope;
  required?: boolean;
  /** how 4.2.5 computes a default that is not a constant */
  dynamicDefault?: string;
  /** supervisord command-line option that overrides the key */
  cli?: string;
  doc: string;
}

export type SectionKind =
  | 'supervisord'
  | 'program'
  | 'eventlistener'
  | 'fcgi-program'
  | 'group'
  | 'unix_http_server'
  | 'inet_http_server'
  | 'probe_http_server'
  | 'supervisorctl'
  | 'include'
  | 'rpcinterface'
  | 'ctlplugin';

const SUPERVISORD: KeySpec[] = [
  { key: 'logfile', type: 'dirpath', default: 'supervisord.log', expansion: 'env_here', cli: '-l', doc: 'main log file; relative to the working directory at startup, or "syslog"' },
  { key: 'logfile_maxbytes', type: 'byte_size', default: '50MB', expansion: 'env_here', cli: '-y', doc: 'rotate the main log at this size; 0 = never' },
  { key: 'logfile_backups', type: 'integer', default: 10, expansion: 'env_here', cli: '-z', doc: 'number of rotated main logs kept' },
  { key: 'loglevel', type: 'loglevel', default: 'info', expansion: 'env_here', cli: '-e', doc: 'critical, error, warn, info, debug, trace or blather' },
  { key: 'pidfile', type: 'dirpath', default: 'supervisord.pid', expansion: 'env_here', cli: '-j', doc: 'file supervisord writes its pid to' },
  { key: 'umask', type: 'octal', default: '022', expansion: 'env_here', cli: '-m', doc: 'umask of supervisord when daemonized' },
  { key: 'nodaemon', type: 'boolean', default: 'false', expansion: 'env_here', cli: '-n', doc: 'run in the foreground' },
  { key: 'silent', type: 'boolean', default: 'false', expansion: 'env_here', cli: '-s', doc: 'with nodaemon, do not echo the log to stdout' },
  { key: 'minfds', type: 'integer', default: 1024, expansion: 'env_here', cli: '-a', doc: 'file descriptors needed before starting' },
  { key: 'minprocs', type: 'integer', default: 200, expansion: 'env_here', cli: '--minprocs', doc: 'process slots needed before starting' },
  { key: 'nocleanup', type: 'boolean', default: 'false', expansion: 'env_here', cli: '-k', doc: 'keep old AUTO child logs at startup' },
  { key: 'childlogdir', type: 'existing_directory', default: null, dynamicDefault: 'the system temp directory', expansion: 'env_here', cli: '-q', doc: 'directory of AUTO child logs' },
  { key: 'user', type: 'user', default: null, expansion: 'env_here', cli: '-u', doc: 'switch to this user after startup' },
  { key: 'directory', type: 'existing_directory', default: null, expansion: 'env_here', cli: '-d', doc: 'chdir here when daemonizing' },
  { key: 'strip_ansi', type: 'boolean', default: 'false', expansion: 'env_here', cli: '-t', doc: 'remove ANSI escapes from child logs' },
  { key: 'environment', type: 'environment', default: '', expansion: 'supervisord_environment', doc: 'KEY="value",... added to every child environment' },
  { key: 'environment_file', type: 'path_list', default: null, expansion: 'env_here', doc: 'beyond 4.2.5: KEY=value files for every child, comma separated (later wins), under environment=' },
  { key: 'identifier', type: 'string', default: 'supervisor', expansion: 'env_here', cli: '-i', doc: 'identifier of this supervisord for RPC and events' },
  { key: 'statefile', type: 'path', default: null, expansion: 'env_here', doc: 'beyond 4.2.5: file keeping the operator\'s start/stop decisions across restarts; unset = off' },
];

const PROGRAM: KeySpec[] = [
  { key: 'command', type: 'string', default: null, required: true, expansion: 'process', doc: 'the command to run, split like a POSIX shell' },
  { key: 'process_name', type: 'name_template', default: '%(program_name)s', expansion: 'process', doc: 'process name template; needs %(process_num)s when numprocs > 1' },
  { key: 'numprocs', type: 'integer', default: 1, expansion: 'program', doc: 'number of processes started from this section' },
  { key: 'numprocs_start', type: 'integer', default: 0, expansion: 'program', doc: 'first value of %(process_num)s' },
  { key: 'priority', type: 'integer', default: 999, expansion: 'env_here', doc: 'start order (low first) and stop order (high first)' },
  { key: 'autostart', type: 'boolean', default: 'true', expansion: 'program', doc: 'start with supervisord' },
  { key: 'startsecs', type: 'integer', default: 1, expansion: 'program', doc: 'seconds the process must stay up to count as started' },
  { key: 'startretries', type: 'integer', default: 3, expansion: 'program', doc: 'failed starts before FATAL' },
  { key: 'autorestart', type: 'autorestart', default: 'unexpected', expansion: 'program', doc: 'false, unexpected (exit code not in exitcodes) or true' },
  { key: 'exitcodes', type: 'exitcodes', default: '0', expansion: 'program', doc: 'expected exit codes, comma separated' },
  { key: 'stopsignal', type: 'signal', default: 'TERM', expansion: 'program', doc: 'signal sent to stop the process' },
  { key: 'stopwaitsecs', type: 'integer', default: 10, expansion: 'program', doc: 'seconds to wait after stopsignal before SIGKILL' },
  { key: 'stopasgroup', type: 'boolean', default: 'false', expansion: 'program', doc: 'send the stop signal to the whole process group' },
  { key: 'killasgroup', type: 'boolean', default: null, dynamicDefault: 'the value of stopasgroup', expansion: 'program', doc: 'send SIGKILL to the whole process group' },
  { key: 'user', type: 'user', default: null, expansion: 'program', doc: 'run as this user (name or uid)' },
  { key: 'redirect_stderr', type: 'boolean', default: 'false', expansion: 'program', doc: 'send stderr to the stdout log' },
  { key: 'stdout_logfile', type: 'logfile', default: 'AUTO', expansion: 'process', doc: 'stdout log: a path, AUTO or NONE (expanded twice)' },
  { key: 'stdout_logfile_maxbytes', type: 'byte_size', default: '50MB', expansion: 'process', doc: 'rotate the stdout log at this size; 0 = never' },
  { key: 'stdout_logfile_backups', type: 'integer', default: 10, expansion: 'process', doc: 'rotated stdout logs kept' },
  { key: 'stdout_capture_maxbytes', type: 'byte_size', default: '0', expansion: 'program', doc: 'capture-mode buffer size; 0 = off' },
  { key: 'stdout_events_enabled', type: 'boolean', default: 'false', expansion: 'program', doc: 'emit PROCESS_LOG_STDOUT events' },
  { key: 'stdout_syslog', type: 'boolean', default: false, expansion: 'process', doc: 'also send stdout to syslog' },
  { key: 'stderr_logfile', type: 'logfile', default: 'AUTO', expansion: 'process', doc: 'stderr log: a path, AUTO or NONE (expanded twice)' },
  { key: 'stderr_logfile_maxbytes', type: 'byte_size', default: '50MB', expansion: 'process', doc: 'rotate the stderr log at this size; 0 = never' },
  { key: 'stderr_logfile_backups', type: 'integer', default: 10, expansion: 'process', doc: 'rotated stderr logs kept' },
  { key: 'stderr_capture_maxbytes', type: 'byte_size', default: '0', expansion: 'program', doc: 'capture-mode buffer size; 0 = off' },
  { key: 'stderr_events_enabled', type: 'boolean', default: 'false', expansion: 'program', doc: 'emit PROCESS_LOG_STDERR events' },
  { key: 'stderr_syslog', type: 'boolean', default: false, expansion: 'process', doc: 'also send stderr to syslog' },
  { key: 'stdout_logfile_timestamps', type: 'boolean', default: 'false', expansion: 'none', doc: 'beyond 4.2.5: start every stdout log line with its capture time' },
  { key: 'stderr_logfile_timestamps', type: 'boolean', default: 'false', expansion: 'none', doc: 'beyond 4.2.5: start every stderr log line with its capture time' },
  { key: 'logfile_timestamp_format', type: 'string', default: 'YYYY-MM-DDTHH:mm:ss.SSSZ', expansion: 'none', doc: 'beyond 4.2.5: YYYY MM DD HH mm ss SSS Z ZZ [literal], local time' },
  { key: 'stdout_logfile_compress', type: 'boolean', default: 'false', expansion: 'none', doc: 'beyond 4.2.5: gzip rotated stdout logs (name.1.gz)' },
  { key: 'stderr_logfile_compress', type: 'boolean', default: 'false', expansion: 'none', doc: 'beyond 4.2.5: gzip rotated stderr logs (name.1.gz)' },
  { key: 'stdout_logfile_rotate', type: 'string', default: null, expansion: 'none', doc: 'beyond 4.2.5: also rotate the stdout log at each local midnight (daily) or hour (hourly)' },
  { key: 'stderr_logfile_rotate', type: 'string', default: null, expansion: 'none', doc: 'beyond 4.2.5: also rotate the stderr log at each local midnight (daily) or hour (hourly)' },
  { key: 'log_line_maxbytes', type: 'byte_size', default: '16KB', expansion: 'none', doc: 'beyond 4.2.5: longer output lines are cut for line consumers' },
  { key: 'essential', type: 'boolean', default: 'false', expansion: 'none', doc: 'beyond 4.2.5: when it goes FATAL or exits for good, stop everything and exit 1' },
  { key: 'backoff_strategy', type: 'string', default: 'linear', expansion: 'none', doc: 'beyond 4.2.5: linear (the n-th failed start waits n s) or exponential (1, 2, 4... s)' },
  { key: 'backoff_max_secs', type: 'integer', default: null, dynamicDefault: 'none for linear, 60 for exponential', expansion: 'none', doc: 'beyond 4.2.5: the longest wait between two start attempts' },
  { key: 'retry_forever', type: 'boolean', default: 'false', expansion: 'none', doc: 'beyond 4.2.5: never FATAL, keep retrying past startretries' },
  { key: 'depends_on', type: 'string', default: '', expansion: 'none', doc: 'beyond 4.2.5: programs to wait for before starting, NAME or NAME:healthy, comma separated' },
  { key: 'healthcheck_http', type: 'string', default: null, expansion: 'process', doc: 'beyond 4.2.5: healthy when a GET of this URL answers 2xx or 3xx' },
  { key: 'healthcheck_tcp', type: 'string', default: null, expansion: 'process', doc: 'beyond 4.2.5: healthy when host:port accepts a connection' },
  { key: 'healthcheck_command', type: 'string', default: null, expansion: 'process', doc: 'beyond 4.2.5: healthy when this /bin/sh command exits 0' },
  { key: 'healthcheck_interval', type: 'string', default: '10', expansion: 'none', doc: 'beyond 4.2.5: seconds between health checks' },
  { key: 'healthcheck_timeout', type: 'string', default: '5', expansion: 'none', doc: 'beyond 4.2.5: seconds a health check may take' },
  { key: 'healthcheck_retries', type: 'integer', default: 3, expansion: 'none', doc: 'beyond 4.2.5: failures in a row before the process is restarted' },
  { key: 'healthcheck_start_period', type: 'string', default: '0', expansion: 'none', doc: 'beyond 4.2.5: seconds after RUNNING during which failures do not count' },
  { key: 'memory_limit', type: 'byte_size', default: null, expansion: 'none', doc: 'beyond 4.2.5: restart the program when its process tree\'s resident memory passes this (KB/MB/GB)' },
  { key: 'memory_limit_grace', type: 'string', default: '0', expansion: 'none', doc: 'beyond 4.2.5: seconds the memory must stay past memory_limit before the restart' },
  { key: 'rlimit_nofile', type: 'string', default: null, expansion: 'none', doc: 'beyond 4.2.5: open files, soft[:hard] (systemd LimitNOFILE=)' },
  { key: 'rlimit_core', type: 'string', default: null, expansion: 'none', doc: 'beyond 4.2.5: core file size, soft[:hard], KB/MB/GB or infinity (systemd LimitCORE=)' },
  { key: 'rlimit_nproc', type: 'string', default: null, expansion: 'none', doc: 'beyond 4.2.5: processes of the user, soft[:hard] (systemd LimitNPROC=)' },
  { key: 'rlimit_as', type: 'string', default: null, expansion: 'none', doc: 'beyond 4.2.5: address space, soft[:hard], KB/MB/GB or infinity (systemd LimitAS=)' },
  { key: 'rlimit_cpu', type: 'string', default: null, expansion: 'none', doc: 'beyond 4.2.5: CPU seconds, soft[:hard] (systemd LimitCPU=)' },
  { key: 'environment', type: 'environment', default: '', expansion: 'process', doc: 'KEY="value",... for this program' },
  { key: 'environment_file', type: 'path_list', default: null, expansion: 'process', doc: 'beyond 4.2.5: KEY=value files for this program, comma separated (later wins), under its environment=' },
  { key: 'directory', type: 'string', default: null, expansion: 'process', doc: 'chdir here before exec (checked at spawn)' },
  { key: 'umask', type: 'octal', default: null, expansion: 'program', doc: 'umask of the process; unset = inherit' },
  { key: 'serverurl', type: 'string', default: null, expansion: 'program', doc: 'SUPERVISOR_SERVER_URL for the child; AUTO = computed' },
];

const EVENTLISTENER: KeySpec[] = [
  ...PROGRAM.map((k): KeySpec =>
    k.key === 'priority' ? { ...k, default: -1 } : k.key === 'redirect_stderr' ? { ...k, doc: 'must stay false for an event listener' } : k,
  ),
  { key: 'events', type: 'events', default: '', required: true, expansion: 'env_here', doc: 'event type names to subscribe to, comma separated' },
  { key: 'buffer_size', type: 'integer', default: 10, expansion: 'env_here', doc: 'events the pool holds in memory (at least 1); past it, see buffer_overflow' },
  { key: 'result_handler', type: 'import_spec', default: 'supervisor.dispatchers:default_handler', expansion: 'env_here', doc: 'module:callable handling listener results' },
  { key: 'buffer_overflow', type: 'string', default: 'spool', expansion: 'none', doc: 'beyond 4.2.5: spool (events past buffer_size wait in a file in childlogdir) or drop (4.2.5: the oldest is discarded)' },
  { key: 'buffer_memory_maxbytes', type: 'byte_size', default: '4MB', expansion: 'none', doc: 'beyond 4.2.5: payload bytes a spooling pool holds in memory past buffer_size before events go to the spool file; 0 = straight to the spool' },
  { key: 'buffer_spool_maxbytes', type: 'byte_size', default: '256MB', expansion: 'none', doc: 'beyond 4.2.5: cap of the spool file; past it events are dropped and counted; 0 = bounded only by the disk' },
  { key: 'busy_timeout', type: 'integer', default: 0, expansion: 'none', doc: 'beyond 4.2.5: seconds a listener may take to answer before it is restarted; 0 = no limit' },
];

const FCGI_PROGRAM: KeySpec[] = [
  ...PROGRAM,
  { key: 'socket', type: 'socket', default: null, required: true, expansion: 'fcgi_socket', doc: 'unix:///abs/path or tcp://host:port, passed to children as fd 0' },
  { key: 'socket_backlog', type: 'integer', default: null, expansion: 'env_here', doc: 'listen backlog, 1 to 65535' },
  { key: 'socket_owner', type: 'user_group', default: null, expansion: 'env_here', doc: 'user[:group] of a unix socket' },
  { key: 'socket_mode', type: 'octal', default: null, dynamicDefault: '0700 for unix sockets', expansion: 'env_here', doc: 'permissions of a unix socket' },
];

const GROUP: KeySpec[] = [
  { key: 'programs', type: 'string_list', default: null, expansion: 'env_here', doc: 'program or fcgi-program names in this group, comma separated' },
  { key: 'priority', type: 'integer', default: 999, expansion: 'env_here', doc: 'start and stop order of the group' },
];

const AUTH: KeySpec[] = [
  { key: 'username', type: 'string', default: null, expansion: 'env', doc: 'user name required by the server' },
  { key: 'password', type: 'string', default: null, expansion: 'env', doc: 'password, plain or {SHA}<hex sha1>' },
];

const UNIX_HTTP_SERVER: KeySpec[] = [
  { key: 'file', type: 'path', default: null, required: true, expansion: 'env_here', doc: 'path of the unix socket' },
  { key: 'chmod', type: 'octal', default: null, dynamicDefault: '0700', expansion: 'env', doc: 'permissions of the socket file' },
  { key: 'chown', type: 'user_group', default: null, expansion: 'env', doc: 'user[:group] owning the socket file' },
  ...AUTH,
];

const INET_HTTP_SERVER: KeySpec[] = [
  { key: 'port', type: 'inet_address', default: null, required: true, expansion: 'env', doc: 'host:port to listen on; empty host or * = all interfaces' },
  ...AUTH,
  { key: 'allowed_hosts', type: 'string', default: null, expansion: 'env', doc: 'beyond 4.2.5: without a password, Host names answered besides IP addresses, localhost, the port= host and this machine\'s name (comma-separated; * = any, behind a reverse proxy)' },
];

// beyond 4.2.5 (which ignores the section): no credentials, by design; it serves the probes only
const PROBE_HTTP_SERVER: KeySpec[] = [
  { key: 'port', type: 'inet_address', default: null, required: true, expansion: 'env', doc: 'beyond 4.2.5: host:port answering GET /livez and /readyz[/name,...] without credentials, and nothing else; empty host or * = all interfaces' },
];

const SUPERVISORCTL: KeySpec[] = [
  { key: 'serverurl', type: 'url', default: 'http://localhost:9001', expansion: 'env_here', doc: 'URL of supervisord (http:// or unix://)' },
  { key: 'username', type: 'string', default: null, expansion: 'env', doc: 'user name sent to the server' },
  { key: 'password', type: 'string', default: null, expansion: 'env', doc: 'password sent to the server' },
  { key: 'prompt', type: 'string', default: 'supervisor', expansion: 'env', doc: 'interactive prompt' },
  { key: 'history_file', type: 'path', default: null, expansion: 'env_here', doc: 'readline history file' },
];

const INCLUDE: KeySpec[] = [
  { key: 'files', type: 'glob_list', default: null, required: true, expansion: 'include', doc: 'whitespace-separated globs, relative to the main config file' },
];

const RPCINTERFACE: KeySpec[] = [
  { key: 'supervisor.rpcinterface_factory', type: 'import_spec', default: null, required: true, expansion: 'env', doc: 'module:callable making the RPC namespace; other keys are its arguments' },
];

const CTLPLUGIN: KeySpec[] = [
  { key: 'supervisor.ctl_factory', type: 'import_spec', default: null, required: true, expansion: 'env', doc: 'module:callable making the supervisorctl plugin; other keys are its arguments' },
];

/** Every section kind's keys, in the order echo_supervisord_conf documents them. */
export const SCHEMA: Record<SectionKind, readonly KeySpec[]> = {
  supervisord: SUPERVISORD,
  program: PROGRAM,
  eventlistener: EVENTLISTENER,
  'fcgi-program': FCGI_PROGRAM,
  group: GROUP,
  unix_http_server: UNIX_HTTP_SERVER,
  inet_http_server: INET_HTTP_SERVER,
  probe_http_server: PROBE_HTTP_SERVER,
  supervisorctl: SUPERVISORCTL,
  include: INCLUDE,
  rpcinterface: RPCINTERFACE,
  ctlplugin: CTLPLUGIN,
};

/** The spec of one key; throws on a key the schema does not know (a loader bug, not a user error). */
export function keySpec(kind: SectionKind, key: string): KeySpec {
  const spec = SCHEMA[kind].find((k) => k.key === key);
  if (!spec) throw new Error(`schema has no key ${key} in [${kind}]`);
  return spec;
}

/** Which kind of section a name is, by 4.2.5's prefix rules; null for sections 4.2.5 ignores. */
export function sectionKind(name: string): SectionKind | null {
  if (name === 'supervisord' || name === 'supervisorctl' || name === 'include') return name;
  if (name.startsWith('unix_http_server')) return 'unix_http_server';
  if (name.startsWith('inet_http_server')) return 'inet_http_server';
  // ours, not 4.2.5's: 4.2.5 ignores it, as any section it does not know
  if (name === 'probe_http_server') return 'probe_http_server';
  for (const prefix of ['program', 'eventlistener', 'fcgi-program', 'group', 'rpcinterface', 'ctlplugin'] as const) {
    if (name.startsWith(prefix + ':')) return prefix;
  }
  return null;
}
