// One error class for plugin configuration, with a stable code, naming the section and file.
export class PluginConfigError extends Error {
  readonly code = 'SUP_ERR_PLUGIN_CONFIG';

  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'PluginConfigError';
  }
}
