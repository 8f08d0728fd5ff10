// Builds the supervisord main log from [supervisord] settings, as 4.2.5's make_logger does.
import type { SupervisordSettings } from '../config/types.js';
import { LEVEL_BY_DESCRIPTION } from '../logging/levels.js';
import { Logger, RotatingFileSink, StreamSink } from '../logging/logger.js';

export function makeMainLogger(settings: SupervisordSettings): Logger {
  const logger = new Logger(LEVEL_BY_DESCRIPTION[settings.loglevel]);
  if (settings.nodaemon && !settings.silent) logger.addSink(new StreamSink(1));
  if (settings.logfile !== 'syslog') {
    logger.addSink(new RotatingFileSink(settings.logfile, settings.logfile_maxbytes, settings.logfile_backups));
  }
  return logger;
}
