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
      reconnect: { initialDelay: 500, maxDelay: 8000 },
      heartbeat: {
        interval: 4000,
        timeout: 2000,
        message: '{"type":"ping"}',
        isPong: function (data) { return data === '{"type":"pong"}'; },
      },
    });
    window.chat = socket;
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
