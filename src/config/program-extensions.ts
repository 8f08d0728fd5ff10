// The [program:x] keys beyond 4.2.5 that change how supervisord treats the program as a whole
// (4.2.5 ignores unknown keys, so a file using them still runs under it). Read from the section's
// raw keys; a bad value is a config error naming the key and section.
import { boolean } from './datatypes.js';
import { PyValueError } from './python.js';
import type { ProcessConfig } from './types.js';

export const PROGRAM_EXTENSION_KEYS = {
  essential: 'essential',
} as const;

export interface ProgramExtensions {
  /** when the process goes FATAL or exits for good, supervisord stops everything and exits 1 */
  essential: boolean;
}

/** Throws PyValueError naming the key and section for a bad value. */
export function readProgramExtensions(config: ProcessConfig): ProgramExtensions {
  const value = config.raw[PROGRAM_EXTENSION_KEYS.essential];
  if (value === undefined) return { essential: false };
  try {
    return { essential: boolean(value.trim()) };
  } catch (err) {
    throw new PyValueError(`invalid value for ${PROGRAM_EXTENSION_KEYS.essential} in section [${config.section}]: ${(err as Error).message}`);
  }
}
