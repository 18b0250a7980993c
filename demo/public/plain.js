// The demo chat as code written for WebSocket: onopen, onmessage, onclose, onerror, send, readyState.
// One line picks the class; everything else is the same for both. ?socket=native runs it on the
// browser's WebSocket, which stays closed after the first drop.
/* global steadysocket */
const params = new URLSearchParams(location.search);
const useSteady = params.get('socket') !== 'native';
const Socket = useSteady ? steadysocket.SteadyWebSocket : WebSocket;

const name = params.get('name') || 'guest-' + Math.floor(Math.random() * 1000);
const url = location.origin.replace(/^http/, 'ws') + '/chat?name=' + encodeURIComponent(name);
// SteadySocket's options, the main demo's: a heartbeat notices a server that stopped answering,
// retries start after 0.5 s. Only SteadyWebSocket reads a third argument; a WebSocket ignores it.
const options = {
  reconnect: { initialDelay: 500, maxDelay: 8000 },
  heartbeat: { interval: 4000, timeout: 2000, message: '{"type":"ping"}', isPong: (data) => data === '{"type":"pong"}' },
};
const ws = new Socket(url, undefined, options);
window.ws = ws; // to try things from the console (the tests read it too)

const STATES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const $ = (selector) => document.querySelector(selector);

ws.onopen = () => log(`open, readyState ${STATES[ws.readyState]}`, 'good');

ws.onmessage = (event) => {
  const message = JSON.parse(event.data);
  if (message.type === 'welcome') message.missed.forEach(render);
  else if (message.type === 'message') render(message);
  else if (message.type === 'presence') $('[data-testid=people]').textContent = message.names.join(', ');
};

// SteadyWebSocket: the real code of every drop (1006 for a lost link), readyState CONNECTING while it
// waits to reconnect. WebSocket: the same close, then CLOSED for good.
ws.onclose = (event) => {
  const reason = event.reason ? ' ' + event.reason : '';
  log(`close ${event.code}${reason} (${event.wasClean ? 'clean' : 'not clean'}), readyState ${STATES[ws.readyState]}`, 'warn');
};

// A WebSocket's error event says nothing more; SteadyWebSocket's carries why in event.error.
ws.onerror = (event) => {
  const error = event.error;
  if (!error) return log('error (the event does not say why)', 'bad');
  log(`error ${error.kind}${error.status ? ' ' + error.status : ''}: ${error.message}${error.hint ? ' (' + error.hint + ')' : ''}`, 'bad');
};

$('#say').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('#text').value;
  if (!text) return;
  const nonce = Math.random().toString(36).slice(2);
  try {
    // SteadyWebSocket queues while it reconnects. A WebSocket throws while connecting, and once
    // closed drops the data without a word: the message then stays "sending…".
    ws.send(JSON.stringify({ type: 'say', text, nonce }));
  } catch (error) {
    return log(`send: ${error.kind || error.name}: ${error.message}`, 'bad');
  }
  $('#text').value = '';
  const entry = item(name, text, 'sending…');
  entry.className = 'pending';
  pending.set(nonce, entry);
  $('#messages').appendChild(entry);
  show();
});

// The rest is the page: rendering, the status line and the trouble buttons.

// Every connect asks for the whole history (a WebSocket's URL is fixed); ids drop the repeats.
const seen = new Set();
const pending = new Map();
function render(message) {
  if (seen.has(message.id)) return;
  seen.add(message.id);
  const mine = pending.get(message.nonce);
  pending.delete(message.nonce);
  const entry = mine || item(message.name, message.text);
  entry.className = '';
  entry.lastChild.textContent = new Date(message.time).toLocaleTimeString();
  // One connection delivers in the server's order; the page's unconfirmed messages stay last.
  $('#messages').insertBefore(entry, $('#messages .pending'));
  entry.scrollIntoView({ block: 'end' });
}

function item(who, text, time = '') {
  const entry = document.createElement('li');
  entry.append(Object.assign(document.createElement('b'), { textContent: who }), ' ');
  entry.append(Object.assign(document.createElement('span'), { textContent: text }), ' ');
  entry.append(Object.assign(document.createElement('time'), { textContent: time }));
  return entry;
}

function log(text, kind) {
  const entry = document.createElement('li');
  entry.className = kind;
  entry.append(Object.assign(document.createElement('time'), { textContent: new Date().toLocaleTimeString() }), ' ' + text);
  $('#timeline').prepend(entry);
  show();
}

// readyState and bufferedAmount change between events too (a queue draining), so they are polled.
function show() {
  const state = STATES[ws.readyState];
  $('[data-testid=state]').textContent = state;
  $('[data-testid=state]').className = 'pill ' + state.toLowerCase();
  $('[data-testid=buffered]').textContent = ws.bufferedAmount ? `bufferedAmount ${ws.bufferedAmount} B` : '';
}
setInterval(show, 250);

$('[data-testid=class]').textContent = useSteady ? 'SteadyWebSocket' : 'WebSocket';
for (const link of document.querySelectorAll('[data-socket]')) {
  const query = new URLSearchParams(params);
  query.set('socket', link.dataset.socket);
  link.href = '?' + query;
  if ((link.dataset.socket === 'steady') === useSteady) link.setAttribute('aria-current', 'page');
}

$('#trouble').addEventListener('click', (event) => {
  const what = event.target.dataset.trouble;
  if (!what) return;
  log('asked the server to: ' + event.target.textContent.toLowerCase(), 'trouble');
  fetch('/trouble/' + what, { method: 'POST' }).catch(() => {});
});
