// Which HTTP connection an XML-RPC call came in on, for the methods whose meaning spans calls:
// supervisorctl's `update` is reloadConfig then stop/remove/add per group, all sent on the one
// connection of that command (4.2.5's client opens a new one per command).
import { AsyncLocalStorage } from 'node:async_hooks';

const connection = new AsyncLocalStorage<object>();

/** Runs `work` (and everything it awaits) as called over `socket`. */
export function callingFrom<T>(socket: object, work: () => T): T {
  return connection.run(socket, work);
}

/** The connection of the call being handled; undefined outside an HTTP request (in-process callers). */
export function callerConnection(): object | undefined {
  return connection.getStore();
}
