// supervisorctl's exit statuses (4.2.5's LSBInitExitStatuses / LSBStatusExitStatuses).

export const EXIT = {
  SUCCESS: 0,
  GENERIC: 1,
  INVALID_ARGS: 2,
  UNIMPLEMENTED_FEATURE: 3,
  INSUFFICIENT_PRIVILEGES: 4,
  NOT_INSTALLED: 5,
  NOT_RUNNING: 7,
} as const;

/** `status` uses its own pair (LSB status actions). */
export const STATUS_EXIT = {
  NOT_RUNNING: 3,
  UNKNOWN: 4,
} as const;
