// Beyond 4.2.5: `events [TYPE ...] [-p NAME] [--json]` follows our daemon's /events stream as
// `tail -f` follows a log, one line per event (or its JSON, a recording the listener bench replays).
import { EVENT_TYPE_NAMES } from '../../config/events.js';
import { eventFromJson, EventJsonError } from '../../events/json.js';
import { renderPayload } from '../../events/payload.js';
import { formatAsctime } from '../../logging/format.js';
import type { Command, Controller } from '../controller.js';
import { openEventStream, type EventQuery } from '../event-stream.js';
import { EXIT } from '../exit-status.js';
import { words } from '../words.js';

const PRESS_CTRL_C = '==> Press Ctrl-C to exit <==';
// the daemon closes a client that falls this far behind (src/web/events-endpoint.ts)
const CLOSE_TOO_SLOW = 1008;

const HELP =
  'events [TYPE ...] [-p NAME] [--json]\tFollow the event stream (Ctrl-C to exit)\n' +
  'events PROCESS_STATE\t\t\tOnly process state changes (abstract types include their subtypes)\n' +
  'events -p web\t\t\t\tOnly events about the program or group "web" (repeat -p for more)\n' +
  'events --json\t\t\t\tOne JSON object per line: a recording for supervisor-listener-test --events';

interface EventsArgs extends EventQuery {
  json: boolean;
}

function parseArgs(args: string[]): EventsArgs | string {
  const parsed = { types: [] as string[], programs: [] as string[], json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') parsed.json = true;
    else if (arg === '-p' || arg === '--program') {
      const name = args[++i];
      if (name === undefined) return `${arg} needs a program or group name`;
      parsed.programs.push(name);
    } else if (arg.startsWith('--program=')) parsed.programs.push(arg.slice('--program='.length));
    else if (arg.startsWith('-')) return `bad argument ${arg}`;
    else if (!EVENT_TYPE_NAMES.has(arg.toUpperCase())) return `unknown event type ${arg}`;
    else parsed.types.push(arg.toUpperCase());
  }
  return parsed;
}

/** An event as a listener would read its payload, after the time it happened; data lines indented. */
export function readableEvent(json: string): string {
  try {
    const event = eventFromJson(json);
    const [first = '', ...rest] = renderPayload(event).replace(/\n$/, '').split('\n');
    const head = `${formatAsctime(new Date(event.time))} ${event.type}${first ? ` ${first}` : ''}`;
    return [head, ...rest.map((line) => `    ${line}`)].join('\n');
  } catch (err) {
    // an event this client does not know (a newer daemon) is shown as it came
    if (err instanceof EventJsonError) return json;
    throw err;
  }
}

export const events: Command = {
  name: 'events',
  extension: true,
  help: HELP,
  async run(ctl, arg) {
    const args = parseArgs(words(arg));
    if (typeof args === 'string') {
      ctl.output(`Error: ${args}`);
      ctl.output(HELP);
      ctl.exitstatus = EXIT.GENERIC;
      return;
    }
    if (!(await ctl.upcheck())) return;
    await follow(ctl, args);
  },
};

async function follow(ctl: Controller, args: EventsArgs): Promise<void> {
  const { serverurl, username, password } = ctl.options;
  const stream = await openEventStream(serverurl, args, { username, password }, {
    // said once the daemon has accepted the stream, so nothing after it is missed; in JSON mode on
    // stderr, as stdout holds only events (a recording replays as it is)
    opened: () => (args.json ? ctl.out.stderr(`${PRESS_CTRL_C}\n`) : ctl.output(PRESS_CTRL_C)),
    event: (json) => ctl.out.stdout(`${args.json ? json : readableEvent(json)}\n`),
  });
  const interrupted = new Promise<'interrupted'>((resolve) => (ctl.onInterrupt = () => resolve('interrupted')));
  try {
    const end = await Promise.race([stream.done, interrupted]);
    if (end === 'interrupted') {
      if (!args.json) ctl.output('');
      return;
    }
    if (end.kind === 'refused' && end.status === 404) {
      // 4.2.5 (and a daemon of ours without its web layer) has no /events: as for a command it does not know
      ctl.out.stderr(`Error: ${serverurl} cannot stream events: it has no /events (a supervisor-ts extension; supervisord 4.2.5 lacks it)\n`);
      ctl.exitstatus = EXIT.GENERIC;
    } else if (end.kind === 'refused') {
      ctl.out.stderr(`Error: ${serverurl} refused the event stream: HTTP ${end.status} ${end.statusText}\n`);
      ctl.exitstatus = EXIT.GENERIC;
    } else if (end.kind === 'error') {
      ctl.out.stderr(`Error: ${serverurl} event stream failed: ${end.message}\n`);
      ctl.exitstatus = EXIT.GENERIC;
    } else if (end.code === CLOSE_TOO_SLOW) {
      ctl.out.stderr(`Error: ${serverurl} closed the event stream: this client read too slowly (${end.reason})\n`);
      ctl.exitstatus = EXIT.GENERIC;
    }
  } finally {
    ctl.onInterrupt = null;
    stream.close();
  }
}
