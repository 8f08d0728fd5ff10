// Process groups from [group:x], [program:x], [eventlistener:x] and [fcgi-program:x], built in
// 4.2.5's order (process_groups_from_parser and _processes_from_section) so that the first error
// 4.2.5 would report is the one we report.
import { readProgramExtensions } from './program-extensions.js';
import { inSectionSuffix, machineCheck, saneget, type LoadContext } from './context.js';
import {
  autoRestart,
  boolean,
  byteSize,
  colonSeparatedUserGroup,
  dictOfKeyValuePairs,
  existingDirpath,
  expandUser,
  gidForUid,
  integer,
  joinPath,
  listOfExitcodes,
  listOfStrings,
  logfileName,
  nameToUid,
  normalizePath,
  octalType,
  processOrGroupName,
  pythonDirname,
  signalName,
  signalNumber,
} from './datatypes.js';
import { ENVIRONMENT_FILE_KEY, readEnvironmentFiles } from './environment-file.js';
import { EVENT_TYPE_NAMES } from './events.js';
import { expand, type Expansions } from './expand.js';
import { importSpec } from './plugins.js';
import { PyValueError, comparePy, pyRepr, pyStrip, type PyValue } from './python.js';
import type { FcgiSocketConfig, GroupConfig, GroupType, LogfileSetting, ProcessConfig } from './types.js';

const HERE_ONLY = (ctx: LoadContext): Array<[string, PyValue]> => [['here', ctx.here]];

/** 4.2.5's Config ordering: priority, then name (stable). */
function byPriorityThenName<T extends { priority: number; name: string }>(a: T, b: T): number {
  if (a.priority !== b.priority) return a.priority < b.priority ? -1 : 1;
  return comparePy(a.name, b.name);
}

export function processGroupsFromParser(ctx: LoadContext): GroupConfig[] {
  const groups: GroupConfig[] = [];
  const allSections = ctx.parser.sections();
  const has = (s: string) => allSections.includes(s);
  const homogeneousExclude: string[] = [];
  const get = <D extends string | number | boolean | null>(section: string, key: string, fallback: D) =>
    saneget(ctx, section, key, fallback, HERE_ONLY(ctx));

  for (const groupSection of allSections) {
    if (!groupSection.startsWith('group:')) continue;
    // 4.2.5 reuses its loop variable, so an unknown name is reported against the previous program
    let section = groupSection;
    const groupName = processOrGroupName(section.slice(section.indexOf(':') + 1));
    const programs = listOfStrings(get(section, 'programs', null));
    const priority = integer(get(section, 'priority', 999));
    const processes: ProcessConfig[] = [];
    for (const program of programs) {
      const programSection = `program:${program}`;
      const fcgiSection = `fcgi-program:${program}`;
      if (!has(programSection) && !has(fcgiSection)) {
        throw new PyValueError(`[${section}] names unknown program or fcgi-program ${program}`);
      }
      if (has(programSection) && has(fcgiSection)) {
        throw new PyValueError(`[${section}] name ${program} is ambiguous (exists as program and fcgi-program)`);
      }
      section = has(programSection) ? programSection : fcgiSection;
      homogeneousExclude.push(section);
      processes.push(...processesFromSection(ctx, section, groupName));
    }
    groups.push({ name: groupName, type: 'process', section: groupSection, priority, processes });
  }

  for (const section of allSections) {
    if (!section.startsWith('program:') || homogeneousExclude.includes(section)) continue;
    const programName = processOrGroupName(section.slice(section.indexOf(':') + 1));
    const priority = integer(get(section, 'priority', 999));
    const processes = processesFromSection(ctx, section, programName);
    groups.push({ name: programName, type: 'process', section, priority, processes });
  }

  for (const section of allSections) {
    if (!section.startsWith('eventlistener:')) continue;
    groups.push(eventListenerPool(ctx, section));
  }

  for (const section of allSections) {
    if (!section.startsWith('fcgi-program:') || homogeneousExclude.includes(section)) continue;
    groups.push(fcgiGroup(ctx, section));
  }

  return groups.sort(byPriorityThenName);
}

function eventListenerPool(ctx: LoadContext, section: string): GroupConfig {
  const get = <D extends string | number | boolean | null>(key: string, fallback: D) =>
    saneget(ctx, section, key, fallback, HERE_ONLY(ctx));
  const poolName = section.slice(section.indexOf(':') + 1);
  // listeners default to a "high" priority so they start first and stop last
  const priority = integer(get('priority', -1));
  const bufferSize = integer(get('buffer_size', 10));
  if (bufferSize < 1) throw new PyValueError(`[${section}] section sets invalid buffer_size (${bufferSize})`);
  const resultHandler = importSpec(ctx, section, 'result_handler', get('result_handler', 'supervisor.dispatchers:default_handler'));
  const eventNames = [...new Set(listOfStrings(get('events', '')).map((x) => x.toUpperCase()))];
  if (eventNames.length === 0) throw new PyValueError(`[${section}] section requires an "events" line`);
  for (const name of eventNames) {
    if (!EVENT_TYPE_NAMES.has(name)) throw new PyValueError(`Unknown event type ${name} in [${section}] events`);
  }
  if (boolean(get('redirect_stderr', 'false'))) {
    throw new PyValueError(
      `[${section}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol`,
    );
  }
  const processes = processesFromSection(ctx, section, poolName);
  return {
    name: poolName,
    type: 'eventlistener',
    section,
    priority,
    processes,
    buffer_size: bufferSize,
    events: eventNames.sort(comparePy),
    result_handler: resultHandler,
  };
}

function fcgiGroup(ctx: LoadContext, section: string): GroupConfig {
  const get = <D extends string | number | boolean | null>(key: string, fallback: D, extra: Array<[string, PyValue]> = []) =>
    saneget(ctx, section, key, fallback, [...extra, ...HERE_ONLY(ctx)]);
  const programName = processOrGroupName(section.slice(section.indexOf(':') + 1));
  const priority = integer(get('priority', 999));
  const procUser = get('user', null);
  const procUid =
    procUser === null
      ? null
      : machineCheck(ctx, 'user', { section, key: 'user', value: procUser }, () => nameToUid(procUser, ctx.users), () => null);
  let backlog: number | null = null;
  const backlogValue = get('socket_backlog', null);
  if (backlogValue !== null) {
    backlog = integer(backlogValue);
    if (backlog < 1 || backlog > 65535) throw new PyValueError(`Invalid socket_backlog value ${backlog}`);
  }
  const ownerValue = get('socket_owner', null);
  let owner: [number | null, number | null] | null = null;
  if (ownerValue !== null) {
    owner = machineCheck<[number | null, number | null]>(
      ctx,
      'usergroup',
      { section, key: 'socket_owner', value: ownerValue },
      () => colonSeparatedUserGroup(ownerValue, ctx.users),
      () => [null, null],
      () => `Invalid socket_owner value ${ownerValue}`,
    );
  }
  const modeValue = get('socket_mode', null);
  let mode: number | null = null;
  if (modeValue !== null) {
    try {
      mode = octalType(modeValue);
    } catch {
      throw new PyValueError(`Invalid socket_mode value ${modeValue}`);
    }
  }
  const socket = get('socket', null, [['program_name', programName]]);
  if (!socket) throw new PyValueError(`[${section}] section requires a "socket" line`);
  let socketConfig: FcgiSocketConfig;
  try {
    socketConfig = parseFcgiSocket(ctx, socket, procUid, owner, mode, backlog);
  } catch (e) {
    if (e instanceof PyValueError) throw new PyValueError(`${e.message} in [${section}] socket`);
    throw e;
  }
  const processes = processesFromSection(ctx, section, programName);
  return { name: programName, type: 'fcgi', section, priority, processes, socket: socketConfig };
}

function parseFcgiSocket(
  ctx: LoadContext,
  sock: string,
  procUid: number | null,
  owner: [number | null, number | null] | null,
  mode: number | null,
  backlog: number | null,
): FcgiSocketConfig {
  if (sock.startsWith('unix://')) {
    const rawPath = sock.slice(7);
    if (!rawPath.startsWith('/')) {
      throw new PyValueError(`(${pyRepr('Unix socket path %s is not an absolute path')}, ${pyRepr(rawPath)})`);
    }
    const socketPath = normalizePath(rawPath, ctx);
    if (owner === null) {
      const uid = process.getuid?.() ?? 0;
      if (procUid !== null && procUid !== uid) owner = [procUid, gidForUid(procUid, ctx.users)];
    }
    return { url: `unix://${socketPath}`, backlog, mode: mode ?? 0o700, owner };
  }
  if (owner !== null || mode !== null) {
    throw new PyValueError('socket_owner and socket_mode params should only be used with a Unix domain socket');
  }
  const m = /^tcp:\/\/([^\s:]+):(\d+)\n?$/u.exec(sock);
  if (m) {
    const host = m[1]!.toLowerCase();
    const port = integer(m[2]!);
    if (port < 1) throw new PyValueError(`${port} is below lower bound (1)`);
    if (port > 0xffff) throw new PyValueError(`${port} is above upper bound (65535)`);
    return { url: `tcp://${host}:${port}`, backlog, mode: null, owner: null };
  }
  throw new PyValueError(`(${pyRepr('Bad socket format %s')}, ${pyRepr(sock)})`);
}

/** 4.2.5's processes_from_section: any error gets " in section '<s>' (file: '<f>')". */
export function processesFromSection(ctx: LoadContext, section: string, groupName: string): ProcessConfig[] {
  ctx.processSection = section;
  try {
    return buildProcesses(ctx, section, groupName);
  } catch (e) {
    if (e instanceof PyValueError) throw new PyValueError(e.message + inSectionSuffix(ctx, section));
    throw e;
  } finally {
    ctx.processSection = null;
  }
}

// 4.2.5 builds one process config per numprocs before it starts anything: numprocs=10**20 never
// finishes loading (it runs out of memory). Past this many, the file is refused instead.
export const MAX_NUMPROCS = 100_000;

function buildProcesses(ctx: LoadContext, section: string, groupName: string): ProcessConfig[] {
  const programName = processOrGroupName(section.slice(section.indexOf(':') + 1));
  // 4.2.5 aliases this dict as each process's expansions, so names added while building one
  // process (process_num, the program's ENV_*) stay visible to later reads
  const common: Expansions = new Map<string, PyValue>([
    ['here', ctx.here],
    ['program_name', programName],
    ['host_node_name', ctx.hostname],
    ['group_name', groupName],
  ]);
  const get = <D extends string | number | boolean | null>(key: string, fallback: D, expand = true) =>
    saneget(ctx, section, key, fallback, expand ? common : null);

  const priority = integer(get('priority', 999));
  const autostart = boolean(get('autostart', 'true'));
  const autorestart = autoRestart(get('autorestart', 'unexpected'));
  const startsecs = integer(get('startsecs', 1));
  const startretries = integer(get('startretries', 3));
  const stopsignal = signalNumber(get('stopsignal', 'TERM'));
  const stopwaitsecs = integer(get('stopwaitsecs', 10));
  const stopasgroup = boolean(get('stopasgroup', 'false'));
  const killasgroup = boolean(get('killasgroup', stopasgroup));
  const exitcodes = listOfExitcodes(get('exitcodes', '0'));
  const redirectStderr = boolean(get('redirect_stderr', 'false'));
  const numprocs = integer(get('numprocs', 1));
  if (numprocs > MAX_NUMPROCS) throw new PyValueError(`numprocs ${numprocs} is above the limit of ${MAX_NUMPROCS}`);
  const numprocsStart = integer(get('numprocs_start', 0));
  const environmentTemplate = get('environment', '', false);
  const stdoutCaptureMaxbytes = byteSize(get('stdout_capture_maxbytes', '0'));
  const stdoutEvents = boolean(get('stdout_events_enabled', 'false'));
  const stderrCaptureMaxbytes = byteSize(get('stderr_capture_maxbytes', '0'));
  const stderrEvents = boolean(get('stderr_events_enabled', 'false'));
  let serverurl = get('serverurl', null);
  if (serverurl && pyStrip(serverurl).toUpperCase() === 'AUTO') serverurl = null;
  const user = get('user', null);
  const uid =
    user === null
      ? null
      : machineCheck(ctx, 'user', { section, key: 'user', value: user }, () => nameToUid(user, ctx.users), () => null);
  const umaskValue = get('umask', null);
  const umask = umaskValue === null ? null : octalType(umaskValue);
  const processName = processOrGroupName(get('process_name', '%(program_name)s', false));
  if (numprocs > 1 && !processName.includes('%(process_num)')) {
    throw new PyValueError('%(process_num) must be present within process_name when numprocs > 1');
  }
  if (stopasgroup && !killasgroup) throw new PyValueError('Cannot set stopasgroup=true and killasgroup=false');

  const processes: ProcessConfig[] = [];
  for (let processNum = numprocsStart; processNum < numprocs + numprocsStart; processNum++) {
    const expansions = common;
    expansions.set('process_num', processNum);
    expansions.set('numprocs', numprocs);
    for (const [k, v] of ctx.environExpansions) expansions.set(k, v);
    const environment = dictOfKeyValuePairs(expand(environmentTemplate, expansions, 'environment'));
    for (const [k, v] of Object.entries(environment)) expansions.set(`ENV_${k}`, v);
    const directory = get('directory', null);

    const logs = {} as Record<'stdout' | 'stderr', ChannelLog>;
    for (const channel of ['stdout', 'stderr'] as const) {
      logs[channel] = channelLog(ctx, section, channel, expansions, get);
    }
    if (redirectStderr) {
      if (logs.stderr.logfile !== 'AUTO' && logs.stderr.logfile !== null) {
        ctx.warnings.push(
          `For [${section}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored`,
        );
      }
      // never create an stderr logfile when redirected
      logs.stderr.logfile = null;
    }
    const raw = Object.fromEntries(ctx.parser.items(section));
    const command = saneget(ctx, section, 'command', null, expansions);
    if (command === null) throw new PyValueError(`program section ${section} does not specify a command`);
    const fileEnvironment = environmentFromFiles(ctx, section, expansions);

    processes.push({
      name: expand(processName, expansions, 'process_name'),
      section,
      command,
      priority,
      autostart,
      autorestart,
      startsecs,
      startretries,
      exitcodes,
      stopsignal: signalName(stopsignal),
      stopwaitsecs,
      stopasgroup,
      killasgroup,
      user,
      uid,
      gid: uid === null ? null : gidForUid(uid, ctx.users),
      directory,
      umask,
      // beyond 4.2.5: the section's explicit keys beat its files
      environment: { ...fileEnvironment, ...environment },
      redirect_stderr: redirectStderr,
      serverurl,
      stdout_logfile: logs.stdout.logfile,
      stdout_logfile_maxbytes: logs.stdout.maxbytes,
      stdout_logfile_backups: logs.stdout.backups,
      stdout_capture_maxbytes: stdoutCaptureMaxbytes,
      stdout_events_enabled: stdoutEvents,
      stdout_syslog: logs.stdout.syslog,
      stderr_logfile: logs.stderr.logfile,
      stderr_logfile_maxbytes: logs.stderr.maxbytes,
      stderr_logfile_backups: logs.stderr.backups,
      stderr_capture_maxbytes: stderrCaptureMaxbytes,
      stderr_events_enabled: stderrEvents,
      stderr_syslog: logs.stderr.syslog,
      raw,
      extensions: readProgramExtensions(section, raw, (value, key) => expand(value, expansions, key)),
    });
  }
  return processes.sort(byPriorityThenName);
}

/**
 * environment_file= (beyond 4.2.5), expanded like `directory` (so %(process_num)s works); relative
 * paths start at the directory of the file that holds the section, as %(here)s does. The values
 * are data for the child, not names for %(ENV_x)s expansion.
 */
function environmentFromFiles(ctx: LoadContext, section: string, expansions: Expansions): Record<string, string> {
  const value = saneget(ctx, section, ENVIRONMENT_FILE_KEY, null, expansions);
  if (value === null) return {};
  const file = ctx.parser.sectionToFile.get(section) ?? ctx.configFile;
  return readEnvironmentFiles(value, pythonDirname(joinPath(ctx.cwd, file)));
}

interface ChannelLog {
  logfile: LogfileSetting;
  backups: number;
  maxbytes: number;
  syslog: boolean;
}

function channelLog(
  ctx: LoadContext,
  section: string,
  channel: 'stdout' | 'stderr',
  expansions: Expansions,
  get: <D extends string | number | boolean | null>(key: string, fallback: D) => string | D,
): ChannelLog {
  const key = `${channel}_logfile`;
  // logfile names are expanded twice: once by the read, once here
  const value = expand(get(key, 'AUTO'), expansions, key);
  const name = logfileName(value, (v) =>
    machineCheck(ctx, 'dirpath', { section, key, value: v }, () => existingDirpath(v, ctx), () => expandUser(v, ctx.env, ctx.users)),
  );
  const backups = integer(get(`${key}_backups`, 10));
  const maxbytes = byteSize(get(`${key}_maxbytes`, '50MB'));
  let syslog = boolean(get(`${channel}_syslog`, false));
  let logfile: LogfileSetting;
  if (name !== null && typeof name === 'object' && name.special === 'syslog') {
    ctx.warnings.push(
      `For [${section}], ${key}=syslog but this is deprecated and will be removed.  Use ${channel}_syslog=true to enable syslog instead.`,
    );
    logfile = null;
    syslog = true;
  } else if (name !== null && typeof name === 'object') {
    logfile = 'AUTO';
  } else {
    logfile = name;
  }
  if (logfile === 'AUTO' && !maxbytes) {
    ctx.warnings.push(
      `For [${section}], AUTO logging used for ${key} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally`,
    );
  }
  return { logfile, backups, maxbytes, syslog };
}

export type { GroupType };
