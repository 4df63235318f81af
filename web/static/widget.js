// widget.js: the chat widget. It speaks the WebSocket protocol of the
// contract (section 3): a session frame first, message/ticket/error frames
// from the server, message/attachment/ack frames from us. Every server frame
// has an id and may arrive twice after a reconnect, so ids already shown are
// dropped. Text from anyone is put into the page with textContent only.
//
// The additions of docs/interfaces.md are used too: each message we send
// has a client_id, and the server's transient "received" frame confirms
// it; until then it is sent again after a reconnect, and the server takes
// it once. Messages typed while disconnected wait in memory (never in
// storage) and go out on reconnect. "typing" frames show an agent typing.
(function () {
  'use strict';

  var TB = window.Triagebot;
  var t = TB.t;
  var MAX_TEXT = 4000; // characters, as the server counts them
  var MAX_FILE = 5 * 1024 * 1024;
  var TYPES = ['image/png', 'image/jpeg', 'image/webp'];
  var SESSION_KEY = 'triagebot.session';
  var HISTORY_PREFIX = 'triagebot.history.';
  var HISTORY_MAX = 100;
  var HISTORY_TTL = 7 * 24 * 3600 * 1000; // ms since the last message kept
  var BACKOFF_MIN = 500;
  var BACKOFF_MAX = 15000;
  var QUEUE_MAX = 20; // messages waiting for the connection, in memory only
  var UNCONFIRMED_MAX = 50;
  var RESEND_MS = 2000; // a refused-for-now message is sent again after this
  var TYPING_AGENT_MS = 6000; // an agent's hint lasts this long unless renewed
  var TYPING_BOT_MS = 10000; // the bot's indicator gives up after this
  var COLOR = /^#[0-9a-f]{3}([0-9a-f]{3})?$/i;
  // ERROR_TEXT maps the error frame codes a user can cause to strings.js keys.
  var ERROR_TEXT = {
    bad_attachment: 'badType',
    too_large: 'tooBig',
    too_long: 'tooLong',
    rate_limited: 'rateLimited',
    internal: 'serverFailed'
  };

  function $(id) { return document.getElementById(id); }
  var chat = $('chat');
  var log = $('log');
  var quick = $('quick');
  var statusEl = $('status');
  var form = $('composer');
  var input = $('text');
  var fileInput = $('file');
  var preview = $('preview');
  var previewImg = $('preview-img');
  var previewName = $('preview-name');
  var drop = $('drop');
  var typingEl = $('typing');
  var params = new URLSearchParams(location.search);
  // embedded: inside embed.js's panel on a host page, which tells us when
  // the panel opens and closes and shows our unread count on its bubble.
  var embedded = params.get('embed') === '1';

  // storage wraps localStorage, which throws in some third-party iframes
  // and private modes; the widget then works without memory.
  var storage = {
    get: function (k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* no memory: fine */ } },
    del: function (k) { try { window.localStorage.removeItem(k); } catch (e) { /* ignore */ } }
  };

  // session is the conversation's resume key: the one secret the page must
  // keep to come back after a reload.
  var session = storage.get(SESSION_KEY);
  // history is what the server sent (bot and agent messages, already masked
  // by the server, and ticket events), so a reload shows it again. Nothing
  // the user typed or picked is ever stored: a card number or password typed
  // by mistake must not stay in the browser. It expires, and is dropped when
  // the ticket is resolved.
  var history = [];
  var seen = new Set(); // server message ids already shown
  var ws = null;
  var attempt = 0;
  var retryTimer = null;
  var pending = null; // {file, url} waiting in the preview
  // outq holds messages typed while disconnected, unconfirmed those sent
  // but not yet confirmed by a "received" frame: {cid, text, li}. Both live
  // in memory only: what the user typed is never put in browser storage.
  var outq = [];
  var unconfirmed = [];
  var typingTimer = null;
  var panelOpen = !embedded || params.get('open') === '1';
  var unread = 0;

  function historyKey() { return HISTORY_PREFIX + session; }

  // kept reports whether an item may be stored: only what the server sent.
  function kept(item) { return item.kind === 'message' || item.kind === 'ticket'; }

  // purgeOthers drops histories of other sessions (an older widget left one
  // per conversation, with what the user typed in it, for ever).
  function purgeOthers() {
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var k = window.localStorage.key(i);
        if (k && k.indexOf(HISTORY_PREFIX) === 0 && (!session || k !== historyKey())) {
          window.localStorage.removeItem(k);
        }
      }
    } catch (e) { /* no storage: nothing kept either */ }
  }

  function loadHistory() {
    purgeOthers();
    if (!session) { return; }
    var h = null;
    try { h = JSON.parse(storage.get(historyKey()) || 'null'); } catch (e) { h = null; }
    var items = [];
    if (h && Array.isArray(h.items) && typeof h.saved === 'number' && Date.now() - h.saved < HISTORY_TTL) {
      items = h.items;
    } else if (Array.isArray(h)) {
      items = h; // an older widget's list: keep only what the server sent
    }
    history = items.filter(function (item) { return item && kept(item); });
    save();
    history.forEach(function (item) {
      if (item.id) { seen.add(item.id); }
      render(item);
    });
    var last = history[history.length - 1];
    if (last && last.kind === 'message' && last.quick_replies) {
      setQuick(last.quick_replies);
    }
  }

  function save() {
    if (!session) { return; }
    if (!history.length) {
      storage.del(historyKey());
      return;
    }
    storage.set(historyKey(), JSON.stringify({ saved: Date.now(), items: history }));
  }

  function remember(item) {
    if (!kept(item)) { return; }
    history.push(item);
    if (history.length > HISTORY_MAX) { history = history.slice(-HISTORY_MAX); }
    save();
  }

  // closeHistory drops the stored history once the ticket is resolved: the
  // problem is over, and what follows is a new dialogue. The bubbles stay
  // on screen.
  function closeHistory() {
    history = [];
    save();
  }

  function forget() {
    if (session) { storage.del(historyKey()); }
    history = [];
    seen.clear();
    log.textContent = '';
    setQuick([]);
    $('ticket').hidden = true;
  }

  // --- rendering ---------------------------------------------------------

  // fmt writes a date in the page's language.
  function fmt(d, opts) {
    try { return new Intl.DateTimeFormat(TB.lang, opts).format(d); } catch (e) { return d.toLocaleString(); }
  }

  // stamp is a message's time: hours and minutes today, with the date
  // otherwise, and the whole moment with its zone on hover.
  function stamp(at) {
    var d = at ? new Date(at) : null;
    if (!d || isNaN(d.getTime())) { return null; }
    var el = document.createElement('time');
    el.className = 'at';
    el.dateTime = d.toISOString();
    var hm = { hour: '2-digit', minute: '2-digit' };
    el.textContent = fmt(d, new Date().toDateString() === d.toDateString() ? hm
      : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    el.title = fmt(d, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    return el;
  }

  // bubble makes a message; meta.at is its time, meta.agent the name of
  // the agent who wrote it.
  function bubble(from, text, meta) {
    meta = meta || {};
    var li = document.createElement('li');
    li.className = 'msg from-' + from;
    var head = document.createElement('span');
    head.className = 'head';
    var who = document.createElement('span');
    who.className = 'who';
    who.textContent = from === 'agent' && meta.agent ? t('agentNamed', { name: meta.agent }) : t(from === 'user' ? 'you' : from);
    head.appendChild(who);
    var at = stamp(meta.at);
    if (at) { head.appendChild(at); }
    li.appendChild(head);
    if (text !== undefined) {
      var body = document.createElement('span');
      body.className = 'text';
      body.textContent = text;
      li.appendChild(body);
    }
    return li;
  }

  function append(li) {
    log.appendChild(li);
    reveal();
    return li;
  }

  // reveal scrolls the log to its newest entry, where the question is (a
  // self-help message ends with it). It runs again whenever the log
  // changes size (quick replies appear, the typing line shows, the
  // keyboard opens) while the reader is at the end, so what comes under
  // the log never hides the question it answers.
  var pinned = true; // the reader is at the newest entry
  function reveal() {
    log.scrollTop = log.scrollHeight;
    pinned = true;
  }
  log.addEventListener('scroll', function () {
    pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  });
  // The log's box changes (quick replies, typing line, keyboard) and its
  // content changes after the fact (a delivered mark under a message).
  if (window.ResizeObserver) {
    new ResizeObserver(function () { if (pinned) { reveal(); } }).observe(log);
  }
  new MutationObserver(function () { if (pinned) { reveal(); } })
    .observe(log, { childList: true, subtree: true, characterData: true });

  function render(item, imageURL) {
    switch (item.kind) {
      case 'message':
        var li = bubble(item.from === 'agent' ? 'agent' : 'bot', item.text, { at: item.at, agent: item.agent });
        if (item.id) { li.dataset.id = item.id; }
        return append(li);
      case 'user':
        return append(bubble('user', item.text, { at: item.at }));
      case 'image':
        var b = bubble('user', t('screenshot', { name: item.name }));
        b.classList.add('image');
        if (imageURL) {
          var img = document.createElement('img');
          img.src = imageURL;
          img.alt = item.name;
          b.appendChild(img);
        }
        append(b);
        break;
      case 'ticket':
        showTicket(item);
        showNote(t('ticketNote', { id: item.ticket_id, status: t('status_' + item.status) }));
        break;
    }
  }

  function showNote(text) {
    var li = document.createElement('li');
    li.className = 'note';
    li.textContent = text;
    append(li);
  }

  // showTicket fills the card in the page's words: the team's name from
  // the server (in the user's language), the status, and while the ticket
  // waits, when a reply is due, with its zone. The priority is the
  // team's business, not the user's: it is not shown.
  function showTicket(f) {
    var card = $('ticket');
    card.hidden = false;
    card.dataset.status = f.status;
    $('ticket-id').textContent = f.ticket_id;
    $('ticket-status').textContent = t('status_' + f.status);
    $('ticket-status').dataset.status = f.status;
    $('ticket-queue').textContent = f.team || f.queue || '—';
    var due = dueText(f);
    $('ticket-due').textContent = due;
    $('ticket-due-row').hidden = !due || f.status !== 'open';
  }

  // dueText is the server's wording of the due time when it sent one,
  // else the time written here in the routing zone (sla_due's offset, as
  // "GMT+8"), so the card agrees with what the bot said.
  function dueText(f) {
    if (f.due_text) { return f.due_text; }
    var d = f.sla_due ? new Date(f.sla_due) : null;
    if (!d || isNaN(d.getTime())) { return ''; }
    return fmt(d, inZoneOf(f.sla_due, { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }));
  }

  // inZoneOf sets opts to show a time in the zone of an RFC 3339 time's
  // offset (the server's routing zone), not the browser's.
  function inZoneOf(iso, opts) {
    var off = /([+-])(\d\d):00$/.exec(iso);
    if (off && +off[2] <= 14) {
      // Etc/GMT zones count the other way: Etc/GMT-8 is eight hours ahead.
      opts.timeZone = +off[2] === 0 ? 'UTC' : 'Etc/GMT' + (off[1] === '+' ? '-' : '+') + (+off[2]);
    } else if (/Z$/.test(iso)) {
      opts.timeZone = 'UTC';
    }
    return opts;
  }

  // --- business hours ------------------------------------------------------

  // checkHours asks the server whether the team works now; outside its
  // hours a notice says when it is back, and that the user may leave
  // their details (the bot still takes them all). It looks again when the
  // team is due back, and every quarter of an hour.
  var HOURS_RECHECK = 15 * 60 * 1000;
  var hoursTimer = null;
  function checkHours() {
    clearTimeout(hoursTimer);
    var next = HOURS_RECHECK;
    fetch('/hours', { cache: 'no-store' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (h) {
      var el = $('hours');
      var back = h && h.open === false && h.reopens ? new Date(h.reopens) : null;
      el.dataset.open = String(!back); // the last answer, for styles and tests
      if (!back || isNaN(back.getTime())) {
        el.hidden = true;
        return;
      }
      var opts = { weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
      if (back - Date.now() > 6 * 24 * 3600 * 1000) { opts.month = 'long'; opts.day = 'numeric'; }
      var when = fmt(back, inZoneOf(h.reopens, opts)) + (h.zone ? ' ' + h.zone : '');
      el.textContent = t('hoursClosed', { when: when });
      el.hidden = false;
      next = Math.max(1000, Math.min(HOURS_RECHECK, back - Date.now() + 1000));
    }).catch(function () { /* no notice; try again later */ }).then(function () {
      hoursTimer = setTimeout(checkHours, next);
    });
  }

  // --- typing --------------------------------------------------------------

  // showTyping shows who is typing until hideTyping, a message from them,
  // or ms pass (an agent's hint is renewed while they type).
  function showTyping(who, text, ms) {
    $('typing-text').textContent = text;
    typingEl.dataset.who = who;
    typingEl.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, ms);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typingEl.hidden = true;
    delete typingEl.dataset.who;
  }

  // botAnswers: while a person has the ticket, the bot stays quiet.
  function botAnswers() {
    var card = $('ticket');
    return card.hidden || card.dataset.status === 'resolved';
  }

  function showError(text) {
    var li = document.createElement('li');
    li.className = 'error';
    li.setAttribute('role', 'alert');
    li.textContent = text;
    append(li);
  }

  function setQuick(labels) {
    quick.textContent = '';
    (labels || []).forEach(function (label) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.addEventListener('click', function () { sendText(label); });
      quick.appendChild(b);
    });
    // The buttons take room from the log: bring the question back in view.
    reveal();
  }

  // setState shows the connection. Text can be sent in every state (it
  // waits in memory); a screenshot only while online.
  function setState(state) {
    chat.classList.toggle('is-online', state === 'online');
    chat.classList.toggle('is-reconnecting', state === 'reconnecting' || state === 'offline');
    statusEl.textContent = state === 'online' ? '' : t(state);
    $('preview-send').disabled = state !== 'online';
  }

  // --- connection --------------------------------------------------------

  function connected() { return ws && ws.readyState === WebSocket.OPEN; }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    setState(attempt ? 'reconnecting' : 'connecting');
    // lang lets a new conversation greet in the page's language.
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?lang=' +
      encodeURIComponent(TB.lang) + (session ? '&session=' + encodeURIComponent(session) : '');
    var sock;
    try {
      sock = new WebSocket(url);
    } catch (e) {
      retry();
      return;
    }
    ws = sock;
    sock.onmessage = function (ev) {
      if (ws !== sock) { return; }
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f === 'object') { onFrame(f); }
    };
    sock.onclose = function (ev) {
      if (ws !== sock) { return; }
      ws = null;
      if (ev.code === 1009) { showError(t('frameTooBig')); }
      retry();
    };
  }

  // retry reconnects after an exponential, jittered delay, so a restarted
  // server is not hit by every widget at the same instant.
  function retry() {
    if (retryTimer) { return; }
    setState(navigator.onLine === false ? 'offline' : 'reconnecting');
    var max = Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, attempt));
    var delay = max / 2 + Math.random() * max / 2;
    attempt++;
    retryTimer = setTimeout(connect, delay);
  }

  function send(frame) {
    if (!connected()) { return false; }
    ws.send(JSON.stringify(frame));
    return true;
  }

  function ack(id) { send({ type: 'ack', id: id }); }

  function onFrame(f) {
    switch (f.type) {
      case 'session':
        attempt = 0;
        if (session && f.session !== session) {
          // The server did not know our conversation and started a new one.
          forget();
        }
        session = f.session;
        storage.set(SESSION_KEY, session);
        setState('online');
        flushQueue();
        break;
      case 'received':
        confirm(f.client_id);
        break;
      case 'typing':
        if (f.from === 'agent') {
          showTyping('agent', t('typingAgent', { name: f.agent || t('agent') }), TYPING_AGENT_MS);
        }
        break;
      case 'message':
      case 'ticket':
        if (!f.id) { return; }
        if (!seen.has(f.id)) {
          seen.add(f.id);
          var item = f.type === 'message'
            ? { kind: 'message', id: f.id, from: f.from, text: String(f.text || ''), quick_replies: f.quick_replies || [], at: f.at, agent: f.agent }
            : { kind: 'ticket', id: f.id, ticket_id: f.ticket_id, status: f.status, queue: f.queue, priority: f.priority,
              team: f.team, sla_due: f.sla_due, due_text: f.due_text };
          if (f.type === 'message') { hideTyping(); }
          render(item);
          if (!panelOpen) {
            unread++;
            tellHost({ type: 'triagebot:unread', count: unread });
          }
          if (f.type === 'ticket' && f.status === 'resolved') {
            closeHistory();
          } else {
            remember(item);
          }
          if (f.type === 'message') { setQuick(item.quick_replies); }
        }
        // Acknowledged only once shown, so a crash before that replays it.
        ack(f.id);
        break;
      case 'error':
        if (f.code === 'unknown_session') {
          // Not a refusal of anything the user did: the stored session
          // was gone and the server has started a new conversation.
          showNote(t('sessionLost'));
          break;
        }
        if ((f.code === 'rate_limited' || f.code === 'internal') && unconfirmed.length) {
          // A message not taken now is sent again, under its client_id,
          // so it cannot be taken twice.
          setTimeout(resend, RESEND_MS);
          break;
        }
        // The server's message is English and for developers; the codes
        // a user can meet get a sentence in the page's language.
        var key = ERROR_TEXT[f.code];
        showError(key ? t(key) : t('errorPrefix') + (f.message || f.code || ''));
        break;
    }
  }

  // --- sending -----------------------------------------------------------

  // newClientID names a message for the server's deduplication.
  function newClientID() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }

  // sendText sends the user's text, or keeps it for the connection.
  function sendText(text) {
    text = text.trim();
    if (!text) { return false; }
    if (Array.from(text).length > MAX_TEXT) {
      showError(t('tooLong'));
      return false;
    }
    if (!connected() && outq.length >= QUEUE_MAX) {
      showError(t('queueFull'));
      return false;
    }
    // shown, never stored
    var m = { cid: newClientID(), text: text, li: render({ kind: 'user', text: text, at: new Date().toISOString() }) };
    setQuick([]);
    if (connected()) {
      transmit(m);
    } else {
      outq.push(m);
      mark(m, 'queued', t('queued'));
    }
    return true;
  }

  // mark shows a user message's state under it: queued, or delivered.
  function mark(m, state, label) {
    m.li.classList.remove('queued', 'delivered');
    var el = m.li.querySelector('.state');
    if (!state) {
      if (el) { el.remove(); }
      return;
    }
    m.li.classList.add(state);
    if (!el) {
      el = document.createElement('span');
      el.className = 'state';
      m.li.appendChild(el);
    }
    el.textContent = state === 'delivered' ? '✓' : label;
    el.title = label;
  }

  function transmit(m) {
    if (!send({ type: 'message', text: m.text, client_id: m.cid })) {
      outq.push(m);
      return;
    }
    mark(m, '', '');
    unconfirmed.push(m);
    if (unconfirmed.length > UNCONFIRMED_MAX) { unconfirmed.shift(); }
    if (botAnswers()) { showTyping('bot', t('typingBot'), TYPING_BOT_MS); }
  }

  // flushQueue runs once a connection is up: first what was sent but not
  // confirmed (the server drops what it already has), then what was typed
  // meanwhile, in the order the user wrote it.
  function flushQueue() {
    var waiting = unconfirmed.concat(outq);
    unconfirmed = [];
    outq = [];
    waiting.forEach(transmit);
  }

  function resend() {
    if (!connected()) { return; } // the reconnect sends them
    var again = unconfirmed;
    unconfirmed = [];
    again.forEach(transmit);
  }

  function confirm(cid) {
    for (var i = 0; i < unconfirmed.length; i++) {
      if (unconfirmed[i].cid === cid) {
        mark(unconfirmed[i], 'delivered', t('delivered'));
        unconfirmed.splice(i, 1);
        return;
      }
    }
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (sendText(input.value)) {
      input.value = '';
      autosize();
    }
    input.focus();
  });

  input.addEventListener('keydown', function (ev) {
    // Enter sends, Shift+Enter breaks the line; not while an IME composes.
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  // Some input paths (automation, a few IMEs) deliver Enter's character
  // as a separate keypress even after keydown was cancelled; cancel it too
  // so the emptied box does not get a stray line break.
  input.addEventListener('keypress', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); }
  });

  // autosize grows the box with its text up to 140 px; only then does it
  // scroll (a scroll bar on a one-line box looks broken).
  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 140) + 'px';
    input.style.overflowY = input.scrollHeight > 140 ? 'auto' : 'hidden';
  }
  input.addEventListener('input', autosize);

  // --- screenshots -------------------------------------------------------

  function choose(file) {
    if (!file) { return; }
    if (TYPES.indexOf(file.type) < 0) {
      showError(t('badType'));
      return;
    }
    if (file.size > MAX_FILE) {
      showError(t('tooBig'));
      return;
    }
    clearPreview();
    pending = { file: file, url: URL.createObjectURL(file) };
    previewImg.src = pending.url;
    previewImg.alt = file.name || t('previewTitle');
    previewName.textContent = file.name || '';
    preview.hidden = false;
    $('preview-send').focus();
  }

  function clearPreview() {
    if (pending) { URL.revokeObjectURL(pending.url); }
    pending = null;
    preview.hidden = true;
    previewImg.removeAttribute('src');
    fileInput.value = '';
  }

  function sendPending() {
    if (!pending) { return; }
    var p = pending;
    var reader = new FileReader();
    reader.onerror = function () { showError(t('readFailed')); };
    reader.onload = function () {
      var data = String(reader.result);
      var name = p.file.name || ('screenshot.' + p.file.type.split('/')[1]);
      var ok = send({ type: 'attachment', filename: name, content_type: p.file.type, data: data.slice(data.indexOf(',') + 1) });
      if (!ok) {
        showError(t('notConnected'));
        return;
      }
      render({ kind: 'image', name: name }, p.url); // the bubble keeps the object URL alive; not stored
      pending = null;
      preview.hidden = true;
      fileInput.value = '';
      input.focus();
    };
    reader.readAsDataURL(p.file);
  }

  fileInput.addEventListener('change', function () { choose(fileInput.files[0]); });
  $('preview-send').addEventListener('click', sendPending);
  $('preview-cancel').addEventListener('click', function () { clearPreview(); input.focus(); });

  document.addEventListener('paste', function (ev) {
    var items = (ev.clipboardData && ev.clipboardData.items) || [];
    for (var i = 0; i < items.length; i++) {
      if (items[i].kind === 'file' && items[i].type.indexOf('image/') === 0) {
        ev.preventDefault();
        choose(items[i].getAsFile());
        return;
      }
    }
  });

  var dragDepth = 0;
  function hasFiles(ev) {
    return ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types || [], 'Files') >= 0;
  }
  chat.addEventListener('dragenter', function (ev) {
    if (!hasFiles(ev)) { return; }
    ev.preventDefault();
    dragDepth++;
    drop.hidden = false;
  });
  chat.addEventListener('dragover', function (ev) {
    if (hasFiles(ev)) { ev.preventDefault(); }
  });
  chat.addEventListener('dragleave', function () {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) { drop.hidden = true; }
  });
  chat.addEventListener('drop', function (ev) {
    ev.preventDefault();
    dragDepth = 0;
    drop.hidden = true;
    if (ev.dataTransfer && ev.dataTransfer.files.length) { choose(ev.dataTransfer.files[0]); }
  });

  // --- start -------------------------------------------------------------

  window.addEventListener('online', function () {
    if (!ws) {
      attempt = 0;
      connect();
    }
  });
  window.addEventListener('offline', function () { if (!connected()) { setState('offline'); } });

  // tellHost tells embed.js on the host page how many messages arrived
  // while its panel was closed: a number only, never a word of the chat,
  // so any origin may hear it.
  function tellHost(msg) {
    if (embedded && window.parent !== window) { window.parent.postMessage(msg, '*'); }
  }

  if (embedded) {
    chat.classList.add('embedded');
    // On a phone the panel covers the page; the chat closes it itself.
    var closeBtn = $('close');
    closeBtn.hidden = false;
    closeBtn.addEventListener('click', function () { tellHost({ type: 'triagebot:close' }); });
    document.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape' && !ev.isComposing) { tellHost({ type: 'triagebot:close' }); }
    });
    window.addEventListener('message', function (ev) {
      var d = ev.data;
      if (ev.source !== window.parent || !d || d.type !== 'triagebot:panel') { return; }
      panelOpen = !!d.open;
      if (panelOpen) {
        unread = 0;
        tellHost({ type: 'triagebot:unread', count: 0 });
        reveal();
        input.focus();
      }
    });
  }
  // A host page's colour (embed.js data-color) for the bar, buttons and
  // the user's bubbles.
  var color = params.get('color');
  if (color && COLOR.test(color)) {
    document.documentElement.style.setProperty('--accent', color);
    document.documentElement.style.setProperty('--user', color);
  }
  TB.apply(document);
  document.title = t('title');
  loadHistory();
  connect();
  checkHours();
})();
