// Every fuzz suite, for scripts/fuzz.mjs (the long run); npm test runs each from its own file.
import { configSuite } from './config.js';
import { httpSuite } from './http.js';
import { httpParsingSuite } from './http-parsing.js';
import { listenerProtocolSuite } from './listener-protocol.js';
import type { FuzzSuite } from './suite.js';
import { xmlrpcSuite } from './xmlrpc.js';

export { compareLoaderWithSupervisor, compareReaderWithPython, describeMismatches } from './config-oracle.js';
export { failureReport } from './suite.js';

/** In-process suites first; the HTTP one, whose cases cross real sockets, last. */
export const SUITES: FuzzSuite[] = [configSuite, xmlrpcSuite, listenerProtocolSuite, httpParsingSuite, httpSuite];
