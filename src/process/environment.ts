// The environment a child gets, built as 4.2.5's _spawn_as_child does.

export interface ChildEnvironmentInput {
  /** supervisord's own environment */
  daemonEnv: NodeJS.ProcessEnv;
  /** program `serverurl`, else the daemon's first HTTP server URL; null when none is known */
  serverUrl: string | null;
  processName: string;
  groupName: string;
  /** the config's merged environment (files and environment= keys, see ProcessConfig.environment) */
  environment: Record<string, string>;
}

/** The config's environment goes on top last, so it may override even the SUPERVISOR_* variables. */
export function childEnvironment(input: ChildEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.daemonEnv)) {
    if (value !== undefined) env[key] = value;
  }
  env.SUPERVISOR_ENABLED = '1';
  if (input.serverUrl) env.SUPERVISOR_SERVER_URL = input.serverUrl;
  env.SUPERVISOR_PROCESS_NAME = input.processName;
  env.SUPERVISOR_GROUP_NAME = input.groupName;
  return Object.assign(env, input.environment);
}
