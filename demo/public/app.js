// The demo chat page. Everything about the connection comes from steadysocket's events.
/* global steadysocket */
(function () {
  'use strict';
  var $ = function (selector) { return document.querySelector(selector); };
  var lastId = 0;
  var seen = new Set();
  var pending = new Map();
  var countdown = null;
  var socket = null;

  function time(t) { return new Date(t).toLocaleTimeString(); }

  function timeline(text, kind) {
    var item = document.createElement('li');
    item.className = kind || '';
    item.innerHTML = '<time></time> <span></span>';
    item.firstChild.textContent = time(Date.now());
    item.lastChild.textContent = text;
    var list = $('#timeline');
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 60) list.removeChild(list.lastChild);
  }

  // Messages show in the server's order (by id); the page's own unconfirmed ones wait at the end.
  function place(item, id) {
    var list = $('#messages');
    var before = null;
    for (var i = 0; i < list.children.length && !before; i++) {
      var other = list.children[i];
      if (other.classList.contains('pending') || Number(other.dataset.id) > id) before = other;
    }
    list.insertBefore(item, before);
  }

  function render(message) {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    lastId = Math.max(lastId, message.id);
    var item = message.nonce && pending.get(message.nonce);
    if (item) {
      pending.delete(message.nonce);
      item.classList.remove('pending');
    } else {
      item = document.createElement('li');
      item.innerHTML = '<b></b> <span></span> <time></time>';
      item.children[0].textContent = message.name;
      item.children[1].textContent = message.text;
    }
    item.dataset.id = message.id;
    item.children[2].textContent = time(message.time);
    place(item, message.id);
    item.scrollIntoView({ block: 'end' });
  }

  function setState(state) {
    var pill = $('[data-testid=state]');
    pill.textContent = state;
    pill.className = 'pill ' + state;
  }

  function startCountdown(delay) {
    clearInterval(countdown);
    var until = Date.now() + delay;
    var show = function () {
      var left = Math.max(0, until - Date.now());
      $('[data-testid=countdown]').textContent = left > 0 ? 'next attempt in ' + (left / 1000).toFixed(1) + ' s' : '';
      if (!left) clearInterval(countdown);
    };
    show();
    countdown = setInterval(show, 100);
  }

  // The monitor panel: log records as they come, and stats() drawn four times a second.
  function record(r) {
    var item = document.createElement('li');
    item.className = r.level;
    item.textContent = new Date(r.time).toLocaleTimeString() + ' ' + r.level.toUpperCase() + ' ' + r.message;
    item.title = item.textContent;
    var list = $('#records');
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 100) list.removeChild(list.lastChild);
  }

  var COLORS = { open: '#2e9d5b', closing: '#2e9d5b', connecting: '#d08a13', reconnecting: '#e8c15a', closed: '#b03a3a' };
  var WINDOW = 30000;
  function watch(sock) {
    var states = [{ t: Date.now(), state: sock.state }];
    var rtts = [];
    var lastHeartbeat = -1;
    sock.on('state', function (state) { states.push({ t: Date.now(), state: state }); });
    function ms(n) { return n >= 10000 ? (n / 1000).toFixed(0) + ' s' : n >= 1000 ? (n / 1000).toFixed(1) + ' s' : Math.round(n) + ' ms'; }
    function bytes(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : n >= 1024 ? (n / 1024).toFixed(1) + ' KB' : n + ' B'; }
    function draw() {
      var s = sock.stats();
      var now = Date.now();
      if (s.rtt && s.heartbeats.sent !== lastHeartbeat) {
        lastHeartbeat = s.heartbeats.sent;
        rtts.push({ t: now, rtt: s.rtt.last });
      }
      while (states.length > 1 && states[1].t < now - WINDOW) states.shift();
      while (rtts.length && rtts[0].t < now - WINDOW) rtts.shift();
      // The state strip: one coloured segment per state, over the last minute.
      var strip = $('#states').getContext('2d');
      var width = strip.canvas.width;
      var x = function (t) { return Math.max(0, (t - (now - WINDOW)) / WINDOW * width); };
      strip.clearRect(0, 0, width, strip.canvas.height);
      states.forEach(function (entry, i) {
        var end = i + 1 < states.length ? states[i + 1].t : now;
        strip.fillStyle = COLORS[entry.state] || '#667';
        strip.fillRect(x(entry.t), 0, Math.max(1, x(end) - x(entry.t)), strip.canvas.height);
      });
      // The RTT chart: each answered heartbeat, scaled to the largest in view.
      var chart = $('#rtt').getContext('2d');
      var height = chart.canvas.height;
      chart.clearRect(0, 0, width, height);
      var top = Math.max(5, Math.max.apply(null, rtts.map(function (p) { return p.rtt; }).concat([0])) * 1.2);
      chart.fillStyle = '#99a';
      chart.font = '10px sans-serif';
      chart.fillText('rtt, max ' + ms(top), 4, 11);
      chart.strokeStyle = '#2e6bd0';
      chart.lineWidth = 1.5;
      chart.beginPath();
      rtts.forEach(function (p, i) {
        var px = x(p.t);
        var py = height - 2 - (p.rtt / top) * (height - 14);
        if (i) chart.lineTo(px, py); else chart.moveTo(px, py);
      });
      chart.stroke();
      rtts.forEach(function (p) { chart.fillStyle = '#2e6bd0'; chart.fillRect(x(p.t) - 1.5, height - 3.5 - (p.rtt / top) * (height - 14), 3, 3); });
      var failures = Object.keys(s.failures).map(function (k) { return k + ' ' + s.failures[k]; }).join(', ') || 'none';
      var rows = [
        ['state', s.state + ' ' + ms(s.since)], ['attempt', s.attempt],
        ['connects', s.connects], ['reconnects', s.reconnects],
        ['uptime', ms(s.uptime)], ['downtime', ms(s.downtime)],
        ['rtt', s.rtt ? ms(s.rtt.last) + ' (avg ' + ms(s.rtt.avg) + ')' : '–'], ['min / max', s.rtt ? ms(s.rtt.min) + ' / ' + ms(s.rtt.max) : '–'],
        ['heartbeats', s.heartbeats.sent + ' sent, ' + s.heartbeats.missed + ' missed'], ['queued', s.queued.messages + ' (' + bytes(s.queued.bytes) + ')'],
        ['messages', s.messagesIn + ' in, ' + s.messagesOut + ' out'], ['bytes', bytes(s.bytesIn) + ' in, ' + bytes(s.bytesOut) + ' out'],
        ['failures', failures], ['next attempt', s.nextAttemptIn === undefined ? '–' : ms(s.nextAttemptIn)],
      ];
      var list = $('#stats');
      list.textContent = '';
      rows.forEach(function (row) {
        var dt = document.createElement('dt');
        var dd = document.createElement('dd');
        dt.textContent = row[0];
        dd.textContent = String(row[1]);
        dd.dataset.stat = row[0];
        list.appendChild(dt);
        list.appendChild(dd);
      });
    }
    draw();
    setInterval(draw, 250);
  }

  var myName = '';
  function join(name) {
    myName = name;
    $('#join').hidden = true;
    $('#chat').hidden = false;
    socket = new steadysocket.SteadySocket(function () {
      // Called before every attempt: ask for what was missed while away.
      return location.origin + '/chat?name=' + encodeURIComponent(name) + '&since=' + lastId;
    }, {
      connectTimeout: 5000,
      // Every record, level-coloured in the panel (debug shows the heartbeats too).
      logger: record,
      logLevel: 'debug',
      reconnect: { initialDelay: 500, maxDelay: 8000 },
      heartbeat: {
        interval: 4000,
        timeout: 2000,
        message: '{"type":"ping"}',
        isPong: function (data) { return data === '{"type":"pong"}'; },
      },
    });
    window.chat = socket;
    watch(socket);
    socket.on('state', function (state) { setState(state); });
    socket.on('connecting', function (e) {
      $('[data-testid=attempt]').textContent = 'attempt ' + e.attempt;
      timeline('connecting (attempt ' + e.attempt + ')');
    });
    socket.on('open', function (e) {
      clearInterval(countdown);
      $('[data-testid=countdown]').textContent = '';
      timeline('open after attempt ' + e.attempt, 'good');
    });
    socket.on('close', function (e) {
      timeline('closed: ' + e.code + (e.reason ? ' ' + e.reason : '') + (e.willReconnect ? ', will reconnect' : ''), 'warn');
    });
    socket.on('reconnecting', function (e) {
      startCountdown(e.delay);
      timeline('attempt ' + e.attempt + ' in ' + e.delay + ' ms');
    });
    socket.on('heartbeat', function (e) { $('[data-testid=rtt]').textContent = 'rtt ' + e.rtt + ' ms'; });
    socket.on('error', function (error) {
      timeline(error.kind + (error.status ? ' ' + error.status : '') + ': ' + error.message + (error.hint ? ' — ' + error.hint : ''), 'bad');
    });
    socket.on('message', function (data) {
      var message = JSON.parse(data);
      if (message.type === 'welcome') message.missed.forEach(render);
      else if (message.type === 'message') render(message);
      else if (message.type === 'presence') {
        var list = $('[data-testid=people]');
        list.textContent = '';
        message.names.forEach(function (n) {
          var item = document.createElement('li');
          item.textContent = n;
          list.appendChild(item);
        });
      }
    });
  }

  $('#join-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var name = $('#name').value.trim();
    if (name) join(name);
  });

  $('#say').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = $('#text').value;
    if (!text) return;
    var nonce = Math.random().toString(36).slice(2);
    try {
      socket.send(JSON.stringify({ type: 'say', text: text, nonce: nonce }));
    } catch (error) {
      timeline(error.kind + ': ' + error.message, 'bad');
      return;
    }
    $('#text').value = '';
    var item = document.createElement('li');
    item.className = 'pending';
    item.innerHTML = '<b></b> <span></span> <time>sending…</time>';
    item.children[0].textContent = myName;
    item.children[1].textContent = text;
    pending.set(nonce, item);
    $('#messages').appendChild(item);
  });

  $('#trouble').addEventListener('click', function (event) {
    var what = event.target.dataset && event.target.dataset.trouble;
    if (!what) return;
    timeline('asked the server to: ' + event.target.textContent.toLowerCase(), 'trouble');
    fetch('/trouble/' + what, { method: 'POST' }).catch(function () {});
  });

  var preset = new URLSearchParams(location.search).get('name');
  if (preset) join(preset);
})();
