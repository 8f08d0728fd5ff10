// Rotation by time (beyond 4.2.5): a log rotates when the local clock reaches the next hour or
// the next midnight. Boundaries are computed with local-time Date arithmetic, so a day across a
// DST change lasts 23 or 25 hours and an hour repeated in autumn is still its own hour.

export type RotationPeriod = 'daily' | 'hourly';

export const ROTATION_PERIODS: readonly RotationPeriod[] = ['daily', 'hourly'];

const HOUR_MS = 3_600_000;

/** What time-based rotation needs of a clock: the time, and a wake-up at a given time. */
export interface Clock {
  /** epoch milliseconds */
  now(): number;
  /** Calls `fn` once, at or after epoch ms `time`; returns a function that cancels it. */
  at(time: number, fn: () => void): () => void;
}

/** The system clock; its wake-ups do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  at(time, fn) {
    const timer = setTimeout(fn, Math.max(0, time - Date.now()));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

// The start of t's local hour: local minutes and seconds are taken off, whatever the UTC offset.
function startOfLocalHour(t: number): number {
  const d = new Date(t);
  return t - (d.getMinutes() * 60_000 + d.getSeconds() * 1000 + d.getMilliseconds());
}

/** The first instant of the period that holds epoch ms `t`. */
export function periodStart(t: number, period: RotationPeriod): number {
  if (period === 'hourly') return startOfLocalHour(t);
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** The first instant after `t` that starts a new period (the next local hour or midnight). */
export function nextBoundary(t: number, period: RotationPeriod): number {
  if (period === 'daily') {
    const d = new Date(t);
    // a midnight that does not exist (a DST jump at 00:00) is given as the first instant of that day
    return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  }
  // an hour later, then back to the top of that local hour (a half-hour DST shift)
  const next = startOfLocalHour(startOfLocalHour(t) + HOUR_MS);
  return next > t ? next : startOfLocalHour(t) + HOUR_MS;
}
