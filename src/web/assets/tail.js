// The log view of one process: the end of its log, then each new line as the daemon reads it;
// follow keeps the newest line in view, pause holds new lines back until resumed.
import { connectLive, showMessage } from './live.js';

const MAX_LINES_SHOWN = 5000;
const namespec = new URLSearchParams(location.search).get('processname') ?? '';
const log = document.getElementById('log');
const follow = document.getElementById('follow');
const pauseButton = document.getElementById('pause');
const download = document.getElementById('download');
const stateBadge = document.getElementById('state');
const why = document.getElementById('why');
let channel = 'stdout';
let paused = false;
let held = [];
// the daemon's own "group:name" for what the page was asked about ("name" alone is "name:name")
let canonical = namespec.includes(':') ? namespec : `${namespec}:${namespec}`;

document.getElementById('name').textContent = namespec;
document.title = `${namespec} log`;

function setDownloadLink() {
  download.href = `/download?processname=${encodeURIComponent(namespec)}&channel=${channel}`;
}

function append(lines, skipped = 0) {
  const fragment = document.createDocumentFragment();
  if (skipped) {
    const note = document.createElement('span');
    note.className = 'skipped';
    note.textContent = `[${skipped} lines skipped: the page fell behind]\n`;
    fragment.append(note);
  }
  for (const line of lines) fragment.append(`${line}\n`);
  log.append(fragment);
  while (log.childNodes.length > MAX_LINES_SHOWN) log.firstChild.remove();
  if (follow.checked) log.scrollTop = log.scrollHeight;
}

// states in which the program is not running because it failed: its log may well be empty
const FAILED_STATES = new Set(['BACKOFF', 'FATAL']);

function showState(view) {
  stateBadge.dataset.state = view.state;
  stateBadge.textContent = view.state;
  // a program that could not be started has written nothing: say why instead of a blank page
  // (the description of these states is the spawn error, e.g. "can't find command '/opt/app'")
  const failed = FAILED_STATES.has(view.state);
  why.hidden = !failed;
  why.textContent = failed ? `${view.state}: ${view.description}` : '';
}

const live = connectLive(
  (message) => {
    if (message.type === 'log' && message.channel === channel) {
      if (message.reset) {
        canonical = message.namespec;
        log.replaceChildren();
        held = [];
      }
      if (paused && !message.reset) held.push(...message.lines);
      else append(message.lines, message.skipped);
    } else if (message.type === 'log-error') {
      showMessage(message.message, true);
    } else if (message.type === 'snapshot') {
      const view = message.processes.find((p) => p.namespec === canonical);
      if (view) showState(view);
    } else if (message.type === 'process' && message.process.namespec === canonical) {
      showState(message.process);
    }
  },
  () => live.send({ type: 'follow', namespec, channel }),
);

for (const radio of document.querySelectorAll('input[name="channel"]')) {
  radio.addEventListener('change', () => {
    channel = radio.value;
    setDownloadLink();
    live.send({ type: 'follow', namespec, channel });
  });
}

pauseButton.addEventListener('click', () => {
  paused = !paused;
  pauseButton.textContent = paused ? 'Resume' : 'Pause';
  if (!paused && held.length) {
    append(held);
    held = [];
  }
});

setDownloadLink();
