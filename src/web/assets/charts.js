// The pictures: sparklines of CPU and memory samples, and a state timeline with restart marks.
const SVG = 'http://www.w3.org/2000/svg';
export const TIMELINE_WINDOW_MS = 10 * 60 * 1000;
// a program started this often within the window is flagged as flapping
const FLAPPING_STARTS = 3;

const STATE_COLOURS = {
  RUNNING: '#2e8b3d', STARTING: '#c98a00', BACKOFF: '#d9641e', STOPPING: '#3a78c2',
  STOPPED: '#7a8491', EXITED: '#8a6d3b', FATAL: '#c62828', UNKNOWN: '#7b3fa0',
};

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

/** A polyline of the values scaled to the box; the scale floor keeps a flat idle line flat. */
export function sparkline(values, { width = 90, height = 22, floor = 1 } = {}) {
  const box = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}` });
  if (values.length > 1) {
    const max = Math.max(floor, ...values);
    const step = width / (values.length - 1);
    const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 3)).toFixed(1)}`);
    box.append(svg('polyline', { points: points.join(' ') }));
  }
  return box;
}

/**
 * The last ten minutes as coloured bands, one per state, and a mark at each start; `entries` are
 * the process's state changes, oldest first. Returns the picture and how many starts it shows.
 */
export function timeline(entries, now, { width = 150, height = 16 } = {}) {
  const box = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}` });
  const from = now - TIMELINE_WINDOW_MS;
  const x = (t) => ((Math.max(t, from) - from) / TIMELINE_WINDOW_MS) * width;
  let starts = 0;
  entries.forEach((entry, i) => {
    const end = i + 1 < entries.length ? entries[i + 1].at : now;
    if (end < from) return;
    const band = svg('rect', { x: x(entry.at), y: 3, width: Math.max(1, x(end) - x(entry.at)), height: height - 6, fill: STATE_COLOURS[entry.to] ?? '#999' });
    band.append(Object.assign(svg('title'), { textContent: `${entry.to} at ${new Date(entry.at).toLocaleTimeString()}` }));
    box.append(band);
  });
  for (const entry of entries) {
    if (entry.to !== 'STARTING' || entry.at < from) continue;
    starts += 1;
    box.append(svg('line', { class: 'restart', x1: x(entry.at), x2: x(entry.at), y1: 0, y2: height }));
  }
  return { picture: box, starts, flapping: starts >= FLAPPING_STARTS };
}

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}
