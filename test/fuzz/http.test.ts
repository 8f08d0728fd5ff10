// The HTTP layer of a real daemon under generated requests over real sockets (properties in
// ./properties/http.ts). One daemon serves the whole file; SIGTERM must still stop it at the end.
import { after, test } from 'node:test';
import { httpSuite } from './properties/http.js';
import { assertProperty } from './properties/suite.js';

const open = await httpSuite.open();
let closed = false;
after(async () => {
  if (!closed) await open.close().catch(() => undefined);
});
for (const property of open.properties) {
  test(`${property.name} (${property.testRuns} cases)`, () => assertProperty(httpSuite.name, property));
}
test('SIGTERM still stops the daemon after the fuzzing', async () => {
  closed = true;
  await open.close();
});
