// console.js: the agent console. It uses only the agent API with the
// agent's bearer token (kept in sessionStorage, so it is gone when the tab
// closes), polls for changes, and puts every piece of user-written text into
// the page with textContent: users' messages are untrusted input.
(function () {
  'use strict';

  var TB = window.Triagebot;
  var t = TB.t;
  var TOKEN_KEY = 'triagebot.agentToken';
  var POLL_MS = 3000;
  var PAGE = 200;
  var PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
  // FETCH_TIMEOUT bounds every request: a call that never answers would
  // otherwise stop the polling for good (one poll round at a time).
  var FETCH_TIMEOUT = 15000;
  // IMAGE_TYPES are the only attachment types shown. The server stores
  // nothing else, but an object URL runs with this page's origin, so the
  // page checks too rather than trust it.
  var IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

  function $(id) { return document.getElementById(id); }

  var token = null;
  var me = null;
  var list = [];
  var listSig = '';
  var selected = null; // the ticket shown
  var selectedID = null;
  var queues = new Set();
  var blobs = {}; // attachment id → object URL, fetched once
  var pollTimer = null;
  var polling = false;

  // el builds an element; strings among children become text nodes, so
  // nothing here ever parses HTML.
  function el(tag, cls, children) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  // --- API ---------------------------------------------------------------

  function APIError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  // timedFetch is fetch with FETCH_TIMEOUT covering the body too.
  function timedFetch(path, opts, read) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, FETCH_TIMEOUT);
    opts.signal = ctl.signal;
    return fetch(path, opts).then(read).then(function (v) {
      clearTimeout(timer);
      return v;
    }, function (err) {
      clearTimeout(timer);
      if (err && err.name === 'AbortError') { throw new APIError(0, 'timeout', t('timedOut')); }
      throw err;
    });
  }

  function api(method, path, body, tok) {
    var opts = { method: method, headers: { 'Authorization': 'Bearer ' + (tok || token) }, cache: 'no-store' };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return timedFetch(path, opts, function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!resp.ok) {
          var err = (data && data.error) || {};
          if (resp.status === 401 && !tok) { signOut(t('sessionEnded')); }
          throw new APIError(resp.status, err.code || 'http_' + resp.status, err.message || resp.statusText);
        }
        return data;
      });
    });
  }

  // --- sign in -----------------------------------------------------------

  function signIn(tok) {
    return api('GET', '/api/me', undefined, tok).then(function (who) {
      token = tok;
      me = who;
      try { sessionStorage.setItem(TOKEN_KEY, tok); } catch (e) { /* kept in memory only */ }
      $('signin').hidden = true;
      $('app').hidden = false;
      $('signout').hidden = false;
      $('whoami').textContent = t('signedInAs', { name: who.name });
      (who.queues || []).forEach(function (q) { queues.add(q); });
      refreshQueues();
      poll();
      fromHash();
    });
  }

  // fromHash opens the ticket named in the address (/agent#T-000042), so
  // a link in a notice leads straight to it.
  function fromHash() {
    var m = /^#(T-\d{1,12})$/.exec(location.hash);
    if (m && token && m[1] !== selectedID) { select(m[1]); }
  }
  window.addEventListener('hashchange', fromHash);

  function signOut(message) {
    token = null;
    me = null;
    clearTimeout(pollTimer);
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    Object.keys(blobs).forEach(function (k) { URL.revokeObjectURL(blobs[k]); });
    blobs = {};
    list = [];
    listSig = '';
    selected = null;
    selectedID = null;
    $('list').textContent = '';
    $('ticket').hidden = true;
    $('empty').hidden = false;
    $('app').hidden = true;
    $('signout').hidden = true;
    $('whoami').textContent = '';
    $('signin').hidden = false;
    $('signin-error').textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  $('signin-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var tok = $('token').value.trim();
    if (!tok) { return; }
    $('signin-error').textContent = '';
    signIn(tok).catch(function (err) {
      $('signin-error').textContent = err.status === 401 ? t('badToken') : t('loadFailed', { msg: err.message || String(err) });
    });
  });
  $('signout').addEventListener('click', function () { signOut(''); });

  // --- the queue ---------------------------------------------------------

  function query(status) {
    var q = new URLSearchParams();
    if (status) { q.set('status', status); }
    if ($('f-queue').value) { q.set('queue', $('f-queue').value); }
    if ($('f-priority').value) { q.set('priority', $('f-priority').value); }
    q.set('limit', String(PAGE));
    return '/api/tickets?' + q.toString();
  }

  function byUrgency(a, b) {
    var pa = PRIORITY_RANK[a.priority], pb = PRIORITY_RANK[b.priority];
    if (pa !== pb) { return (pa === undefined ? 9 : pa) - (pb === undefined ? 9 : pb); }
    if (a.created_at !== b.created_at) { return a.created_at < b.created_at ? -1 : 1; }
    return a.id < b.id ? -1 : 1;
  }

  function loadList() {
    var status = $('f-status').value;
    // "Open and claimed" is two calls: the API filters by one status.
    var calls = status === 'active' ? [query('open'), query('claimed')] : [query(status)];
    return Promise.all(calls.map(function (p) { return api('GET', p); })).then(function (pages) {
      var all = [];
      pages.forEach(function (pg) { all = all.concat((pg && pg.tickets) || []); });
      if (pages.length > 1) { all.sort(byUrgency); }
      list = all;
      all.forEach(function (tk) { if (tk.queue) { queues.add(tk.queue); } });
      refreshQueues();
      renderList();
      $('list-status').textContent = t('updatedAt', { time: new Date().toLocaleTimeString(locale()) });
    });
  }

  function refreshQueues() {
    var sel = $('f-queue');
    var have = new Set(Array.prototype.map.call(sel.options, function (o) { return o.value; }));
    Array.from(queues).sort().forEach(function (q) {
      if (!have.has(q)) {
        var o = document.createElement('option');
        o.value = q;
        o.textContent = q;
        sel.appendChild(o);
      }
    });
  }

  function renderList() {
    var sig = list.map(function (tk) { return tk.id + '/' + tk.updated_at + '/' + tk.status; }).join(',') + '|' + selectedID;
    if (sig === listSig) { return; }
    listSig = sig;
    var ul = $('list');
    var focusedID = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null;
    ul.textContent = '';
    if (!list.length) {
      ul.appendChild(el('li', 'empty', [t('noTickets')]));
      return;
    }
    list.forEach(function (tk) {
      var b = el('button', 'row', [
        el('span', 'badge p-' + tk.priority, [t(tk.priority)]),
        el('span', 'id', [tk.id]),
        countdown(tk),
        el('span', 'meta', [[tk.intent, tk.queue, t(tk.status), (tk.user && tk.user.name) || ''].filter(Boolean).join(' · ')])
      ]);
      b.type = 'button';
      b.dataset.id = tk.id;
      b.setAttribute('aria-current', tk.id === selectedID ? 'true' : 'false');
      b.addEventListener('click', function () { select(tk.id); });
      ul.appendChild(el('li', null, [b]));
      if (tk.id === focusedID) { b.focus(); }
    });
    tick();
  }

  function countdown(tk) {
    var span = el('span', 'countdown', []);
    if (tk.status !== 'resolved' && tk.sla_due) {
      span.dataset.due = tk.sla_due;
    } else {
      span.textContent = tk.status === 'resolved' ? t('resolved') : '';
    }
    return span;
  }

  function duration(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d) { return d + 'd ' + h + 'h'; }
    if (h) { return h + 'h ' + (m < 10 ? '0' : '') + m + 'm'; }
    return m + 'm ' + (s % 60 < 10 ? '0' : '') + (s % 60) + 's';
  }

  // tick refreshes every SLA countdown once a second without a reload.
  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-due]').forEach(function (span) {
      var left = Date.parse(span.dataset.due) - now;
      if (isNaN(left)) { return; }
      span.textContent = left >= 0 ? t('dueIn', { d: duration(left) }) : t('overdue', { d: duration(left) });
      span.classList.toggle('overdue', left < 0);
    });
  }
  setInterval(tick, 1000);

  ['f-status', 'f-queue', 'f-priority'].forEach(function (id) {
    $(id).addEventListener('change', function () {
      listSig = '';
      loadList().catch(showListError);
    });
  });

  function showListError(err) {
    $('list-status').textContent = t('loadFailed', { msg: err.message || String(err) });
  }

  // --- one ticket --------------------------------------------------------

  function select(id) {
    selectedID = id;
    if (location.hash !== '#' + id) { history.replaceState(null, '', '#' + id); }
    selected = null;
    $('action-status').textContent = '';
    $('reply-text').value = '';
    $('resolve-note').value = '';
    listSig = '';
    renderList();
    loadTicket().catch(function (err) { setActionStatus(t('loadFailed', { msg: err.message }), true); });
  }

  function loadTicket() {
    if (!selectedID) { return Promise.resolve(); }
    var id = selectedID;
    return api('GET', '/api/tickets/' + encodeURIComponent(id)).then(function (tk) {
      if (id !== selectedID) { return; }
      showTicket(tk);
    });
  }

  // locale formats dates and times: en-GB (day before month) for English,
  // as agents in Hong Kong read dates.
  function locale() { return TB.lang === 'en' ? 'en-GB' : TB.lang; }

  function fmtTime(s) {
    if (!s || s.indexOf('0001-') === 0) { return ''; }
    var d = new Date(s);
    return isNaN(d) ? s : d.toLocaleString(locale());
  }

  // showTicket draws the ticket. Only the part above the action forms is
  // redrawn, and only when the ticket changed, so a half-typed reply survives polls.
  function showTicket(tk) {
    var changed = !selected || selected.id !== tk.id || selected.updated_at !== tk.updated_at || selected.status !== tk.status;
    selected = tk;
    $('empty').hidden = true;
    $('ticket').hidden = false;
    updateActions(tk);
    if (!changed) { return; }

    $('view-h').textContent = tk.id + ' · ' + t(tk.priority) + ' · ' + t(tk.status);
    var sla = $('sla');
    sla.textContent = '';
    sla.classList.remove('overdue');
    if (tk.status !== 'resolved' && tk.sla_due) {
      sla.appendChild(el('span', 'countdown', []));
      sla.firstChild.dataset.due = tk.sla_due;
      sla.appendChild(document.createTextNode(' (' + fmtTime(tk.sla_due) + ')'));
    }

    var d = tk.details || {};
    var amount = d.amount ? (d.amount + (d.currency ? ' ' + d.currency : '')) : '';
    var user = tk.user || {};
    var rows = [
      ['d_user', [user.name, user.id ? '(' + user.id + ')' : ''].filter(Boolean).join(' ')],
      ['d_channel', tk.channel],
      ['d_lang', tk.lang],
      ['d_intent', tk.intent],
      ['d_queue', tk.queue],
      ['d_priority', t(tk.priority)],
      ['d_status', t(tk.status)],
      ['d_assignee', tk.assignee],
      ['d_created', fmtTime(tk.created_at)],
      ['d_time', fmtTime(d.time)],
      ['d_amount', amount],
      ['d_txn', d.transaction_id],
      ['d_error', d.error_message],
      ['d_summary', tk.summary],
      ['d_related', (tk.related || []).join(', ')],
      ['d_note', tk.note]
    ];
    var dl = $('details');
    dl.textContent = '';
    rows.forEach(function (r) {
      if (!r[1]) { return; }
      dl.appendChild(el('dt', null, [t(r[0])]));
      dl.appendChild(el('dd', null, [String(r[1])]));
    });

    var box = $('attachments');
    box.textContent = '';
    if (!(tk.attachments || []).length) {
      box.appendChild(el('p', 'empty', [t('noAttachments')]));
    }
    (tk.attachments || []).forEach(function (a) {
      var img = el('img', null, []);
      img.alt = a.filename || a.id;
      var link = el('a', null, [img]);
      link.target = '_blank';
      link.rel = 'noopener';
      var fig = el('figure', null, [link, el('figcaption', null, [(a.filename || a.id) + ' · ' + size(a.size || 0)])]);
      box.appendChild(fig);
      attachment(tk.id, a.id).then(function (url) {
        img.src = url;
        link.href = url;
      }).catch(function (err) {
        fig.appendChild(el('p', 'error', [t('loadFailed', { msg: err.message })]));
      });
    });

    var ol = $('transcript');
    ol.textContent = '';
    (tk.transcript || []).forEach(function (e) {
      var who = e.from === 'agent' && e.agent ? t('from_agent') + ' ' + e.agent : t('from_' + e.from);
      ol.appendChild(el('li', 'from-' + e.from, [
        el('span', 'who', [who + ' · ' + fmtTime(e.at)]),
        el('span', 'text', [String(e.text || '')])
      ]));
    });
    tick();
  }

  function size(n) {
    return n < 1024 ? n + ' B' : n < 1048576 ? Math.round(n / 1024) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB';
  }

  // attachment fetches a file with the bearer header (an <img src> cannot
  // send one) and keeps it as an object URL.
  function attachment(ticketID, id) {
    if (blobs[id]) { return Promise.resolve(blobs[id]); }
    return timedFetch('/api/tickets/' + encodeURIComponent(ticketID) + '/attachments/' + encodeURIComponent(id), {
      headers: { 'Authorization': 'Bearer ' + token }
    }, function (resp) {
      if (!resp.ok) { throw new APIError(resp.status, 'http_' + resp.status, resp.statusText || String(resp.status)); }
      return resp.blob();
    }).then(function (b) {
      if (IMAGE_TYPES.indexOf(b.type) < 0) { throw new APIError(0, 'not_image', t('notImage')); }
      blobs[id] = URL.createObjectURL(b);
      return blobs[id];
    });
  }

  function updateActions(tk) {
    var mine = tk.status === 'claimed' && me && tk.assignee === me.name;
    var other = tk.status === 'claimed' && !mine;
    var closed = tk.status === 'resolved';
    $('claim').disabled = tk.status !== 'open';
    $('release').disabled = !mine;
    $('reply-send').disabled = closed || other;
    $('resolve').disabled = closed || other;
    $('holder').textContent = mine ? t('claimedByYou') : (other ? t('heldBy', { name: tk.assignee }) : '');
  }

  function setActionStatus(text, bad) {
    var s = $('action-status');
    s.textContent = text;
    s.classList.toggle('bad', !!bad);
  }

  function act(path, body, after) {
    if (!selected) { return; }
    setActionStatus('', false);
    api('POST', '/api/tickets/' + encodeURIComponent(selected.id) + path, body).then(function (tk) {
      if (after) { after(); }
      setActionStatus(t('done'), false);
      if (tk && tk.id === selectedID) { showTicket(tk); }
      return loadList();
    }).catch(function (err) {
      setActionStatus(err.message || String(err), true);
      return loadTicket();
    }).catch(function () { /* shown already */ });
  }

  $('claim').addEventListener('click', function () { act('/claim', undefined); });
  $('release').addEventListener('click', function () { act('/release', undefined); });
  $('reply-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = $('reply-text').value.trim();
    if (!text) { return; }
    act('/messages', { text: text }, function () { $('reply-text').value = ''; });
  });
  $('resolve-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    act('/resolve', { note: $('resolve-note').value.trim() }, function () { $('resolve-note').value = ''; });
  });

  // --- polling -----------------------------------------------------------

  // poll refreshes the queue and the open ticket every few seconds; one
  // round at a time, so a slow server is not flooded.
  function poll() {
    clearTimeout(pollTimer);
    if (!token || polling) { return; }
    polling = true;
    Promise.all([loadList(), loadTicket()]).catch(showListError).then(function () {
      polling = false;
      if (token) { pollTimer = setTimeout(poll, POLL_MS); }
    });
  }

  TB.apply(document);
  document.title = t('consoleTitle');
  var saved = null;
  try { saved = sessionStorage.getItem(TOKEN_KEY); } catch (e) { saved = null; }
  if (saved) {
    signIn(saved).catch(function () { signOut(t('sessionEnded')); });
  } else {
    $('token').focus();
  }
})();
