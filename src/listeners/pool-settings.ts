// The [eventlistener:x] keys beyond 4.2.5 (4.2.5 ignores them), read from the section's raw keys.
import { byteSize, integer } from '../config/datatypes.js';
import { PyValueError } from '../config/python.js';
import type { GroupConfig } from '../config/types.js';

/**
 * buffer_spool_maxbytes when unset (docs/decisions/0004): a firehose of a million 100-byte lines
 * (about 100 MiB spooled) fits with room to spare, yet a listener that stays down cannot fill the
 * disk, or RAM where childlogdir is a tmpfs (/tmp, the default childlogdir, often is).
 */
export const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;

/**
 * buffer_memory_maxbytes when unset (docs/decisions/0021): a burst of this much output reaches a
 * slow listener without touching the disk, while the daemon's memory stays within a few MiB of
 * 4.2.5's (its own buffer holds 10 events of up to 128 KiB).
 */
export const DEFAULT_MEMORY_TIER_BYTES = 4 * 1024 * 1024;

export const POOL_KEYS = {
  overflow: 'buffer_overflow',
  spoolMaxBytes: 'buffer_spool_maxbytes',
  memoryMaxBytes: 'buffer_memory_maxbytes',
  busyTimeout: 'busy_timeout',
} as const;

export interface PoolSettings {
  /**
   * 'spool' (the default, beyond 4.2.5): past buffer_size events wait on disk, dropped only past
   * spoolMaxBytes; 'drop' (4.2.5's only behaviour): the oldest event is discarded past buffer_size
   */
  overflow: 'drop' | 'spool';
  /** cap of the spool file in bytes (default DEFAULT_SPOOL_MAX_BYTES); 0 = bounded by the disk */
  spoolMaxBytes: number;
  /** spool mode: payload bytes held in memory past buffer_size before the spool file (default DEFAULT_MEMORY_TIER_BYTES) */
  memoryMaxBytes: number;
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
    overflow: read(POOL_KEYS.overflow, 'spool' as const, (v) => {
      const lower = v.toLowerCase();
      if (lower !== 'drop' && lower !== 'spool') throw new Error(`expected drop or spool, got '${v}'`);
      return lower;
    }),
    spoolMaxBytes: read(POOL_KEYS.spoolMaxBytes, DEFAULT_SPOOL_MAX_BYTES, (v) => {
      const n = byteSize(v);
      if (n < 0) throw new Error(`must be 0 (bounded by the disk) or more bytes, got ${v}`);
      return n;
    }),
    memoryMaxBytes: read(POOL_KEYS.memoryMaxBytes, DEFAULT_MEMORY_TIER_BYTES, (v) => {
      const n = byteSize(v);
      if (n < 0) throw new Error(`must be 0 (straight to the spool) or more bytes, got ${v}`);
      return n;
    }),
    busyTimeout: read(POOL_KEYS.busyTimeout, 0, (v) => {
      const n = integer(v);
      if (n < 0) throw new Error(`must be 0 or more seconds, got ${v}`);
      return n;
    }),
  };
}
