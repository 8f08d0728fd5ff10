// The HTTP layer's own parsing under generated input (properties in ./properties/http-parsing.ts).
import { after, test } from 'node:test';
import { httpParsingSuite } from './properties/http-parsing.js';
import { assertProperty } from './properties/suite.js';

const open = await httpParsingSuite.open();
after(() => open.close());
for (const property of open.properties) {
  test(`${property.name} (${property.testRuns} cases)`, () => assertProperty(httpParsingSuite.name, property));
}
