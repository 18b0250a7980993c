// Runs in the page: makes a SteadySocket from the loaded library and records everything it emits,
// so tests read one plain log. Functions cannot cross page.evaluate: `pong` names the pong text.
window.events = [];
window.records = [];
window.make = function (url, options) {
  options = options || {};
  if (options.heartbeat && options.heartbeat.pong) {
    var pong = options.heartbeat.pong;
    delete options.heartbeat.pong;
    options.heartbeat.isPong = function (data) { return data === pong; };
  }
  // logger: 'records' keeps every log record in window.records (a function cannot cross evaluate).
  if (options.logger === 'records') options.logger = function (record) { window.records.push(record); };
  var socket = new window.steadysocket.SteadySocket(url, options);
  window.socket = socket;
  var log = function (entry) { entry.t = performance.now(); window.events.push(entry); };
  ['connecting', 'open', 'close', 'reconnecting', 'heartbeat'].forEach(function (name) {
    socket.on(name, function (event) {
      var copy = Object.assign({}, event);
      if (copy.error) copy.error = copy.error.kind;
      log({ name: name, event: copy });
    });
  });
  socket.on('state', function (state, previous) { log({ name: 'state', state: state, previous: previous }); });
  socket.on('error', function (error) {
    log({ name: 'error', kind: error.kind, status: error.status, retryAfter: error.retryAfter, candidates: error.candidates, text: String(error), isError: error instanceof window.steadysocket.SteadySocketError });
  });
  socket.on('message', function (data) {
    log({ name: 'message', data: typeof data === 'string' ? data : data instanceof ArrayBuffer ? { arraybuffer: Array.from(new Uint8Array(data)) } : { blob: data.size } });
  });
  return true;
};
window.count = function (name) { return window.events.filter(function (e) { return e.name === name; }).length; };
window.ready = true;

// Issue 15's property in the page: listeners on every event call the API as `plan` says (an action
// list per event, used in turn). Counts what must never happen; the test drives steps and reads it.
window.reentrant = function (url, plan, run) {
  var lib = window.steadysocket;
  var seen = { escaped: [], transitions: [], attemptsAfterClose: 0, thrown: [] };
  var ended = false;
  var sequence = 0;
  window.onerror = function (message) { seen.escaped.push(String(message)); };
  window.onunhandledrejection = function (event) { seen.escaped.push(String(event.reason)); };
  var Native = window.WebSocket;
  function Counted(u, p) {
    if (ended) seen.attemptsAfterClose++;
    return new Native(u, p);
  }
  var socket = new lib.SteadySocket(url, { WebSocket: Counted, connectTimeout: 1000, reconnect: { initialDelay: 5, maxDelay: 30 }, buffer: { maxMessages: 20 } });
  var pending = [];
  function act(what) {
    try {
      if (what === 'close') { if (socket.state !== 'closed') ended = true; pending.push(socket.close()); }
      else if (what === 'reconnect') { if (socket.state !== 'closing') ended = false; socket.reconnect(); }
      else if (what === 'send') socket.send(run + ':' + sequence++);
      else if (what === 'connected') pending.push(socket.connected().catch(function (error) { if (!lib.isSteadySocketError(error)) seen.thrown.push(String(error)); }));
    } catch (error) {
      if (!lib.isSteadySocketError(error)) seen.thrown.push(String(error));
    }
  }
  Object.keys(plan).forEach(function (event) {
    var turn = 0;
    socket.on(event, function () { act(plan[event][turn++ % plan[event].length]); });
  });
  socket.on('state', function (state, previous) { seen.transitions.push([previous, state]); });
  window.step = act;
  window.finish = function () {
    socket.removeAllListeners();
    socket.on('state', function (state, previous) { seen.transitions.push([previous, state]); });
    ended = true;
    return socket.close().then(function () { return Promise.all(pending); }).then(function () {
      return new Promise(function (resolve) { setTimeout(resolve, 100); });
    }).then(function () { seen.final = socket.state; return seen; });
  };
  return true;
};
