// The page's one WebSocket to the daemon (/ws, same origin and credentials as the page): every
// update is pushed; on a lost connection it reconnects and the daemon sends a fresh snapshot.
const RECONNECT_MS = 1000;

export function connectLive(onMessage, onOpen = () => {}) {
  const indicator = document.getElementById('connection');
  let socket = null;
  const setState = (state) => {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = state;
  };
  const open = () => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${location.host}/ws`);
    socket.addEventListener('open', () => {
      setState('live');
      onOpen();
    });
    socket.addEventListener('message', (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener('close', () => {
      setState('offline');
      setTimeout(open, RECONNECT_MS);
    });
  };
  open();
  return {
    send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
  };
}

/** Shows a one-line outcome (an action's result, or 4.2.5's ?message=) in the status box. */
export function showMessage(text, isError = false) {
  const box = document.getElementById('message');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = false;
}

export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith('data-')) node.dataset[key.slice(5).replace(/-([a-z])/g, (_m, c) => c.toUpperCase())] = value;
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}
