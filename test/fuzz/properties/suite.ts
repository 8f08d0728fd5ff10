// One shape for every fuzz property, so that `npm test` (a bounded run) and scripts/fuzz.mjs (a long
// run with FUZZ_RUNS cases) execute the very same generators and checks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';

export interface RunParameters {
  numRuns: number;
  /** replay a failure: the seed (and path) printed by a failed run */
  seed?: number;
  path?: string;
}

export interface FuzzProperty {
  name: string;
  /** cases run by `npm test` */
  testRuns: number;
  /** Runs the property; resolves to fast-check's details, failed or not (never rejects on a counterexample). */
  check(params: RunParameters): Promise<fc.RunDetails<unknown>>;
}

/**
 * Wraps a fast-check property (sync or async) under a name with its `npm test` budget; `extra`
 * adds fast-check parameters (e.g. a time limit for properties whose cases are slow).
 */
export function fuzzProperty<Ts>(name: string, testRuns: number, property: fc.IRawProperty<Ts>, extra: fc.Parameters<Ts> = {}): FuzzProperty {
  return {
    name,
    testRuns,
    check: async (params) => (await fc.check(property, { ...extra, ...params })) as fc.RunDetails<unknown>,
  };
}

/** A group of properties that may need something running (a daemon) while they run. */
export interface FuzzSuite {
  name: string;
  open(): Promise<OpenSuite>;
}

export interface OpenSuite {
  properties: FuzzProperty[];
  close(): Promise<void>;
}

/** A suite of in-process properties: nothing to start or stop. */
export function inProcessSuite(name: string, properties: () => FuzzProperty[]): FuzzSuite {
  return { name, open: async () => ({ properties: properties(), close: async () => {} }) };
}

/** The report of a failed run: the seed and path to replay it, the shrunk counterexample, the error. */
export function failureReport(suite: string, property: FuzzProperty, details: fc.RunDetails<unknown>): string {
  const error = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
  return `${suite} / ${property.name}: replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''}\n${fc.defaultReportMessage(details) ?? ''}\n${error}`;
}

/**
 * Runs one property with its `npm test` budget (FUZZ_SEED/FUZZ_PATH replay a failure) and throws
 * the failure report when a counterexample is found.
 */
export async function assertProperty(suite: string, property: FuzzProperty): Promise<void> {
  const params: RunParameters = { numRuns: property.testRuns };
  if (process.env.FUZZ_SEED) params.seed = Number(process.env.FUZZ_SEED);
  if (process.env.FUZZ_PATH) params.path = process.env.FUZZ_PATH;
  const details = await property.check(params);
  if (details.failed) throw new Error(failureReport(suite, property, details));
}

/**
 * A fresh directory for the files a property writes per case: in /dev/shm when the machine has
 * it, since thousands of small writes to a busy disk cost more than the parsing under test.
 */
export function scratchDir(prefix: string): string {
  let base = os.tmpdir();
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    base = '/dev/shm';
  } catch {
    // no tmpfs: the system temp directory
  }
  return fs.mkdtempSync(path.join(base, prefix));
}
