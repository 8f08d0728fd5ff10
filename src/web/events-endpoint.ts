// /events: one WebSocket client subscribed to the bus like a plugin, each event sent as one JSON text frame.
import type { WebSocket } from 'ws';
import type { EventBus } from '../events/bus.js';
import { matchesPrograms, type EventFilter } from './event-filter.js';
import { eventToJson } from '../events/json.js';

/** A client that reads slower than events come is dropped rather than buffered without bound in the daemon. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
// 1008 "policy violation" is the closest standard code for "you fell too far behind"
const CLOSE_TOO_SLOW = 1008;

export function streamEvents(socket: WebSocket, bus: EventBus, filter: EventFilter): void {
  const unsubscribe = bus.subscribe('web /events', filter.types, (event) => {
    if (!matchesPrograms(event, filter.programs)) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      unsubscribe();
      socket.close(CLOSE_TOO_SLOW, 'client too slow');
      return;
    }
    socket.send(eventToJson(event));
  });
  socket.on('close', unsubscribe);
  socket.on('error', unsubscribe);
}
