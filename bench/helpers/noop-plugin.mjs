// An in-process plugin that does nothing with the lines it gets: it counts them and, at most every
// 20 ms, overwrites `count_file` with "<lines> <events> <epoch ms of the last event>".
import fs from 'node:fs';

export default {
  name: 'bench-noop',
  version: '1.0.0',
  events: ['PROCESS_LOG'],
  options: { count_file: { type: 'string', required: true, description: 'where the counts go' } },
  setup({ options }) {
    const fd = fs.openSync(options.count_file, 'w');
    let lines = 0;
    let events = 0;
    let last = 0;
    let written = -1;
    const save = () => {
      if (written === events) return;
      written = events;
      fs.writeSync(fd, `${lines} ${events} ${last}`.padEnd(60), 0);
    };
    const timer = setInterval(save, 20);
    timer.unref();
    return {
      event(event) {
        if (!event.lines) return;
        lines += event.lines.length;
        events += 1;
        last = Date.now();
      },
      flush() {
        clearInterval(timer);
        save();
      },
    };
  },
};
