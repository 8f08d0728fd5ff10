// The one event bus: listener pools and in-process plugins subscribe here and are called in
// subscription order, synchronously, with the same event object. A subscriber that throws is
// reported and never stops delivery to the others.
import type { EventTypeName } from '../config/events.js';
import { EVENT_TYPE_PARENT } from '../config/events.js';
import { isSubtypeOf, type ConcreteEventName, type SupervisorEvent } from './types.js';

export type EventHandler = (event: SupervisorEvent) => void;

interface Subscriber {
  name: string;
  /** counts its hold on a PROCESS_LOG body (a listener pool): the body's memory can be recycled */
  leasesLogBodies: boolean;
  /** the concrete types it receives: abstract subscriptions expanded once, so matching is a lookup */
  concrete: ReadonlySet<string>;
  handler: EventHandler;
}

const ALL_TYPES = Object.keys(EVENT_TYPE_PARENT) as EventTypeName[];

/** The concrete types that a subscription to `types` receives; each at most once, whatever the overlap. */
export function expandSubscription(types: Iterable<EventTypeName>): Set<ConcreteEventName> {
  const wanted = [...types];
  const leaves = ALL_TYPES.filter((t) => !ALL_TYPES.some((c) => EVENT_TYPE_PARENT[c] === t));
  return new Set(leaves.filter((leaf) => wanted.some((w) => isSubtypeOf(leaf, w))) as ConcreteEventName[]);
}

export class EventBus {
  private subscribers: Subscriber[] = [];
  private publishedCount = 0;
  private readonly publishedPerType = new Map<ConcreteEventName, number>();

  constructor(private onSubscriberError: (name: string, err: unknown) => void = () => {}) {}

  /** Where a throwing subscriber is reported (the main log of the current run). */
  reportErrorsTo(report: (name: string, err: unknown) => void): void {
    this.onSubscriberError = report;
  }

  /**
   * Returns the function that unsubscribes. `leasesLogBodies`: the handler retains the lease of a
   * PROCESS_LOG body it keeps (log-body.ts) and releases it when done; any other subscriber may
   * keep an event as long as it likes.
   */
  subscribe(name: string, types: Iterable<EventTypeName>, handler: EventHandler, options: { leasesLogBodies?: boolean } = {}): () => void {
    const subscriber: Subscriber = { name, leasesLogBodies: options.leasesLogBodies ?? false, concrete: expandSubscription(types), handler };
    this.subscribers = [...this.subscribers, subscriber];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
    };
  }

  /** True when someone receives this type: lets producers skip building events nobody wants. */
  hasSubscribers(type: ConcreteEventName): boolean {
    return this.subscribers.some((s) => s.concrete.has(type));
  }

  /** True when every subscriber of this type counts its hold on a log body (or there is none). */
  onlyLeasingSubscribers(type: ConcreteEventName): boolean {
    return this.subscribers.every((s) => s.leasesLogBodies || !s.concrete.has(type));
  }

  publish(event: SupervisorEvent): void {
    this.publishedCount++;
    this.publishedPerType.set(event.type, (this.publishedPerType.get(event.type) ?? 0) + 1);
    // the array is replaced on (un)subscribe, so a handler that subscribes does not disturb this loop
    for (const subscriber of this.subscribers) {
      if (!subscriber.concrete.has(event.type)) continue;
      try {
        subscriber.handler(event);
      } catch (err) {
        this.onSubscriberError(subscriber.name, err);
      }
    }
  }

  get published(): number {
    return this.publishedCount;
  }

  /** Events published so far, by type (types never published are absent); the bus outlives reloads. */
  get publishedByType(): ReadonlyMap<ConcreteEventName, number> {
    return this.publishedPerType;
  }
}

/**
 * The global event serial of 4.2.5: given the first time any pool accepts an event, kept across
 * reloads, so events nobody accepts consume no number.
 */
export class EventSerials {
  private nextSerial = 0;
  private readonly assigned = new WeakMap<SupervisorEvent, number>();

  serialOf(event: SupervisorEvent): number {
    let serial = this.assigned.get(event);
    if (serial === undefined) {
      serial = this.nextSerial;
      this.nextSerial = this.nextSerial >= Number.MAX_SAFE_INTEGER ? 0 : this.nextSerial + 1;
      this.assigned.set(event, serial);
    }
    return serial;
  }
}
