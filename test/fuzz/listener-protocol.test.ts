// The eventlistener protocol decoder under generated input (properties in ./properties/listener-protocol.ts).
import { after, test } from 'node:test';
import { listenerProtocolSuite } from './properties/listener-protocol.js';
import { assertProperty } from './properties/suite.js';

const open = await listenerProtocolSuite.open();
after(() => open.close());
for (const property of open.properties) {
  test(`${property.name} (${property.testRuns} cases)`, () => assertProperty(listenerProtocolSuite.name, property));
}
