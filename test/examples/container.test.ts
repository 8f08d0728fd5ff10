// examples/container and examples/kubernetes, run the way the image runs them: supervisord as
// PID 1 on the example's config, probed with the exact commands of the Kubernetes YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/loader.js';
import { REPO_ROOT, freePort, httpGet, makeTempDir, waitFor } from '../helpers/daemon.js';
import { OUR_SUPERVISORCTL } from '../helpers/parity.js';
import { rpcCall } from '../helpers/rpc-client.js';
import { startAsPid1 } from '../helpers/pid1.js';
import { SV_DUMP_CONFIG } from '../helpers/shared.js';

const CONTAINER_DIR = path.join(REPO_ROOT, 'examples', 'container');
const KUBERNETES_DIR = path.join(REPO_ROOT, 'examples', 'kubernetes');
/** where the Dockerfile puts the config, and so where the probes look for it */
const IMAGE_CONFIG = '/etc/supervisor/supervisord.conf';

type Manifest = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

function manifests(): Manifest[] {
  const docs: Manifest[] = [];
  for (const file of fs.readdirSync(KUBERNETES_DIR).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(KUBERNETES_DIR, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file} parses`);
      docs.push(doc.toJS() as Manifest);
    }
  }
  return docs;
}

function appContainer(docs: Manifest[]): any {
  const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'app');
  assert.ok(deployment, 'a Deployment named app');
  return { pod: deployment.spec.template.spec, container: deployment.spec.template.spec.containers[0] };
}

/** The probe commands of the YAML, as they run in the image. */
function probes(): Record<'startup' | 'liveness' | 'readiness', string[]> {
  const { container } = appContainer(manifests());
  return {
    startup: container.startupProbe.exec.command,
    liveness: container.livenessProbe.exec.command,
    readiness: container.readinessProbe.exec.command,
  };
}

/** Runs a probe command as the image would, with the config where this test put it. */
function runProbe(command: string[], configFile: string): { code: number | null; out: string } {
  const [program, ...args] = command;
  assert.equal(program, 'supervisorctl', 'the image links supervisorctl into the PATH');
  const located = args.map((a) => (a === IMAGE_CONFIG ? configFile : a));
  const result = spawnSync(process.execPath, [OUR_SUPERVISORCTL, ...located], { encoding: 'utf8' });
  return { code: result.status, out: result.stdout + result.stderr };
}


test('the container example as PID 1: prefixed output, and the YAML probes give 0 for RUNNING and 3 for STARTING, BACKOFF and FATAL', async (t) => {
  const dir = makeTempDir();
  fs.cpSync(CONTAINER_DIR, dir, { recursive: true });
  const configFile = path.join(dir, 'supervisord.conf');
  const port = await freePort();
  const daemon = await startAsPid1(dir, ['-c', configFile], { ...process.env, PORT: String(port) });
  t.after(() => daemon.stop());
  const { liveness, readiness, startup } = probes();
  const screen = (): string => daemon.output();

  // STARTING: web must stay up for its startsecs (3 s) first
  await waitFor(() => /spawned: 'web' with pid \d+/.test(screen()), 10_000, `web spawned:\n${screen()}`);
  const starting = runProbe(readiness, configFile);
  assert.match(starting.out, /^web\s+STARTING/m);
  assert.equal(starting.code, 3, starting.out);

  // RUNNING
  await waitFor(() => /success: web entered RUNNING state/.test(screen()), 10_000, 'web RUNNING');
  for (const probe of [startup, liveness, readiness]) {
    const running = runProbe(probe, configFile);
    assert.equal(running.code, 0, running.out);
  }
  assert.match(await httpGet(port), /^hello from web/);
  await waitFor(() => /^worker \| job 1 done$/m.test(screen()), 10_000, `worker's prefixed line:\n${screen()}`);
  assert.match(screen(), new RegExp(`^web \\| listening on :${port}$`, 'm'));
  await waitFor(() => /^web \| GET \/$/m.test(screen()), 10_000, `web's request line:\n${screen()}`);

  // BACKOFF then FATAL: web cannot get its port back
  const socket = path.join(dir, 'supervisor.sock');
  await rpcCall(socket, 'supervisor.stopProcess', ['web', true]);
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(port, resolve));
  t.after(() => squatter.close());
  await rpcCall(socket, 'supervisor.startProcess', ['web', false]);
  const backoff = await waitFor(() => {
    const probe = runProbe(liveness, configFile);
    return /^web\s+BACKOFF/m.test(probe.out) && probe;
  }, 15_000, 'web in BACKOFF');
  assert.equal(backoff.code, 3, backoff.out);
  const fatal = await waitFor(() => {
    const probe = runProbe(liveness, configFile);
    return /^web\s+FATAL/m.test(probe.out) && probe;
  }, 20_000, 'web FATAL');
  assert.equal(fatal.code, 3, fatal.out);
  assert.match(fatal.out, /^worker\s+RUNNING/m);
  assert.equal(runProbe(readiness, configFile).code, 3);
  assert.match(screen(), /^web \| cannot listen on port \d+: listen EADDRINUSE/m);

  // SIGTERM: worker then web (already stopped), exit 0; then the probe cannot reach it: 4
  await daemon.stop();
  assert.equal((await daemon.exited).code, 0, screen());
  assert.match(screen(), /^worker \| stopping after job \d+$/m);
  assert.equal(runProbe(liveness, configFile).code, 4);
});

test('the Kubernetes YAML: the probes name the example\'s programs, and the grace period covers every stopwaitsecs', () => {
  const docs = manifests();
  const { pod, container } = appContainer(docs);
  const config = loadConfig(path.join(CONTAINER_DIR, 'supervisord.conf'));
  const programs = config.groups.flatMap((g) => g.processes);
  const { startup, liveness, readiness } = probes();
  for (const probe of [startup, liveness, readiness]) {
    assert.deepEqual(probe.slice(0, 5), ['supervisorctl', '-c', IMAGE_CONFIG, 'status', '--probe']);
    for (const name of probe.slice(5)) assert.ok(programs.some((p) => p.name === name), `${name} is a program of the example`);
  }
  assert.deepEqual(liveness.slice(5).sort(), programs.map((p) => p.name).sort(), 'liveness watches every program');
  // supervisord stops the programs one priority after the other: the worst case is their sum
  const stopAll = programs.reduce((sum, p) => sum + p.stopwaitsecs, 0);
  assert.ok(pod.terminationGracePeriodSeconds > stopAll, `grace ${pod.terminationGracePeriodSeconds} s > ${stopAll} s`);

  // the image the Deployment runs is the Dockerfile's: its config where the probes look
  const dockerfile = fs.readFileSync(path.join(CONTAINER_DIR, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^FROM node:\d+-[a-z]+-slim$/m);
  assert.match(dockerfile, /npm prune --omit=dev/);
  assert.match(dockerfile, new RegExp(`^ENTRYPOINT \\["supervisord", "-n", "-c", "${IMAGE_CONFIG}"\\]$`, 'm'));
  assert.match(dockerfile, /^COPY examples\/container\/supervisord\.conf .* \/etc\/supervisor\/$/m);
  for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) assert.ok(fs.existsSync(path.join(REPO_ROOT, source!)), `${source} exists`);
  const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/etc/supervisor/conf.d');
  assert.ok(mount, 'conf.d is mounted where the example includes it from');
});

test('the Kubernetes ConfigMap\'s fluentd.conf, dropped into conf.d, loads under supervisor-ts and 4.2.5 and ships to the Fluentd forward input of the YAML', () => {
  const docs = manifests();
  const confd = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'app-supervisor-confd')!;
  const dir = makeTempDir();
  fs.cpSync(CONTAINER_DIR, dir, { recursive: true });
  fs.mkdirSync(path.join(dir, 'conf.d'));
  fs.writeFileSync(path.join(dir, 'conf.d', 'fluentd.conf'), confd.data!['fluentd.conf']!);
  const configFile = path.join(dir, 'supervisord.conf');

  const config = loadConfig(configFile);
  const ship = config.extraSections.find((s) => s.name === 'plugin:ship');
  assert.ok(ship, '[plugin:ship] included');
  assert.equal(ship.values.module, 'fluentd');
  const reference = spawnSync('/usr/bin/python3', [SV_DUMP_CONFIG, configFile], { encoding: 'utf8' });
  assert.equal(reference.status, 0, `4.2.5 accepts it: ${reference.stderr}`);

  const service = docs.find((d) => d.kind === 'Service' && d.metadata.name === ship.values.host);
  assert.ok(service, `a Service named ${ship.values.host}`);
  assert.equal(service.spec.ports[0].port, Number(ship.values.port));
  const fluentd = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'fluentd-conf')!;
  assert.match(fluentd.data!['fluent.conf']!, new RegExp(`@type forward\\s+port ${ship.values.port}`));
});
