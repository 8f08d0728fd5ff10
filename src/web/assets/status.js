// The status page: a table rebuilt from the daemon's snapshot and patched by its pushes.
import { formatBytes, sparkline, timeline } from './charts.js';
import { connectLive, h, showMessage } from './live.js';

const STARTABLE = new Set(['STOPPED', 'EXITED', 'FATAL', 'BACKOFF']);
const STOPPABLE = new Set(['RUNNING', 'STARTING', 'BACKOFF']);
const HAS_CHILD = new Set(['RUNNING', 'STARTING', 'STOPPING']);
// the moving parts (uptime, description's uptime, timeline window) are redrawn from local data, never by asking the daemon
const CLOCK_REDRAW_MS = 1000;

const model = { processes: new Map(), history: {}, samples: {}, clockOffsetMs: 0 };
let nextActionId = 1;

const serverNow = () => Date.now() + model.clockOffsetMs;

function formatUptime(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const clock = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n, i) => (i ? String(n).padStart(2, '0') : String(n))).join(':');
  return days ? `${days}d ${clock}` : clock;
}

/** Python's str(timedelta) of whole seconds, as 4.2.5's description says the uptime: "0:01:05", "2 days, 3:04:05". */
function pythonUptime(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const clock = `${Math.floor((s % 86400) / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return days ? `${days} day${days === 1 ? '' : 's'}, ${clock}` : clock;
}

/** 4.2.5 computes the description when asked: a RUNNING one's uptime is recomputed here as the clock moves. */
function descriptionText(view) {
  if (view.state !== 'RUNNING' || !view.start) return view.description;
  return `pid ${view.pid}, uptime ${pythonUptime(Math.floor(serverNow() / 1000) - view.start)}`;
}

function describeExit(exit) {
  if (!exit) return '—';
  const how = exit.signal ? `killed by ${exit.signal}` : `exit ${exit.exitstatus}`;
  return `${how}${exit.expected || exit.stopRequested ? '' : ' (unexpected)'} at ${new Date(exit.at).toLocaleTimeString()}`;
}

function actionButton(label, action, scope, name, enabled = true) {
  const button = h('button', { 'data-action': action, 'data-scope': scope, 'data-name': name }, label);
  button.disabled = !enabled;
  return button;
}

/** memoryLimit: the program's memory_limit in bytes (null without one), shown after the memory figure */
function sparkCell(kind, samples, memoryLimit = null) {
  const values = samples.map((s) => (kind === 'cpu' ? s.cpu : s.rss));
  const last = values.at(-1);
  const limit = kind === 'mem' && memoryLimit ? ` / ${formatBytes(memoryLimit)}` : '';
  const label = last === undefined ? limit.slice(3) : kind === 'cpu' ? `${last.toFixed(1)}%` : formatBytes(last) + limit;
  const picture = sparkline(values, { width: 64, floor: kind === 'cpu' ? 5 : 1024 * 1024 });
  return h('td', { class: `cell-${kind}` }, h('div', { class: `spark ${kind}` }, picture, h('span', { class: 'value' }, label)));
}

function timelineCell(namespec) {
  const { picture, starts, flapping } = timeline(model.history[namespec] ?? [], serverNow());
  const wrapper = h('div', { class: `timeline${flapping ? ' flapping' : ''}`, 'data-starts': String(starts) }, picture, h('span', { class: 'starts' }, `${starts} start${starts === 1 ? '' : 's'}`));
  return h('td', { class: 'cell-timeline' }, wrapper);
}

function uptimeText(view) {
  return view.state === 'RUNNING' && view.start ? formatUptime(serverNow() / 1000 - view.start) : '—';
}

function processRow(view) {
  const { namespec, state } = view;
  const label = view.group === view.name ? view.name : namespec;
  return h(
    'tr',
    { class: 'process-row', 'data-namespec': namespec, 'data-state': state },
    h('td', {}, h('span', { class: 'state', 'data-state': state }, state)),
    h('td', { class: 'name' }, h('a', { href: `/tail.html?processname=${encodeURIComponent(namespec)}`, title: 'log' }, label)),
    h('td', { class: 'pid' }, view.pid && HAS_CHILD.has(state) ? String(view.pid) : '—'),
    h('td', { class: 'uptime' }, uptimeText(view)),
    h('td', { class: 'description' }, descriptionText(view)),
    h('td', { class: 'last-exit' }, describeExit(view.lastExit)),
    sparkCell('cpu', model.samples[namespec] ?? []),
    sparkCell('mem', model.samples[namespec] ?? [], view.memoryLimit),
    timelineCell(namespec),
    h(
      'td',
      {},
      h(
        'div',
        { class: 'actions' },
        actionButton('Start', 'start', 'process', namespec, STARTABLE.has(state)),
        actionButton('Stop', 'stop', 'process', namespec, STOPPABLE.has(state)),
        actionButton('Restart', 'restart', 'process', namespec, state !== 'UNKNOWN'),
        actionButton('Clear log', 'clearlog', 'process', namespec),
        h('a', { class: 'button', href: `/tail.html?processname=${encodeURIComponent(namespec)}` }, 'Log'),
      ),
    ),
  );
}

function groupRow(group) {
  return h(
    'tr',
    { class: 'group-row', 'data-group': group },
    h('td', { colspan: '9' }, `group ${group}`),
    h('td', {}, h('div', { class: 'actions' }, ...['start', 'stop', 'restart', 'clearlog'].map((a) => actionButton({ start: 'Start', stop: 'Stop', restart: 'Restart', clearlog: 'Clear logs' }[a], a, 'group', group)))),
  );
}

function renderAll() {
  const body = document.querySelector('#processes tbody');
  const views = [...model.processes.values()].sort((a, b) => (a.group + ':' + a.name).localeCompare(b.group + ':' + b.name));
  const rows = [];
  let lastGroup = null;
  for (const view of views) {
    const groupSize = views.filter((v) => v.group === view.group).length;
    if (view.group !== lastGroup && (groupSize > 1 || view.group !== view.name)) rows.push(groupRow(view.group));
    lastGroup = view.group;
    rows.push(processRow(view));
  }
  body.replaceChildren(...rows);
  document.getElementById('empty').hidden = views.length > 0;
  document.getElementById('processes').hidden = views.length === 0;
}

/** Redraws the cells that move on their own (uptime, charts) in place, so buttons are never replaced under the pointer. */
function refreshLiveCells(namespec) {
  const view = model.processes.get(namespec);
  const row = document.querySelector(`tr.process-row[data-namespec="${CSS.escape(namespec)}"]`);
  if (!view || !row) return;
  row.querySelector('td.uptime').textContent = uptimeText(view);
  row.querySelector('td.description').textContent = descriptionText(view);
  row.querySelector('td.cell-cpu').replaceWith(sparkCell('cpu', model.samples[namespec] ?? []));
  row.querySelector('td.cell-mem').replaceWith(sparkCell('mem', model.samples[namespec] ?? [], view.memoryLimit));
  row.querySelector('td.cell-timeline').replaceWith(timelineCell(namespec));
}

function renderRow(namespec) {
  const view = model.processes.get(namespec);
  const old = document.querySelector(`tr.process-row[data-namespec="${CSS.escape(namespec)}"]`);
  if (!view || !old) return renderAll();
  old.replaceWith(processRow(view));
}

function onMessage(message) {
  switch (message.type) {
    case 'snapshot':
      model.clockOffsetMs = message.now - Date.now();
      model.processes = new Map(message.processes.map((p) => [p.namespec, p]));
      model.history = message.history;
      model.samples = message.samples;
      renderAll();
      break;
    case 'process': {
      const { namespec } = message.process;
      model.processes.set(namespec, message.process);
      (model.history[namespec] ??= []).push(message.change);
      renderRow(namespec);
      break;
    }
    case 'samples':
      for (const [namespec, sample] of Object.entries(message.values)) {
        const list = (model.samples[namespec] ??= []);
        list.push(sample);
        if (list.length > 90) list.shift();
      }
      for (const namespec of Object.keys(message.values)) refreshLiveCells(namespec);
      break;
    case 'result':
      showMessage(message.message, !message.ok);
      break;
  }
}

const live = connectLive(onMessage);

document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const { action, scope, name = '' } = button.dataset;
  live.send({ type: 'action', id: nextActionId++, action, scope, name });
});

setInterval(() => {
  for (const namespec of model.processes.keys()) refreshLiveCells(namespec);
}, CLOCK_REDRAW_MS);

const initialMessage = new URLSearchParams(location.search).get('message');
if (initialMessage) showMessage(initialMessage, initialMessage.startsWith('ERROR'));
