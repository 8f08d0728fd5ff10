import type { LogLevelName } from '../config/types.js';

// 4.2.5's level numbers and the four-letter codes that appear in the main log.
export const LEVELS = {
  CRIT: 50,
  ERRO: 40,
  WARN: 30,
  INFO: 20,
  DEBG: 10,
  TRAC: 5,
  BLAT: 3,
} as const;

export type LevelCode = keyof typeof LEVELS;

export const LEVEL_BY_DESCRIPTION: Record<LogLevelName, number> = {
  critical: LEVELS.CRIT,
  error: LEVELS.ERRO,
  warn: LEVELS.WARN,
  info: LEVELS.INFO,
  debug: LEVELS.DEBG,
  trace: LEVELS.TRAC,
  blather: LEVELS.BLAT,
};

export const CODE_BY_LEVEL: ReadonlyMap<number, LevelCode> = new Map(
  (Object.entries(LEVELS) as [LevelCode, number][]).map(([code, n]) => [n, code]),
);
