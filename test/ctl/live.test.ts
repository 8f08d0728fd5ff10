// What needs a live session: tail -f / maintail -f / fg streams, Ctrl-C, shutdown and reload, the
// shell on a terminal (completion, history), and our status --json / --probe.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { normalize, OUR_CTL, REAL_CTL, runCtl, startRealDaemon, type RealDaemon } from './real-daemon.js';

let daemon: RealDaemon;
/** every client a test started, killed afterwards if a failed test left it running */
const started: ChildProcess[] = [];

interface Session {
  output: () => string;
  write: (text: string) => void;
  endInput: () => void;
  signal: (sig: NodeJS.Signals) => void;
  waitFor: (pattern: RegExp | string) => Promise<void>;
  exited: Promise<number | null>;
}

function session(file: string, args: string[]): Session {
  const child = spawn(file, args, { cwd: daemon.dir, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LANG: 'C.UTF-8', TERM: 'xterm' } });
  started.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    output: () => out,
    write: (text) => child.stdin.write(text),
    endInput: () => child.stdin.end(),
    signal: (sig) => child.kill(sig),
    async waitFor(pattern) {
      const deadline = Date.now() + 15_000;
      while (!(typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw ${pattern}; output: ${JSON.stringify(out)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    exited,
  };
}

const ctl = (which: 'ours' | 'real', args: string[]): Session =>
  which === 'ours' ? session(process.execPath, [OUR_CTL, '-c', daemon.conf, ...args]) : session(REAL_CTL, ['-c', daemon.conf, ...args]);

describe('supervisorctl live sessions against the real supervisord', { concurrency: false }, () => {
  before(async () => {
    // ticker: 4.2.5's fg thread notices Ctrl-C only when output arrives, so it needs a steady talker
    daemon = await startRealDaemon(
      "\n[program:slowstart]\ncommand=sleep 1000\nstartsecs=600\n\n[program:ticker]\ncommand=sh -c 'while :; do echo tick; sleep 0.2; done'\nstartsecs=0\n",
    );
  });
  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  after(async () => {
    await daemon?.stop();
  });

  test('tail -f and maintail -f stream until Ctrl-C, then print an empty line and exit 0, as 4.2.5 does', async () => {
    for (const [args, seen] of [
      [['tail', '-f', 'out'], 'hello\n'],
      [['tail', '-f', 'out', 'stderr'], 'oops\n'],
      [['maintail', '-f'], 'supervisord started with pid'],
    ] as const) {
      const results: Array<{ out: string; code: number | null }> = [];
      for (const which of ['real', 'ours'] as const) {
        const s = ctl(which, [...args]);
        await s.waitFor(seen);
        s.signal('SIGINT');
        const code = await s.exited;
        results.push({ out: normalize(s.output(), daemon.dir), code });
      }
      const [real, ours] = results as [{ out: string; code: number | null }, { out: string; code: number | null }];
      assert.equal(ours.code, 0);
      assert.equal(real.code, 0);
      assert.ok(ours.out.startsWith('==> Press Ctrl-C to exit <==\n'));
      assert.ok(ours.out.endsWith('\n\n'));
      // 4.2.5 prints the empty line, or, when Ctrl-C lands inside its socket handler, a
      // "Cannot connect, error: <class 'KeyboardInterrupt'>" line: compare what came before
      if (args[0] === 'tail') assert.equal(ours.out.slice(0, -1), real.out.slice(0, ours.out.length - 1));
    }
  });

  test('tail -f picks up output written after it started', async () => {
    const s = ctl('ours', ['tail', '-f', 'cat']);
    await s.waitFor('==> Press Ctrl-C to exit <==\n');
    await runCtl('ours', ['-c', daemon.conf, 'fg', 'cat'], { cwd: daemon.dir, stdin: 'late line\n' });
    await s.waitFor('late line\n');
    s.signal('SIGINT');
    assert.equal(await s.exited, 0);
  });

  test('fg sends typed lines to the process and shows its output; EOF exits the foreground', async () => {
    const s = ctl('ours', ['fg', 'cat']);
    await s.waitFor('==> Press Ctrl-C to exit <==\n');
    s.write('ping from fg\n');
    await s.waitFor(/ping from fg\n/);
    s.endInput();
    assert.equal(await s.exited, 0);
    assert.match(s.output(), /Exiting foreground\n$/);
  });

  test('fg: Ctrl-C exits the foreground with status 0', async () => {
    const s = ctl('ours', ['fg', 'cat']);
    await s.waitFor('==> Press Ctrl-C to exit <==\n');
    s.signal('SIGINT');
    assert.equal(await s.exited, 0);
    assert.match(s.output(), /Exiting foreground\n$/);
  });

  test('fg on a terminal: a typed Ctrl-C exits the foreground with status 0, as 4.2.5 does (one-off and in the shell)', async () => {
    // the terminal is in raw mode while fg reads input, so Ctrl-C arrives as a byte, not as SIGINT
    const onTerminal = (command: string): Session => session('script', ['-qfec', `exec ${command}`, '/dev/null']);
    // a client that ignores Ctrl-C never exits: fail after a generous deadline instead of hanging
    const exitCode = (s: Session): Promise<number | null> =>
      Promise.race([
        s.exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after Ctrl-C: ${JSON.stringify(s.output())}`)), 20_000).unref()),
      ]);
    const results: Record<string, { out: string; code: number | null }> = {};
    for (const [which, command] of [
      ['real', `${REAL_CTL} -c ${daemon.conf} fg ticker`],
      ['ours', `${process.execPath} ${OUR_CTL} -c ${daemon.conf} fg ticker`],
    ] as const) {
      const s = onTerminal(command);
      await s.waitFor('==> Press Ctrl-C to exit <==');
      await s.waitFor(/tick\r\n[^]*tick\r\n/);
      s.write('\x03');
      results[which] = { code: await exitCode(s), out: s.output() };
    }
    assert.equal(results.real!.code, 0, results.real!.out);
    assert.match(results.real!.out, /Exiting foreground\r\n/);
    assert.equal(results.ours!.code, 0, results.ours!.out);
    assert.match(results.ours!.out, /tick\r\n(\^C)?Exiting foreground\r\n$/);

    // in the shell, Ctrl-C ends fg only; the next one, at the prompt, ends the shell
    const shell = onTerminal(`${process.execPath} ${OUR_CTL} -c ${daemon.conf}`);
    await shell.waitFor('supervisor> ');
    shell.write('fg ticker\r');
    await shell.waitFor(/Press Ctrl-C to exit <==[^]*tick\r\n[^]*tick\r\n/);
    shell.write('\x03');
    await shell.waitFor(/Exiting foreground\r\n[^]*supervisor> /);
    shell.write('\x03');
    assert.equal(await exitCode(shell), 0);
  });

  test('status --json: one document with every getAllProcessInfo field, the namespec and the exit record', async () => {
    await runCtl('real', ['-c', daemon.conf, 'start', 'quick'], { cwd: daemon.dir });
    const run = await runCtl('ours', ['-c', daemon.conf, 'status', '--json'], { cwd: daemon.dir });
    const doc = JSON.parse(run.stdout) as { version: number; processes: Array<Record<string, unknown>>; errors: unknown[]; exitstatus: number };
    assert.equal(doc.version, 1);
    assert.equal(run.code, doc.exitstatus);
    assert.equal(run.code, 3, run.stdout); // idle, nofile... are stopped
    const quick = doc.processes.find((p) => p.name === 'quick')!;
    for (const key of ['name', 'group', 'start', 'stop', 'now', 'state', 'statename', 'spawnerr', 'exitstatus', 'logfile', 'stdout_logfile', 'stderr_logfile', 'pid', 'description', 'namespec', 'exit']) {
      assert.ok(key in quick, key);
    }
    assert.equal(quick.statename, 'FATAL');
    assert.deepEqual(Object.keys(quick.exit as object), ['at', 'exitstatus', 'signal', 'expected', 'uptime']);
    assert.equal((quick.exit as { exitstatus: number }).exitstatus, quick.exitstatus);
    assert.equal((quick.exit as { at: number }).at, quick.stop);
    assert.equal(doc.processes.find((p) => p.name === 'idle')!.exit, null);
    assert.equal(doc.processes.find((p) => p.group === 'multi' && p.name === 'multi_00')!.namespec, 'multi:multi_00');

    const some = await runCtl('ours', ['-c', daemon.conf, 'status', '--json', 'cat', 'nosuch'], { cwd: daemon.dir });
    const partial = JSON.parse(some.stdout) as { processes: Array<{ name: string }>; errors: unknown[] };
    assert.deepEqual(partial.processes.map((p) => p.name), ['cat']);
    assert.deepEqual(partial.errors, [{ name: 'nosuch', error: 'no such process' }]);
    assert.equal(some.code, 4);

    const down = await runCtl('ours', ['-s', 'http://127.0.0.1:1', 'status', '--json'], { cwd: daemon.dir });
    assert.equal(down.code, 4);
    assert.deepEqual(JSON.parse(down.stdout).errors, [{ name: '', error: 'http://127.0.0.1:1 refused connection' }]);
  });

  test('status --probe fails for STARTING, BACKOFF and FATAL, where plain status passes STARTING', async () => {
    const probe = async (...names: string[]) => {
      const run = await runCtl('ours', ['-c', daemon.conf, 'status', '--probe', ...names], { cwd: daemon.dir });
      return `${run.code}: ${run.stdout}`;
    };
    const plain = async (...names: string[]) => (await runCtl('real', ['-c', daemon.conf, 'status', ...names], { cwd: daemon.dir })).code;
    assert.match(await probe('cat', 'out'), /^0: /);
    assert.equal(await plain('slowstart'), 0); // 4.2.5: STARTING passes
    assert.match(await probe('slowstart'), /^3: /);
    await runCtl('real', ['-c', daemon.conf, 'start', 'quick'], { cwd: daemon.dir });
    assert.match(await probe('quick'), /^3: /); // FATAL
    assert.match(await probe('idle'), /^3: /); // STOPPED
    assert.match(await probe('nosuch'), /^4: /);
    const both = await runCtl('ours', ['-c', daemon.conf, 'status', '--probe', '--json', 'slowstart'], { cwd: daemon.dir });
    assert.equal(both.code, 3);
    assert.equal(JSON.parse(both.stdout).processes[0].statename, 'STARTING');
  });

  test('the shell on a terminal: tab completion of commands and names, history file, Ctrl-C at the prompt', async () => {
    const history = path.join(daemon.dir, 'history');
    fs.writeFileSync(history, 'pid\n');
    const s = session('script', ['-qfec', `exec ${process.execPath} ${OUR_CTL} -c ${daemon.conf} -r ${history}`, '/dev/null']);
    await s.waitFor('supervisor> ');
    s.write('vers\t');
    await s.waitFor('version ');
    s.write('\r');
    await s.waitFor(/\n4\.2\.5\r?\n/);
    s.write('status mult\t');
    await s.waitFor('status multi:');
    s.write('multi_01\r');
    await s.waitFor(/multi:multi_01 +RUNNING/);
    s.write('tail -f ou\t');
    await s.waitFor('tail -f out ');
    s.write('\r');
    await s.waitFor('==> Press Ctrl-C to exit <==');
    await s.waitFor('hello');
    s.write('\x03'); // stops the tail only
    await s.waitFor(/hello\r?\n\r?\n[^]*supervisor> [^]*$/);
    s.write('\x03'); // at the prompt: ends the shell
    assert.equal(await s.exited, 0);
    // as typed: a completion ends with a space
    assert.deepEqual(fs.readFileSync(history, 'utf8').split('\n').filter(Boolean), ['pid', 'version ', 'status multi:multi_01', 'tail -f out ']);
  });

  test('shell: shutdown asks first; y shuts the daemon down; reload one-shot restarts it', async () => {
    const reload = await runCtl('ours', ['-c', daemon.conf, 'reload'], { cwd: daemon.dir });
    assert.deepEqual([reload.stdout, reload.code], ['Restarted supervisord\n', 0]);
    await daemon.waitUntilUp();
    const shell = await runCtl('ours', ['-c', daemon.conf], { cwd: daemon.dir, stdin: 'shutdown\ny\nstatus\n' });
    assert.equal(shell.code, 0);
    assert.match(shell.stdout, /supervisor> Really shut the remote supervisord process down y\/N\? Shut down\nsupervisor> /);
    await new Promise((resolve) => (daemon.child.exitCode !== null ? resolve(null) : daemon.child.once('exit', resolve)));
    const again = await runCtl('ours', ['-c', daemon.conf, 'shutdown'], { cwd: daemon.dir });
    assert.deepEqual([normalize(again.stdout, daemon.dir), again.code], ['ERROR: unix://<DIR>/supervisor.sock no such file (already shut down?)\n', 1]);
  });
});
