// The config reader under generated input (properties in ./properties/config.ts).
import { after, test } from 'node:test';
import { configSuite } from './properties/config.js';
import { assertProperty } from './properties/suite.js';

const open = await configSuite.open();
after(() => open.close());
for (const property of open.properties) {
  test(`${property.name} (${property.testRuns} cases)`, () => assertProperty(configSuite.name, property));
}
