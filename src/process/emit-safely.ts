// Listener isolation: one failing listener must neither stop the others nor reach the state machine.
import type { EventEmitter } from 'node:events';

/** Calls every listener of `event` in turn, reporting each failure to onError instead of throwing. */
export function emitSafely(emitter: EventEmitter, event: string, payload: unknown, onError: (err: unknown) => void): void {
  for (const listener of emitter.listeners(event)) {
    try {
      (listener as (arg: unknown) => void).call(emitter, payload);
    } catch (err) {
      onError(err);
    }
  }
}
