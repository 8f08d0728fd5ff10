// Scenario 4: a crash loop. One program exits (status 1) 50 ms after it starts, with
// autorestart=true and startsecs=0; an event listener records when each PROCESS_STATE_EXITED
// arrives and the child writes its pid and the time just before it exits.
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, makeTempDir, quantile, sleep, startDaemon, writeConfig } from '../lib.mjs';

const SECONDS = Number(process.env.BENCH_CRASH_SECONDS ?? 10);

export default {
  name: 'crashloop',
  number: 4,
  title: 'Crash loop: a program exiting every 50 ms',
  method:
    `One program (\`/bin/sh\` script: \`sleep 0.05\`, append its pid and \`date +%s%N\` to a file, \`exit 1\`) ` +
    `with \`autorestart=true\`, \`startsecs=0\`, and one \`[eventlistener:x]\` (Node, \`bench/helpers/listener.mjs\`) ` +
    `subscribed to PROCESS_STATE_EXITED that appends each event's pid and arrival time. The program has ` +
    `\`autostart=false\` and is started over RPC once the listener is RUNNING; over the ${SECONDS} s that follow: restarts/s = EXITED events / window; latency = arrival at the listener minus the ` +
    `child's last timestamp for the same pid (includes the child's own exit after \`date\`, well under 1 ms).`,
  notes:
    'Our core deliberately throttles automatic restarts to one per second per process ' +
    '(`MIN_AUTORESTART_INTERVAL_MS = 1000` in `src/process/subprocess.ts`), so our restarts/s is capped near 1/s ' +
    'whatever the child\'s run time; the exit→event latency is not affected by the throttle. 4.2.5 reaps and ' +
    'dispatches on its one-second select() poll, which bounds both its latency and its restart rate.',
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
    const exits = new Map();
    for (const line of fs.readFileSync(exitsFile, 'utf8').trim().split('\n')) {
      const [pid, ns] = line.split(' ');
      exits.set(pid, Number(BigInt(ns) / 1000n) / 1000);
    }
    const events = text.trim().split('\n').filter(Boolean).map((l) => l.split(' '));
    const latencies = [];
    for (const [, pid, at] of events) {
      if (exits.has(pid)) latencies.push(Number(at) - exits.get(pid));
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return {
      restartsPerSec: events.length / SECONDS,
      p50: quantile(latencies, 0.5),
      p90: quantile(latencies, 0.9),
      max: Math.max(...latencies),
      events: events.length,
    };
  },
};
