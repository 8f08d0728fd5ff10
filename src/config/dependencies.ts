// depends_on (beyond 4.2.5): which programs must be up before another starts. Checked at load
// time: every name is a program of the config, and no program waits on itself through others.
import { PyValueError } from './python.js';
import type { GroupConfig, ProcessConfig } from './types.js';

/** "program:web" -> "web"; the name depends_on uses. */
export function programName(config: ProcessConfig): string {
  return config.section.slice(config.section.indexOf(':') + 1);
}

/** Program name -> the names it depends on (each program once, whatever its numprocs). */
export function dependencyGraph(groups: readonly GroupConfig[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const group of groups) {
    for (const proc of group.processes) {
      graph.set(programName(proc), proc.extensions.dependsOn.map((d) => d.program));
    }
  }
  return graph;
}

/** Throws PyValueError for a name that is no program, or for a cycle, naming it ("a -> b -> a"). */
export function checkDependencies(groups: readonly GroupConfig[]): void {
  const graph = dependencyGraph(groups);
  for (const [program, needs] of graph) {
    for (const need of needs) {
      if (!graph.has(need)) throw new PyValueError(`depends_on of [program:${program}] names '${need}', which is not a program of this config`);
    }
  }
  const cycle = findCycle(graph);
  if (cycle) throw new PyValueError(`depends_on forms a cycle: ${cycle.join(' -> ')}`);
}

/** One cycle of the graph as a path that returns to its start, or null. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (node: string): string[] | null => {
    if (onPath.has(node)) return [...path.slice(path.indexOf(node)), node];
    if (done.has(node)) return null;
    onPath.add(node);
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}
