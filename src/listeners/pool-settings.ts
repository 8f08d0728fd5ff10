// The [eventlistener:x] keys beyond 4.2.5 (4.2.5 ignores them), read from the section's raw keys.
import { byteSize, integer } from '../config/datatypes.js';
import { PyValueError } from '../config/python.js';
import type { GroupConfig } from '../config/types.js';

export const POOL_KEYS = {
  overflow: 'buffer_overflow',
  spoolMaxBytes: 'buffer_spool_maxbytes',
  busyTimeout: 'busy_timeout',
} as const;

export interface PoolSettings {
  /** 'drop' (4.2.5): the oldest event is discarded past buffer_size; 'spool': never dropped, spooled to disk */
  overflow: 'drop' | 'spool';
  /** cap of the spool file in bytes; 0 = bounded by the disk */
  spoolMaxBytes: number;
  /** seconds a listener may stay BUSY before it is restarted and its event re-sent; 0 = forever (4.2.5) */
  busyTimeout: number;
}

/** Throws PyValueError naming the key and section for a bad value. */
export function readPoolSettings(group: GroupConfig): PoolSettings {
  const raw = group.processes[0]?.raw ?? {};
  const section = group.section;
  const read = <T>(key: string, fallback: T, convert: (value: string) => T): T => {
    const value = raw[key];
    if (value === undefined) return fallback;
    try {
      return convert(value.trim());
    } catch (err) {
      throw new PyValueError(`invalid value for ${key} in section [${section}]: ${(err as Error).message}`);
    }
  };
  return {
    overflow: read(POOL_KEYS.overflow, 'drop' as const, (v) => {
      const lower = v.toLowerCase();
      if (lower !== 'drop' && lower !== 'spool') throw new Error(`expected drop or spool, got '${v}'`);
      return lower;
    }),
    spoolMaxBytes: read(POOL_KEYS.spoolMaxBytes, 0, byteSize),
    busyTimeout: read(POOL_KEYS.busyTimeout, 0, (v) => {
      const n = integer(v);
      if (n < 0) throw new Error(`must be 0 or more seconds, got ${v}`);
      return n;
    }),
  };
}
