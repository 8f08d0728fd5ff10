// Scenario 4: a crash loop. One program exits (status 1) 50 ms after it starts, with
// autorestart=true and startsecs=0; an event listener records when each PROCESS_STATE_EXITED
// arrives and the child writes its pid and the time just before it exits.
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, makeTempDir, quantile, scaled, sleep, startDaemon, wallMs, writeConfig } from '../lib.mjs';
import { startPm2 } from '../pm2.mjs';

const SECONDS = Number(process.env.BENCH_CRASH_SECONDS ?? scaled(10, 3));

function readExits(exitsFile) {
  const exits = new Map();
  if (!fs.existsSync(exitsFile)) return exits;
  for (const line of fs.readFileSync(exitsFile, 'utf8').trim().split('\n').filter(Boolean)) {
    const [pid, ns] = line.split(' ');
    exits.set(pid, Number(BigInt(ns) / 1000n) / 1000);
  }
  return exits;
}

function latencyFigures(latencies) {
  return { p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), max: latencies.length ? Math.max(...latencies) : NaN };
}

/**
 * PM2: the same script as an app with autorestart, no restart delay and no restart limit; restarts
 * from restart_time over the window, latency from the 'exit' events of its bus (the exits are
 * sequential, so each event belongs to the latest child timestamp before it).
 */
async function underPm2(dir, exitsFile) {
  const p = await startPm2();
  try {
    const bus = await p.call('launchBus');
    const arrivals = [];
    bus.on('process:event', (packet) => {
      if (packet.event === 'exit' && packet.process?.name === 'crash') arrivals.push(wallMs());
    });
    await p.call('start', {
      name: 'crash',
      script: '/bin/sh',
      args: [path.join(dir, 'child.sh')],
      interpreter: 'none',
      autorestart: true,
      max_restarts: 1_000_000_000,
      min_uptime: 0,
      restart_delay: 0,
      out_file: '/dev/null',
      error_file: '/dev/null',
    });
    const restarts = async () => (await p.call('describe', 'crash'))[0]?.pm2_env?.restart_time ?? 0;
    const r0 = await restarts();
    const t0 = wallMs();
    await sleep(SECONDS * 1000);
    const r1 = await restarts();
    const windowS = (wallMs() - t0) / 1000;
    const exitTimes = [...readExits(exitsFile).values()].sort((a, b) => a - b);
    const latencies = [];
    for (const at of arrivals) {
      const before = exitTimes.filter((e) => e <= at).pop();
      if (before !== undefined) latencies.push(at - before);
    }
    return { restartsPerSec: (r1 - r0) / windowS, ...latencyFigures(latencies), events: arrivals.length };
  } finally {
    await p.stop();
  }
}

export default {
  name: 'crashloop',
  number: 4,
  title: 'Crash loop: a program exiting every 50 ms',
  method:
    `One program (\`/bin/sh\` script: \`sleep 0.05\`, append its pid and \`date +%s%N\` to a file, \`exit 1\`) ` +
    `with \`autorestart=true\`, \`startsecs=0\`, and one \`[eventlistener:x]\` (Node, \`bench/helpers/listener.mjs\`) ` +
    `subscribed to PROCESS_STATE_EXITED that appends each event's pid and arrival time. The program has ` +
    `\`autostart=false\` and is started over RPC once the listener is RUNNING; over the ${SECONDS} s that follow: restarts/s = EXITED events / window; latency = arrival at the listener minus the ` +
    `child's last timestamp for the same pid (includes the child's own exit after \`date\`, well under 1 ms). ` +
    `PM2: the same script as an app (\`autorestart\`, \`restart_delay: 0\`, \`min_uptime: 0\`, no restart limit); ` +
    `restarts/s from its \`restart_time\` over the window, latency from the arrival of its bus's \`exit\` events ` +
    `(\`pm2.launchBus\`) minus the latest child timestamp before each.`,
  notes:
    'Automatic restarts follow the exit at once, with a 50 ms floor per process (`MIN_AUTORESTART_INTERVAL_MS` ' +
    'in `src/process/subprocess.ts`; 4.2.5 waits for its next 1 s poll), so restarts/s is bounded by the ' +
    'child\'s own run time. Exits are reaped on SIGCHLD (`waitid` then `waitpid` for our posix-spawned children, ' +
    'ADR 0009) and the EXITED event is sent once the child\'s pipes have closed. 4.2.5 reaps and dispatches on ' +
    'its one-second select() poll, which bounds both its latency and its restart rate.',
  daemons: ['ours', 'theirs', 'pm2'],
  defaultReps: 2,
  metrics: [
    { key: 'restartsPerSec', label: 'restarts/s', unit: '/s', better: 'higher', target: { min: 10, text: 'i.e. limited by the child\'s ~60 ms run time' } },
    { key: 'p50', label: 'exit → EXITED event, p50', unit: 'ms', better: 'lower', target: { max: 10 } },
    { key: 'p90', label: 'exit → EXITED event, p90', unit: 'ms', better: 'lower' },
    { key: 'max', label: 'exit → EXITED event, max', unit: 'ms', better: 'lower' },
    { key: 'events', label: 'EXITED events in window', unit: '', better: 'higher' },
  ],
  async once(daemon) {
    const dir = makeTempDir();
    const exitsFile = path.join(dir, 'exits.txt');
    const eventsFile = path.join(dir, 'events.txt');
    fs.writeFileSync(path.join(dir, 'child.sh'), `sleep 0.05\necho $$ $(date +%s%N) >> ${exitsFile}\nexit 1\n`);
    if (daemon.id === 'pm2') {
      try {
        return await underPm2(dir, exitsFile);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    const conf = writeConfig(
      dir,
      [
        '[program:crash]',
        `command=/bin/sh ${dir}/child.sh`,
        'autostart=false',
        'autorestart=true',
        'startsecs=0',
        'startretries=1000000',
        'stdout_logfile=NONE',
        'stderr_logfile=NONE',
        '',
        '[eventlistener:rec]',
        `command=${process.execPath} ${path.join(BENCH_DIR, 'helpers', 'listener.mjs')} ${eventsFile}`,
        'events=PROCESS_STATE_EXITED',
        'buffer_size=10000',
        'stdout_logfile=NONE',
        'stderr_logfile=NONE',
      ].join('\n'),
    );
    const d = await startDaemon(daemon, dir, conf);
    let text = '';
    try {
      // start the crash loop only once the listener is RUNNING (events to a listener that is not
      // yet ready wait in its buffer), then count over SECONDS
      const deadline = Date.now() + 30_000;
      while (!/<name>statename<\/name>\s*<value>(?:<string>)?RUNNING/.test(await d.rpc.call('supervisor.getProcessInfo', ['rec']))) {
        if (Date.now() > deadline) throw new Error('listener never RUNNING');
        await sleep(20);
      }
      await d.rpc.call('supervisor.startProcess', ['crash', false]);
      await sleep(SECONDS * 1000);
      text = fs.existsSync(eventsFile) ? fs.readFileSync(eventsFile, 'utf8') : '';
    } finally {
      await d.stop();
    }
    const exits = readExits(exitsFile);
    const events = text.trim().split('\n').filter(Boolean).map((l) => l.split(' '));
    const latencies = [];
    for (const [, pid, at] of events) {
      if (exits.has(pid)) latencies.push(Number(at) - exits.get(pid));
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return { restartsPerSec: events.length / SECONDS, ...latencyFigures(latencies), events: events.length };
  },
};
