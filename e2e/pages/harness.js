// Runs in the page: makes a SteadySocket from the loaded library and records everything it emits,
// so tests read one plain log. Functions cannot cross page.evaluate: `pong` names the pong text.
window.events = [];
window.make = function (url, options) {
  options = options || {};
  if (options.heartbeat && options.heartbeat.pong) {
    var pong = options.heartbeat.pong;
    delete options.heartbeat.pong;
    options.heartbeat.isPong = function (data) { return data === pong; };
  }
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
