// `supervisor-ts/plugin`: the plugin API, and the runner that makes a plugin an [eventlistener:x].
export * from './api.js';
export { PluginConfigError } from './errors.js';
export { runPluginAsListener, type ListenerRunOptions } from './as-listener.js';
