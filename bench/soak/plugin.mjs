// A soak in-process plugin: appends "L PROCESSNAME LINES" for each PROCESS_LOG event and
// "S EVENTNAME PROCESSNAME" for each PROCESS_STATE one to `file` (reopened by each run of the daemon).
import fs from 'node:fs';
import { definePlugin } from 'supervisor-ts/plugin';

export default definePlugin({
  name: 'soak-count',
  version: '0.0.1',
  options: { file: { type: 'string', required: true, description: 'where the records go' } },
  setup({ options }) {
    const fd = fs.openSync(options.file, 'a');
    return {
      event(event) {
        if (event.type === 'PROCESS_LOG_STDOUT' || event.type === 'PROCESS_LOG_STDERR') fs.writeSync(fd, `L ${event.processname} ${event.lines.length}\n`);
        else if ('processname' in event) fs.writeSync(fd, `S ${event.type} ${event.processname}\n`);
      },
      flush: () => fs.closeSync(fd),
    };
  },
});
