// depends_on at run time (beyond 4.2.5): an automatic start waits until the programs it depends on
// are up (RUNNING, or healthy for NAME:healthy), and the stop of everything takes dependents
// before what they depend on. Manual starts (supervisorctl start) are not held: the operator decides.
import { programName } from '../config/dependencies.js';
import type { Dependency } from '../config/program-extensions.js';
import type { GroupConfig } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import { ProcessState } from './states.js';
import type { Subprocess } from './subprocess.js';

function isUp(proc: Subprocess, dependency: Dependency): boolean {
  if (proc.state !== ProcessState.RUNNING) return false;
  // a program without a health check counts as healthy once RUNNING
  return dependency.condition === 'running' || proc.health === 'healthy' || proc.health === 'none';
}

export class StartGate {
  private readonly waiting = new Set<Subprocess>();

  constructor(
    private readonly allProcesses: () => Subprocess[],
    private readonly logger: Logger,
  ) {}

  /** The dependencies of proc that are not up yet. */
  unmet(proc: Subprocess, processes?: readonly Subprocess[]): Dependency[] {
    if (proc.config.extensions.dependsOn.length === 0) return [];
    processes ??= this.allProcesses();
    return proc.config.extensions.dependsOn.filter((dependency) => {
      const providers = processes.filter((p) => programName(p.config) === dependency.program);
      return providers.length === 0 || !providers.every((p) => isUp(p, dependency));
    });
  }

  /** Starts proc automatically now, or as soon as its dependencies are up. */
  autostart(proc: Subprocess): void {
    const unmet = this.unmet(proc);
    if (unmet.length === 0) {
      proc.autostart();
      return;
    }
    if (this.waiting.has(proc) || !proc.startsWithRun) return;
    this.waiting.add(proc);
    const what = unmet.map((d) => `${d.program} (${d.condition === 'healthy' ? 'healthy' : 'RUNNING'})`).join(', ');
    this.logger.info(`waiting for ${what} before starting ${proc.name}`);
  }

  /** After any state or health change: start whoever can start now. */
  recheck(): void {
    // called on every state change: nothing to do, and nothing to list, when no one waits
    if (this.waiting.size === 0) return;
    const processes = this.allProcesses();
    for (const proc of [...this.waiting]) {
      // started by hand meanwhile, or its group removed: no longer ours to start
      if (proc.state !== ProcessState.STOPPED || !processes.includes(proc)) {
        this.waiting.delete(proc);
        continue;
      }
      if (this.unmet(proc, processes).length > 0) continue;
      this.waiting.delete(proc);
      proc.autostart();
    }
  }

  clear(): void {
    this.waiting.clear();
  }
}

/**
 * The groups in start order: by (priority, name), except that a group comes after every group
 * holding a program it depends on. Stopping walks it backwards. Cycles are refused at load time;
 * a dependency on a group no longer present is ignored.
 */
export function startOrder<G extends { config: GroupConfig }>(groups: readonly G[]): G[] {
  const byPriority = [...groups].sort((a, b) => a.config.priority - b.config.priority || (a.config.name < b.config.name ? -1 : a.config.name > b.config.name ? 1 : 0));
  const holder = new Map<string, G>();
  for (const group of byPriority) for (const proc of group.config.processes) holder.set(programName(proc), group);
  const needs = new Map<G, Set<G>>();
  for (const group of byPriority) {
    const set = new Set<G>();
    for (const proc of group.config.processes) {
      for (const dependency of proc.extensions.dependsOn) {
        const other = holder.get(dependency.program);
        if (other && other !== group) set.add(other);
      }
    }
    needs.set(group, set);
  }
  const placed = new Set<G>();
  const order: G[] = [];
  while (order.length < byPriority.length) {
    const next = byPriority.find((g) => !placed.has(g) && [...needs.get(g)!].every((n) => placed.has(n))) ?? byPriority.find((g) => !placed.has(g))!;
    placed.add(next);
    order.push(next);
  }
  return order;
}
