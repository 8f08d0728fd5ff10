// A config file 4.2.5 would reject. `message` is exactly what 4.2.5 prints after "Error: ".
export class ConfigError extends Error {
  readonly code = 'SUP_ERR_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
