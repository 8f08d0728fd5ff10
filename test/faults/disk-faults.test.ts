// A full disk and a read-only log directory under a running daemon, with real children writing
// numbered lines and a ledger of what they wrote (on another file system): the daemon keeps running
// and answering RPC, says so once per episode, the child is never blocked, and every byte the child
// wrote is either in its log or counted in the "bytes of output were dropped" line.
//
// Where a private mount namespace is available (root with CAP_SYS_ADMIN, as here) the daemon runs in
// one with a tiny tmpfs or a read-only bind mount that exist only for it; elsewhere (a plain
// container) those tests skip and the /dev/full ones still run: /dev/full answers every write
// with ENOSPC and needs no privilege.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { isAlive, makeTempDir, startDaemon, waitFor, writeConfig } from '../helpers/daemon.js';
import { rpcCall } from '../helpers/rpc-client.js';
import {
  assertAnswersRpc,
  droppedBytes,
  fillUp,
  mountIn,
  mountNamespaceLauncher,
  mountNamespaceUnavailable,
  NUMBERED_LINES,
  readLines,
  RPC_SECTIONS,
  seenBy,
} from './system.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = makeTempDir('faults-disk-');
  dirs.push(dir);
  return dir;
}

// "w 00000012\n"
const LINE_BYTES = 11;
const LINE = /^w \d{8}$/;

/** A program writing a numbered line every 10 ms to `logfile`, its ledger at `ledger`. */
function writerProgram(ledger: string, logfile: string): string {
  return `[program:writer]\ncommand=${NUMBERED_LINES} w ${ledger} 0.01\nstdout_logfile=${logfile}\nstdout_logfile_maxbytes=0\nstderr_logfile=NONE\nstartsecs=0\n`;
}

/**
 * Every line in the ledger is in the log or among the dropped bytes: log bytes + dropped bytes
 * = ledger bytes (the child may have written one line more than its ledger holds when stopped).
 * The log holds whole numbered lines in order with gaps only where output was dropped, and at most
 * one line per episode torn by the write that hit the limit.
 */
function assertAccounted(logText: string, ledgerLines: string[], dropped: number, episodes: number): { kept: number; missing: number } {
  const written = ledgerLines.length * LINE_BYTES;
  const inLog = Buffer.byteLength(logText);
  assert.ok(
    inLog + dropped === written || inLog + dropped === written + LINE_BYTES,
    `log ${inLog} + dropped ${dropped} bytes = ${inLog + dropped}, the child wrote ${written} (+${LINE_BYTES})`,
  );
  const lines = logText.split('\n');
  lines.pop();
  const whole = lines.filter((l) => LINE.test(l));
  assert.ok(lines.length - whole.length <= episodes, `at most ${episodes} torn line(s): ${lines.filter((l) => !LINE.test(l)).join(' | ')}`);
  const numbers = whole.map((l) => Number(l.slice(2)));
  for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i]! > numbers[i - 1]!, `in order: ${numbers[i - 1]} then ${numbers[i]}`);
  const ledgerNumbers = new Set(ledgerLines.map((l) => Number(l.slice(2))));
  const kept = numbers.filter((n) => ledgerNumbers.has(n)).length;
  return { kept, missing: ledgerLines.length - kept };
}

test('ENOSPC on a child log (a full tmpfs): one ERRO line, the child goes on, every byte logged or counted as dropped', { skip: mountNamespaceUnavailable() ?? false }, async () => {
  const dir = tempDir();
  const small = path.join(dir, 'small');
  fs.mkdirSync(small);
  const log = path.join(small, 'writer.log');
  const ledger = path.join(dir, 'ledger');
  const socket = path.join(dir, 'sock');
  const conf = writeConfig(dir, RPC_SECTIONS(socket) + writerProgram(ledger, log));
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: mountNamespaceLauncher(`mount -t tmpfs -o size=256k tmpfs ${small}`) });
  try {
    const pid = daemon.child.pid!;
    await daemon.waitForLog(/success: writer entered RUNNING state/);
    const childPid = Number(/spawned: 'writer' with pid (\d+)/.exec(daemon.mainLog())?.[1]);
    const logSeen = seenBy(pid, log);
    await waitFor(() => readLines(logSeen).length >= 20, 10_000, 'first lines in the log');

    const filler = seenBy(pid, path.join(small, 'filler'));
    fillUp(filler);
    await daemon.waitForLog(/ERRO writer: cannot write .*writer\.log: ENOSPC.*; output is dropped until it works again/);
    // the child is not blocked: its ledger keeps growing while nothing reaches the log
    const duringFull = readLines(ledger).length;
    await waitFor(() => readLines(ledger).length >= duringFull + 30, 10_000, 'the child to go on writing while the disk is full');
    assert.ok(isAlive(childPid), 'the child still runs');
    await assertAnswersRpc(socket);
    assert.equal(daemon.mainLog().match(/cannot write/g)?.length, 1, 'said once per episode, not once per chunk');

    fs.rmSync(filler);
    await daemon.waitForLog(/INFO writer: writing .*writer\.log again \(\d+ bytes of output were dropped\)/);
    const afterRecovery = readLines(ledger).length;
    await waitFor(() => readLines(ledger).length >= afterRecovery + 30, 10_000, 'more lines after space came back');
    await rpcCall(socket, 'supervisor.stopProcess', ['writer']);

    const dropped = droppedBytes(daemon.mainLog(), 'writer');
    assert.ok(dropped > 0);
    const ledgerLines = readLines(ledger);
    // the last writes may still be on their way to the file when stopProcess answers
    await waitFor(() => Buffer.byteLength(fs.readFileSync(logSeen)) + dropped >= ledgerLines.length * LINE_BYTES, 5_000, 'the log to hold everything');
    const { kept, missing } = assertAccounted(fs.readFileSync(logSeen, 'utf8'), ledgerLines, dropped, 1);
    // every line written after the recovery is in the log
    const logText = fs.readFileSync(logSeen, 'utf8');
    for (const line of ledgerLines.slice(afterRecovery)) assert.ok(logText.includes(`${line}\n`), `${line} written after recovery is in the log`);
    assert.ok(missing > 0 && kept > 60, `kept ${kept}, dropped ${missing} of ${ledgerLines.length}`);
    await assertAnswersRpc(socket);
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
});

/** Lines in 4.2.5's main log format. */
const MAIN_LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ /;

test('ENOSPC on the main log (a full tmpfs): one line on stderr, the daemon goes on, the dropped lines are counted when space returns', { skip: mountNamespaceUnavailable() ?? false }, async () => {
  const dir = tempDir();
  const small = path.join(dir, 'small');
  fs.mkdirSync(small);
  const mainLog = path.join(small, 'supervisord.log');
  const socket = path.join(dir, 'sock');
  const conf = path.join(dir, 'supervisord.conf');
  // 8 processes exiting every ~0.1 s: three main-log lines per restart (spawned, success, exited),
  // 24 lines a second, so that the log's last tmpfs page fills within a second or two
  fs.writeFileSync(
    conf,
    `[supervisord]\nlogfile=${mainLog}\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n${RPC_SECTIONS(socket)}` +
      `[program:flapper]\ncommand=sleep 0.1\nprocess_name=%(program_name)s_%(process_num)s\nnumprocs=8\nstartsecs=0\nautorestart=true\nstdout_logfile=NONE\nstderr_logfile=NONE\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: mountNamespaceLauncher(`mount -t tmpfs -o size=256k tmpfs ${small}`) });
  let stdout = '';
  let stderr = '';
  daemon.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  daemon.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const pid = daemon.child.pid!;
    const logSeen = seenBy(pid, mainLog);
    await waitFor(() => readLines(logSeen).filter((l) => /exited: flapper/.test(l)).length >= 2, 10_000, 'a few restarts in the main log');

    const filler = seenBy(pid, path.join(small, 'filler'));
    fillUp(filler);
    await waitFor(() => /supervisord: cannot write the main log .*supervisord\.log: ENOSPC/.test(stderr), 10_000, `the error on stderr:\n${stderr}`);
    // the daemon goes on: restarts keep happening (seen on its stdout echo) and RPC answers
    const echoed = stdout.split('\n').length;
    await waitFor(() => stdout.split('\n').slice(echoed).filter((l) => /exited: flapper/.test(l)).length >= 3, 10_000, 'restarts while the main log is full');
    await assertAnswersRpc(socket);

    fs.rmSync(filler);
    await waitFor(() => readLines(logSeen).find((l) => /INFO writing the main log .* again \(\d+ lines? (?:was|were) dropped/.test(l)), 10_000, 'the recovery line');
    await waitFor(() => readLines(logSeen).slice(readLines(logSeen).findIndex((l) => /again \(/.test(l))).filter((l) => /exited: flapper/.test(l)).length >= 3, 10_000, 'more lines after the recovery');
    await rpcCall(socket, 'supervisor.stopAllProcesses');
    await assertAnswersRpc(socket);

    // end to end: every line the daemon echoed on stdout is in the file, except the dropped ones
    const fileLines = readLines(logSeen);
    const recovery = fileLines.find((l) => /again \(/.test(l))!;
    const dropped = Number(/again \((\d+) lines?/.exec(recovery)?.[1]);
    const echoedLines = stdout.split('\n').filter((l) => MAIN_LOG_LINE.test(l));
    const inFile = new Set(fileLines.filter((l) => MAIN_LOG_LINE.test(l)));
    const missing = echoedLines.filter((l) => !inFile.has(l));
    // a torn line (the write that hit the limit) lands in part: it counts among the dropped ones
    assert.ok(fileLines.filter((l) => !MAIN_LOG_LINE.test(l)).length <= 1, 'at most one torn line');
    assert.equal(missing.length, dropped, `dropped ${dropped}, missing:\n${missing.join('\n')}`);
    assert.ok(dropped > 0);
    assert.equal(stderr.match(/cannot write the main log/g)?.length, 1, `said once:\n${stderr}`);
    assert.equal(daemon.child.exitCode, null);
  } finally {
    await daemon.stop();
  }
});

test('/dev/full as child log and main log (no privilege needed): the daemon goes on, SIGUSR2 after the target is fixed logs again, drops counted', async () => {
  const dir = tempDir();
  const childLog = path.join(dir, 'writer.log');
  const mainLog = path.join(dir, 'main.log');
  fs.symlinkSync('/dev/full', childLog);
  fs.symlinkSync('/dev/full', mainLog);
  const ledger = path.join(dir, 'ledger');
  const socket = path.join(dir, 'sock');
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(conf, `[supervisord]\nlogfile=${mainLog}\nlogfile_maxbytes=0\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n${RPC_SECTIONS(socket)}${writerProgram(ledger, childLog)}`);
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  let stdout = '';
  let stderr = '';
  daemon.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  daemon.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitFor(() => /success: writer entered RUNNING state/.test(stdout), 10_000, `the writer RUNNING:\n${stdout}${stderr}`);
    await waitFor(() => /ERRO writer: cannot write .*writer\.log: ENOSPC/.test(stdout), 10_000, 'the child log error (echoed on stdout)');
    assert.match(stderr, /supervisord: cannot write the main log .*main\.log: ENOSPC/);
    await waitFor(() => readLines(ledger).length >= 50, 10_000, 'the child to go on writing');
    await assertAnswersRpc(socket);

    // the operator points the paths at real files and asks for a log reopen, as after logrotate
    fs.rmSync(childLog);
    fs.rmSync(mainLog);
    process.kill(daemon.child.pid!, 'SIGUSR2');
    await waitFor(() => readLines(mainLog).find((l) => /INFO writing the main log .* again \(\d+ lines? (?:was|were) dropped: ENOSPC/.test(l)), 10_000, 'the main log recovery line');
    await waitFor(() => /INFO writer: writing .*writer\.log again \(\d+ bytes of output were dropped\)/.test(stdout), 10_000, 'the child log recovery line');
    const afterRecovery = readLines(ledger).length;
    await waitFor(() => readLines(ledger).length >= afterRecovery + 30, 10_000, 'more lines');
    await rpcCall(socket, 'supervisor.stopProcess', ['writer']);
    await assertAnswersRpc(socket);

    const dropped = droppedBytes(stdout, 'writer');
    const ledgerLines = readLines(ledger);
    await waitFor(() => fs.statSync(childLog).size + dropped >= ledgerLines.length * LINE_BYTES, 5_000, 'the log to hold everything');
    const { kept, missing } = assertAccounted(fs.readFileSync(childLog, 'utf8'), ledgerLines, dropped, 0);
    assert.ok(kept >= 30 && missing >= 50, `kept ${kept}, dropped ${missing}`);

    // main log: the lines echoed on stdout before the reopen are the dropped ones, counted exactly
    const recovery = readLines(mainLog).find((l) => /again \(/.test(l))!;
    const droppedLines = Number(/again \((\d+) lines?/.exec(recovery)?.[1]);
    const inFile = new Set(readLines(mainLog));
    const missingLines = stdout.split('\n').filter((l) => MAIN_LOG_LINE.test(l) && !inFile.has(l));
    assert.equal(missingLines.length, droppedLines, missingLines.join('\n'));
    assert.equal(stderr.match(/cannot write the main log/g)?.length, 1);
    assert.equal(stdout.match(/cannot write/g)?.length, 1, 'the child log error once');
  } finally {
    await daemon.stop();
  }
});

test('a read-only child log directory (read-only bind mount): one ERRO line, the child goes on, logging starts once it is writable', { skip: mountNamespaceUnavailable() ?? false }, async () => {
  const dir = tempDir();
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const log = path.join(logs, 'writer.log');
  const ledger = path.join(dir, 'ledger');
  const socket = path.join(dir, 'sock');
  const conf = writeConfig(dir, RPC_SECTIONS(socket) + writerProgram(ledger, log));
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: mountNamespaceLauncher(`mount --bind ${logs} ${logs}; mount -o remount,bind,ro ${logs}`) });
  try {
    const pid = daemon.child.pid!;
    await daemon.waitForLog(/ERRO writer: cannot open .*writer\.log: EROFS.*; output is dropped until it works again/);
    await daemon.waitForLog(/success: writer entered RUNNING state/);
    const before = readLines(ledger).length;
    await waitFor(() => readLines(ledger).length >= before + 50, 10_000, 'the child to go on writing');
    await assertAnswersRpc(socket);
    // retried every second: still one line
    assert.equal(daemon.mainLog().match(/cannot open/g)?.length, 1);

    mountIn(pid, ['-o', 'remount,bind,rw', logs]);
    await daemon.waitForLog(/INFO writer: writing .*writer\.log again \(\d+ bytes of output were dropped\)/);
    const afterRecovery = readLines(ledger).length;
    await waitFor(() => readLines(ledger).length >= afterRecovery + 30, 10_000, 'more lines');
    await rpcCall(socket, 'supervisor.stopProcess', ['writer']);
    await assertAnswersRpc(socket);

    const dropped = droppedBytes(daemon.mainLog(), 'writer');
    const ledgerLines = readLines(ledger);
    await waitFor(() => fs.statSync(log).size + dropped >= ledgerLines.length * LINE_BYTES, 5_000, 'the log to hold everything');
    const { kept, missing } = assertAccounted(fs.readFileSync(log, 'utf8'), ledgerLines, dropped, 0);
    assert.ok(kept >= 30 && missing >= 50, `kept ${kept}, dropped ${missing}`);
    const logText = fs.readFileSync(log, 'utf8');
    for (const line of ledgerLines.slice(afterRecovery)) assert.ok(logText.includes(`${line}\n`), `${line} is in the log`);
  } finally {
    await daemon.stop();
  }
});

test('a main log in a read-only directory stops the start with a message naming it (exit 2), as 4.2.5 refuses to start', { skip: mountNamespaceUnavailable() ?? false }, async () => {
  const dir = tempDir();
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(conf, `[supervisord]\nlogfile=${logs}/supervisord.log\npidfile=${dir}/supervisord.pid\n[program:x]\ncommand=sleep 1000\n`);
  const daemon = startDaemon(dir, ['-n', '-c', conf], { launcher: mountNamespaceLauncher(`mount --bind ${logs} ${logs}; mount -o remount,bind,ro ${logs}`) });
  const { code } = await daemon.exited;
  assert.equal(code, 2);
  assert.match(daemon.output(), new RegExp(`cannot open the main log ${logs}/supervisord\\.log: EROFS`));
});

test('rotation impossible (a log directory the daemon user cannot write): nothing is truncated away, said once, rotating resumes when it can', async () => {
  // 4.2.5 would truncate the file after the failed rename; we keep appending so that no line is lost
  const dir = tempDir();
  fs.chmodSync(dir, 0o755);
  const run = path.join(dir, 'run');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(run);
  fs.mkdirSync(logs);
  const nobody = 65534;
  fs.chownSync(run, nobody, nobody);
  const mainLog = path.join(logs, 'main.log');
  const log = path.join(logs, 'writer.log');
  for (const file of [mainLog, log]) {
    fs.writeFileSync(file, '');
    fs.chownSync(file, nobody, nobody);
  }
  fs.chmodSync(logs, 0o555);
  const ledger = path.join(run, 'ledger');
  const socket = path.join(run, 'sock');
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    conf,
    `[supervisord]\nuser=nobody\nlogfile=${mainLog}\nlogfile_maxbytes=600\nlogfile_backups=2\npidfile=${run}/supervisord.pid\n${RPC_SECTIONS(socket)}` +
      `[program:writer]\ncommand=${NUMBERED_LINES} w ${ledger} 0.005\nstdout_logfile=${log}\nstdout_logfile_maxbytes=1KB\nstdout_logfile_backups=3\nstderr_logfile=NONE\nstartsecs=0\n`,
  );
  const daemon = startDaemon(dir, ['-n', '-c', conf]);
  // the main log rotates too once it can: read its kept copies with it
  const mainLogText = (): string => [`${mainLog}.2`, `${mainLog}.1`, mainLog].map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '')).join('');
  try {
    await waitFor(() => /ERRO writer: cannot rotate .*writer\.log: EACCES.*; it keeps growing, unrotated, until rotating works again/.test(mainLogText()), 10_000, `the child log rotation error:\n${daemon.output()}`);
    await waitFor(() => readLines(ledger).length >= 300, 10_000, 'the child to write 3 KB');
    await waitFor(() => /ERRO cannot rotate .*main\.log: EACCES.*; it grows past logfile_maxbytes/.test(mainLogText()), 10_000, 'the main log rotation error');
    await assertAnswersRpc(socket);
    assert.equal(mainLogText().match(/cannot rotate .*writer\.log/g)?.length, 1, 'said once');
    assert.equal(mainLogText().match(/cannot rotate .*main\.log/g)?.length, 1, 'said once');
    assert.match(readLines(mainLog)[0]!, /INFO Set uid to user 65534 succeeded/, 'the main log still starts with its first line');
    assert.equal(readLines(log)[0], 'w 00000000', 'the child log still starts with the first line');

    // the directory becomes writable: rotation works again and the grown file moves to .1 whole
    fs.chownSync(logs, nobody, nobody);
    fs.chmodSync(logs, 0o755);
    await waitFor(() => /INFO writer: rotating .*writer\.log again/.test(mainLogText()), 10_000, `rotation to work again:\n${mainLogText()}`);
    await rpcCall(socket, 'supervisor.stopProcess', ['writer']);
    const ledgerLines = readLines(ledger);
    const kept = (): string[] => [3, 2, 1].flatMap((n) => readLines(`${log}.${n}`)).concat(readLines(log));
    await waitFor(() => kept().length >= ledgerLines.length, 5_000, 'every line in the log files');
    assert.deepEqual(kept().slice(0, ledgerLines.length), ledgerLines, 'every line the child wrote, in order, none truncated away');
    await assertAnswersRpc(socket);
  } finally {
    await daemon.stop();
  }
});
