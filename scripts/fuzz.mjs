#!/usr/bin/env node
// The long fuzz run (issue 10): the properties of test/fuzz with many more cases than npm test.
//
//   npm run fuzz                        every suite
//   npm run fuzz -- xmlrpc http         only these suites (config, config-oracle, xmlrpc,
//                                       listener-protocol, http)
//
// FUZZ_RUNS        cases per in-process property (default 200000)
// FUZZ_HTTP_RUNS   cases per HTTP property, each a real request to a real daemon (default 20000)
// FUZZ_ORACLE_RUNS ini texts and format strings compared with 4.2.5 (default 200000), and a
//                  hundredth of that, at least 30, whole configs through sv-dump-config.py
// FUZZ_SEED        replay: the seed a failure printed (FUZZ_PATH too, to go straight to it)
//
// A failure prints its seed, path and shrunk counterexample; the exit status is 1 if any failed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { SUITES, compareReaderWithPython, compareLoaderWithSupervisor, describeMismatches, failureReport } = await import(
  path.join(root, 'dist', 'test', 'fuzz', 'properties', 'index.js')
);

const number = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const runs = number('FUZZ_RUNS', 200_000);
const httpRuns = number('FUZZ_HTTP_RUNS', 20_000);
const oracleRuns = number('FUZZ_ORACLE_RUNS', 200_000);
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const replayPath = process.env.FUZZ_PATH || undefined;
const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);

let failures = 0;
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

for (const suite of SUITES) {
  if (!wanted(suite.name)) continue;
  const numRuns = suite.name === 'http' ? httpRuns : runs;
  const open = await suite.open();
  try {
    for (const property of open.properties) {
      const started = performance.now();
      const details = await property.check({ numRuns, ...(seed === undefined ? {} : { seed }), ...(replayPath ? { path: replayPath } : {}) });
      if (details.failed) {
        failures++;
        console.log(`FAIL ${suite.name} / ${property.name} after ${details.numRuns} cases (${seconds(started)})`);
        console.log(failureReport(suite.name, property, details));
      } else {
        console.log(`ok   ${suite.name} / ${property.name}: ${details.numRuns} cases, seed ${details.seed} (${seconds(started)})`);
      }
    }
  } finally {
    try {
      await open.close();
    } catch (err) {
      failures++;
      console.log(`FAIL ${suite.name}: closing: ${err.message}`);
    }
  }
}

if (wanted('config-oracle')) {
  // batches of 20,000 (one Python process each), each from its own seed
  const base = seed ?? Date.now() % 2 ** 31;
  for (let done = 0, batch = 0; done < oracleRuns; done += 20_000, batch++) {
    const count = Math.min(20_000, oracleRuns - done);
    const started = performance.now();
    const mismatches = compareReaderWithPython(count, base + batch);
    if (mismatches.length) {
      failures++;
      console.log(`FAIL config-oracle / reader: ${describeMismatches('reader inputs', base + batch, mismatches)}`);
    } else console.log(`ok   config-oracle / reader: ${count} ini texts and ${count} format strings, seed ${base + batch} (${seconds(started)})`);
  }
  const configs = Math.max(30, Math.floor(oracleRuns / 100));
  const started = performance.now();
  const mismatches = await compareLoaderWithSupervisor(configs, base);
  if (mismatches.length) {
    failures++;
    console.log(`FAIL config-oracle / loader: ${describeMismatches('configs', base, mismatches)}`);
  } else console.log(`ok   config-oracle / loader: ${configs} configs, seed ${base} (${seconds(started)})`);
}

console.log(failures === 0 ? 'fuzz: no failure' : `fuzz: ${failures} failure(s)`);
process.exit(failures === 0 ? 0 : 1);
