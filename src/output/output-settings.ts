// The output keys beyond 4.2.5 (4.2.5 ignores them), read from a program section's raw keys.
import { boolean, byteSize } from '../config/datatypes.js';
import { PyValueError } from '../config/python.js';
import type { ProcessConfig } from '../config/types.js';
import { DEFAULT_MAX_LINE_BYTES } from './line-framer.js';
import { ROTATION_PERIODS, type RotationPeriod } from './time-rotation.js';
import { DEFAULT_TIMESTAMP_FORMAT, timestampPrefixer } from './timestamp-format.js';

export const OUTPUT_KEYS = {
  stdoutTimestamps: 'stdout_logfile_timestamps',
  stderrTimestamps: 'stderr_logfile_timestamps',
  stdoutCompress: 'stdout_logfile_compress',
  stderrCompress: 'stderr_logfile_compress',
  stdoutRotate: 'stdout_logfile_rotate',
  stderrRotate: 'stderr_logfile_rotate',
  timestampFormat: 'logfile_timestamp_format',
  lineMaxBytes: 'log_line_maxbytes',
} as const;

export interface ChannelSettings {
  /** prefix every line of the log file with its capture time */
  timestamps: boolean;
  /** gzip rotated copies */
  compress: boolean;
  /** also rotate at each local midnight or hour; null = by size only */
  rotateEvery: RotationPeriod | null;
}

export interface OutputSettings {
  stdout: ChannelSettings;
  stderr: ChannelSettings;
  timestampFormat: string;
  /** lines longer than this are cut for line consumers */
  lineMaxBytes: number;
}

function read<T>(config: ProcessConfig, key: string, fallback: T, convert: (value: string) => T): T {
  const value = config.raw[key];
  if (value === undefined) return fallback;
  try {
    return convert(value.trim());
  } catch (err) {
    throw new PyValueError(`invalid value for ${key} in section [${config.section}]: ${(err as Error).message}`);
  }
}

/** Throws PyValueError naming the key and section for a bad value. */
export function readOutputSettings(config: ProcessConfig): OutputSettings {
  const format = read(config, OUTPUT_KEYS.timestampFormat, DEFAULT_TIMESTAMP_FORMAT, (v) => {
    timestampPrefixer(v);
    return v;
  });
  const lineMaxBytes = read(config, OUTPUT_KEYS.lineMaxBytes, DEFAULT_MAX_LINE_BYTES, (v) => {
    const n = byteSize(v);
    if (n < 1) throw new Error(`must be at least 1 byte, got ${v}`);
    return n;
  });
  return {
    stdout: {
      timestamps: read(config, OUTPUT_KEYS.stdoutTimestamps, false, boolean),
      compress: read(config, OUTPUT_KEYS.stdoutCompress, false, boolean),
      rotateEvery: read(config, OUTPUT_KEYS.stdoutRotate, null, rotationPeriod),
    },
    stderr: {
      timestamps: read(config, OUTPUT_KEYS.stderrTimestamps, false, boolean),
      compress: read(config, OUTPUT_KEYS.stderrCompress, false, boolean),
      rotateEvery: read(config, OUTPUT_KEYS.stderrRotate, null, rotationPeriod),
    },
    timestampFormat: format,
    lineMaxBytes,
  };
}

function rotationPeriod(value: string): RotationPeriod {
  const lower = value.toLowerCase();
  if ((ROTATION_PERIODS as readonly string[]).includes(lower)) return lower as RotationPeriod;
  throw new Error(`'${value}' is not one of ${ROTATION_PERIODS.join(', ')}`);
}
