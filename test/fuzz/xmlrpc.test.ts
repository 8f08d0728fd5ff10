// The XML-RPC codec under generated input (properties in ./properties/xmlrpc.ts).
import { after, test } from 'node:test';
import { xmlrpcSuite } from './properties/xmlrpc.js';
import { assertProperty } from './properties/suite.js';

const open = await xmlrpcSuite.open();
after(() => open.close());
for (const property of open.properties) {
  test(`${property.name} (${property.testRuns} cases)`, () => assertProperty(xmlrpcSuite.name, property));
}
