// Health checks (beyond 4.2.5): while a process is RUNNING, ask it at each interval whether it
// works (an HTTP GET, a TCP connect or a command), and say when it becomes healthy or, after
// `retries` failures in a row, unhealthy. What to do about it (restart) is the Subprocess's call.
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { HealthCheckSpec } from '../config/program-extensions.js';

/** none: no check configured; unknown: not running, or no verdict yet */
export type HealthStatus = 'none' | 'unknown' | 'healthy' | 'unhealthy';

export interface CheckResult {
  ok: boolean;
  /** what was seen: "HTTP 200", "connect ECONNREFUSED 127.0.0.1:80", "exit status 1: <last line>" */
  detail: string;
}

/** Runs one check; never rejects. */
export function runCheck(spec: HealthCheckSpec, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  switch (spec.kind) {
    case 'http':
      return httpCheck(spec.target, spec.timeoutMs);
    case 'tcp':
      return tcpCheck(spec.target, spec.timeoutMs);
    case 'command':
      return commandCheck(spec.target, spec.timeoutMs, env);
  }
}

function httpCheck(target: string, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const url = new URL(target);
    const client = url.protocol === 'https:' ? https : http;
    // no keep-alive: each check is a fresh connection, as a client arriving now would make
    const request = client.get(url, { agent: false, headers: { 'user-agent': 'supervisor-ts healthcheck' } }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      settle({ ok: status >= 200 && status < 400, detail: `HTTP ${status}` });
    });
    const timer = setTimeout(() => settle({ ok: false, detail: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    request.on('error', (err) => settle({ ok: false, detail: err.message }));
    let settled = false;
    function settle(result: CheckResult): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    }
  });
}

function tcpCheck(target: string, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const colon = target.lastIndexOf(':');
    const host = target.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const port = Number(target.slice(colon + 1));
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => settle({ ok: false, detail: `no connection within ${timeoutMs / 1000} s` }), timeoutMs);
    socket.once('connect', () => settle({ ok: true, detail: `connected to ${target}` }));
    socket.once('error', (err) => settle({ ok: false, detail: err.message }));
    let settled = false;
    function settle(result: CheckResult): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
  });
}

const OUTPUT_KEPT = 4096;

function commandCheck(command: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return new Promise((resolve) => {
    // a shell line, as Docker's HEALTHCHECK CMD-SHELL: pipes and && work
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lastLine = output.trim().split('\n').pop() ?? '';
      const how = timedOut ? `no result within ${timeoutMs / 1000} s` : signal ? `terminated by ${signal}` : `exit status ${code}`;
      resolve({ ok: !timedOut && code === 0, detail: lastLine ? `${how}: ${lastLine.slice(0, 200)}` : how });
    });
  });
}

export interface HealthVerdict {
  from: HealthStatus;
  to: 'healthy' | 'unhealthy';
  /** failures in a row when it became unhealthy; 0 for healthy */
  failures: number;
  detail: string;
}

/**
 * Checks one running process at each interval, one check at a time (a slow check delays the next
 * instead of piling up). Reports each change of verdict; failures within the start period do not
 * count, but a success ends the start period early.
 */
export class HealthMonitor {
  private status: HealthStatus = 'unknown';
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private startedAt = 0;
  private inStartPeriod = true;

  constructor(
    private readonly spec: HealthCheckSpec,
    private readonly env: NodeJS.ProcessEnv,
    private readonly onVerdict: (verdict: HealthVerdict) => void,
  ) {}

  get current(): HealthStatus {
    return this.status;
  }

  /** From RUNNING: the first check at once, then every interval. */
  start(): void {
    this.stop();
    this.running = true;
    this.status = 'unknown';
    this.failures = 0;
    this.startedAt = performance.now();
    this.inStartPeriod = this.spec.startPeriodMs > 0;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.status = 'unknown';
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.check(), delayMs);
  }

  private async check(): Promise<void> {
    const result = await runCheck(this.spec, this.env);
    if (!this.running) return;
    if (this.inStartPeriod && performance.now() - this.startedAt >= this.spec.startPeriodMs) this.inStartPeriod = false;
    if (result.ok) {
      this.failures = 0;
      this.inStartPeriod = false;
      this.change('healthy', result.detail);
    } else if (!this.inStartPeriod) {
      this.failures += 1;
      if (this.failures >= this.spec.retries) this.change('unhealthy', result.detail);
    }
    if (this.running) this.schedule(this.spec.intervalMs);
  }

  private change(to: 'healthy' | 'unhealthy', detail: string): void {
    if (this.status === to) return;
    const from = this.status;
    this.status = to;
    this.onVerdict({ from, to, failures: to === 'unhealthy' ? this.failures : 0, detail });
  }
}
