// stdout-prefix: every line of the chosen programs on supervisord's own stdout/stderr, with a
// prefix (or as JSON lines), for containers whose runtime collects one stream. What
// supervisor-stdout does as a listener script, with whole lines only and a colour per program;
// the pieces of a cut line (longer than log_line_maxbytes, or no newline yet) are marked as such.
import { definePlugin, type OutputStreamName, type ProcessLogEvent } from '../../src/plugins/api.js';

type Cut = 'split' | 'partial';

const COLOURS = [36, 33, 32, 35, 34, 91, 92, 93, 94, 95, 96];

export default definePlugin({
  name: 'stdout-prefix',
  version: '1.0.0',
  events: ['PROCESS_LOG'],
  options: {
    format: { type: 'string', default: '{program} | {line}', description: 'text mode line: {program} {group} {stream} {pid} {time} {line}' },
    mode: { type: 'string', choices: ['text', 'json'], default: 'text', description: 'text: format per line; json: {time, program, group, stream, pid, line, cut?} per line' },
    cut_marker: { type: 'string', default: '[{cut}]', description: "text mode: after a piece of a cut line, a space and this ({cut}: 'split' or 'partial'); empty: no mark" },
    color: { type: 'string', choices: ['auto', 'always', 'never'], default: 'auto', description: 'colour the prefix per program; auto: only on a TTY' },
    output: { type: 'string', choices: ['same', 'stdout', 'stderr'], default: 'same', description: "where lines go: 'same' keeps a program's stderr on stderr" },
  },
  setup({ options, output }) {
    // the daemon's own writer keeps each event's lines whole and in order with its main log
    const target = (stream: OutputStreamName): OutputStreamName => (options.output === 'same' ? stream : options.output);
    // asked once per stream, not per event: whether stdout is a terminal does not change while we run
    const colour = { stdout: wantsColour('stdout'), stderr: wantsColour('stderr') };
    function wantsColour(stream: OutputStreamName): boolean {
      return options.color === 'always' || (options.color === 'auto' && output.isTerminal(stream));
    }
    const [before, after] = splitFormat(options.format);
    return {
      event(event) {
        if (event.type !== 'PROCESS_LOG_STDOUT' && event.type !== 'PROCESS_LOG_STDERR') return;
        const stream = target(event.channel);
        output.write(stream, options.mode === 'json' ? jsonLines(event) : textLines(event, before, after, options.cut_marker, colour[stream]));
      },
    };
  },
});

/** The format's text before and after {line}: the prefix is rendered once per event, not per line. */
function splitFormat(format: string): [string, string] {
  const at = format.indexOf('{line}');
  return at < 0 ? [format + ' ', ''] : [format.slice(0, at), format.slice(at + '{line}'.length)];
}

function render(template: string, event: ProcessLogEvent): string {
  return template.replace(/\{(program|group|stream|pid|time)\}/g, (_, key: string) => {
    switch (key) {
      case 'program':
        return event.processname;
      case 'group':
        return event.groupname;
      case 'stream':
        return event.channel;
      case 'pid':
        return String(event.pid);
      default:
        return new Date(event.time).toISOString();
    }
  });
}

function textLines(event: ProcessLogEvent, before: string, after: string, cutMarker: string, colour: boolean): string {
  let prefix = render(before, event);
  if (colour) prefix = `\x1b[${colourOf(event.processname)}m${prefix}\x1b[0m`;
  const suffix = render(after, event);
  let out = '';
  const { lines, cut } = event;
  for (let i = 0; i < lines.length; i++) {
    const piece = cut?.[i];
    const mark = piece && cutMarker ? ' ' + cutMarker.replaceAll('{cut}', piece) : '';
    out += prefix + lines[i] + mark + suffix + '\n';
  }
  return out;
}

function jsonLines(event: ProcessLogEvent): string {
  const time = new Date(event.time).toISOString();
  let out = '';
  const { lines, cut } = event;
  for (let i = 0; i < lines.length; i++) {
    // as in the event: only on a piece (JSON.stringify leaves undefined out), a whole line keeps six keys
    const piece: Cut | undefined = cut?.[i] ?? undefined;
    out += JSON.stringify({ time, program: event.processname, group: event.groupname, stream: event.channel, pid: event.pid, line: lines[i], cut: piece }) + '\n';
  }
  return out;
}

function colourOf(program: string): number {
  let hash = 0;
  for (const ch of program) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[hash % COLOURS.length]!;
}
