// examples/container and examples/kubernetes, run the way the image runs them: supervisord as
// PID 1 on the example's config, probed with the exact requests of the Kubernetes YAML (and with
// the exec probe docs/containers.md keeps, which must agree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
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

function dockerfileText(): string {
  return fs.readFileSync(path.join(CONTAINER_DIR, 'Dockerfile'), 'utf8');
}

/** The container port the YAML's probes use, by its name. */
const PROBE_PORT_IN_IMAGE = 8081;

interface HttpProbe {
  path: string;
  port: string | number;
}

/** The httpGet probes of the YAML, as the kubelet sends them. */
function probes(): Record<'startup' | 'liveness' | 'readiness', HttpProbe> {
  const { container } = appContainer(manifests());
  return {
    startup: container.startupProbe.httpGet,
    liveness: container.livenessProbe.httpGet,
    readiness: container.readinessProbe.httpGet,
  };
}

/** The container port a probe's port (a name or a number) designates. */
function containerPortOf(probe: HttpProbe): number {
  if (typeof probe.port === 'number') return probe.port;
  const { container } = appContainer(manifests());
  const named = container.ports.find((p: { name?: string }) => p.name === probe.port);
  assert.ok(named, `a container port named ${probe.port}`);
  return named.containerPort;
}

/**
 * Sends a probe as the kubelet does (a GET on a new connection) to the port this test gave the
 * copied config; status 0 when nothing answers. The kubelet passes 200 to 399.
 */
function runProbe(probe: HttpProbe, probePort: number): Promise<{ status: number; body: string }> {
  assert.equal(containerPortOf(probe), PROBE_PORT_IN_IMAGE);
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port: probePort, path: probe.path, agent: false, headers: { 'User-Agent': 'kube-probe/1.31' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** The exec probe docs/containers.md keeps: `supervisorctl status --probe NAMES`, against the copied config. */
function runExecProbe(configFile: string, names: string[]): { code: number | null; out: string } {
  const result = spawnSync(process.execPath, [OUR_SUPERVISORCTL, '-c', configFile, 'status', '--probe', ...names], { encoding: 'utf8' });
  return { code: result.status, out: result.stdout + result.stderr };
}

/** The example's config copied into a temp dir, its probe port moved to a free one. */
async function copiedExample(): Promise<{ dir: string; configFile: string; probePort: number }> {
  const dir = makeTempDir();
  fs.cpSync(CONTAINER_DIR, dir, { recursive: true });
  const configFile = path.join(dir, 'supervisord.conf');
  const probePort = await freePort();
  const text = fs.readFileSync(configFile, 'utf8');
  const probeLine = `[probe_http_server]\nport=*:${PROBE_PORT_IN_IMAGE}\n`;
  assert.ok(text.includes(probeLine), 'the example serves the probes on the port the YAML names');
  fs.writeFileSync(configFile, text.replace(probeLine, `[probe_http_server]\nport=127.0.0.1:${probePort}\n`));
  return { dir, configFile, probePort };
}

test('the container example as PID 1: prefixed output, and the YAML probes answer 200 for RUNNING and 503 for STARTING, BACKOFF and FATAL, as status --probe does', async (t) => {
  const { dir, configFile, probePort } = await copiedExample();
  const port = await freePort();
  const daemon = await startAsPid1(dir, ['-c', configFile], { ...process.env, PORT: String(port) });
  t.after(() => daemon.stop());
  const { liveness, readiness, startup } = probes();
  const screen = (): string => daemon.output();

  // STARTING: web must stay up for its startsecs (3 s) first
  await waitFor(() => /spawned: 'web' with pid \d+/.test(screen()), 10_000, `web spawned:\n${screen()}`);
  const starting = await runProbe(readiness, probePort);
  assert.deepEqual(starting, { status: 503, body: 'web is STARTING\n' });

  // RUNNING
  await waitFor(() => /success: web entered RUNNING state/.test(screen()), 10_000, 'web RUNNING');
  await waitFor(() => /success: worker entered RUNNING state/.test(screen()), 10_000, 'worker RUNNING');
  for (const probe of [startup, liveness, readiness]) {
    const running = await runProbe(probe, probePort);
    assert.equal(running.status, 200, `${probe.path}: ${running.body}`);
  }
  assert.deepEqual(await runProbe(readiness, probePort), { status: 200, body: 'web is RUNNING\n' });
  assert.equal(runExecProbe(configFile, ['web', 'worker']).code, 0, 'the exec probe agrees');
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
  const backoff = await waitForAnswer(liveness, probePort, 'web is BACKOFF\n', 15_000);
  assert.equal(backoff.status, 503);
  const fatal = await waitForAnswer(liveness, probePort, 'web is FATAL\n', 20_000);
  assert.equal(fatal.status, 503);
  assert.deepEqual(await runProbe(readiness, probePort), { status: 503, body: 'web is FATAL\n' });
  const exec = runExecProbe(configFile, ['web', 'worker']);
  assert.equal(exec.code, 3, 'the exec probe agrees');
  assert.match(exec.out, /^web\s+FATAL/m);
  assert.match(exec.out, /^worker\s+RUNNING/m);
  assert.match(screen(), /^web \| cannot listen on port \d+: listen EADDRINUSE/m);

  // SIGTERM: worker then web (already stopped), exit 0; then nothing answers the probes
  await daemon.stop();
  assert.equal((await daemon.exited).code, 0, screen());
  assert.match(screen(), /^worker \| stopping after job \d+$/m);
  assert.equal((await runProbe(liveness, probePort)).status, 0);
  assert.equal(runExecProbe(configFile, ['web', 'worker']).code, 4);
});

/** Probes until the answer's body is `body` (a state is waited for, not timed). */
async function waitForAnswer(probe: HttpProbe, probePort: number, body: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = { status: 0, body: '' };
  while (Date.now() < deadline) {
    last = await runProbe(probe, probePort);
    if (last.body === body) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${probe.path}: wanted ${JSON.stringify(body)}, last ${last.status} ${JSON.stringify(last.body)}`);
}

test('the Kubernetes YAML: the probes name the example\'s programs, and the grace period covers every stopwaitsecs', () => {
  const docs = manifests();
  const { pod, container } = appContainer(docs);
  const config = loadConfig(path.join(CONTAINER_DIR, 'supervisord.conf'));
  const programs = config.groups.flatMap((g) => g.processes);
  const { startup, liveness, readiness } = probes();
  const names = (probe: HttpProbe): string[] => {
    assert.match(probe.path, /^\/readyz\/[^/]+$/);
    return probe.path.slice('/readyz/'.length).split(',');
  };
  for (const probe of [startup, liveness, readiness]) {
    assert.equal(containerPortOf(probe), config.server.probe_http_server[0]?.port, 'the probes go to [probe_http_server]');
    for (const name of names(probe)) assert.ok(programs.some((p) => p.name === name), `${name} is a program of the example`);
  }
  assert.deepEqual(names(liveness).sort(), programs.map((p) => p.name).sort(), 'liveness watches every program');
  assert.match(dockerfileText(), new RegExp(`^EXPOSE .*\\b${PROBE_PORT_IN_IMAGE}\\b`, 'm'));
  // supervisord stops the programs one priority after the other: the worst case is their sum
  const stopAll = programs.reduce((sum, p) => sum + p.stopwaitsecs, 0);
  assert.ok(pod.terminationGracePeriodSeconds > stopAll, `grace ${pod.terminationGracePeriodSeconds} s > ${stopAll} s`);

  // the image the Deployment runs is the Dockerfile's: its config where the probes look
  const dockerfile = dockerfileText();
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
