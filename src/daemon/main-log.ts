// Builds the supervisord main log from [supervisord] settings, as 4.2.5's make_logger does.
import type { SupervisordSettings } from '../config/types.js';
import { LEVEL_BY_DESCRIPTION } from '../logging/levels.js';
import { Logger, RotatingFileSink, StreamSink } from '../logging/logger.js';
import { SyslogSink } from '../logging/syslog-sink.js';
import { daemonOutput } from '../output/daemon-stdio.js';

/** The main log file cannot be opened: supervisord refuses to start (exit 2) with this message. */
export class MainLogOpenError extends Error {
  readonly code = 'SUP_ERR_MAIN_LOG';
}

export function makeMainLogger(settings: SupervisordSettings): Logger {
  // stdout and stderr are shared with child logs and plugins: only their writers may write there
  const stderr = daemonOutput(2);
  const logger = new Logger(LEVEL_BY_DESCRIPTION[settings.loglevel], (text) => stderr.write(text));
  if (settings.nodaemon && !settings.silent) logger.addSink(new StreamSink(daemonOutput(1)));
  if (settings.logfile === 'syslog') {
    logger.addSink(new SyslogSink((message) => logger.error(message)));
    return logger;
  }
  let file: RotatingFileSink;
  try {
    file = new RotatingFileSink(settings.logfile, settings.logfile_maxbytes, settings.logfile_backups);
  } catch (err) {
    // 4.2.5 dies with a Python traceback here; say what and where instead
    throw new MainLogOpenError(`cannot open the main log ${settings.logfile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  logger.addSink(file);
  if (!file.isRotatable && settings.logfile_maxbytes > 0) {
    // 4.2.5 dies with "Illegal seek" here; we write on and say once why nothing rotates
    logger.info(`${settings.logfile} is not a regular file: it is written as is, without rotation (logfile_maxbytes does not apply)`);
  }
  return logger;
}
