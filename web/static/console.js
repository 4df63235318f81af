// console.js: the agent console. It uses only the agent API with the
// agent's bearer token (kept in sessionStorage, so it is gone when the tab
// closes), follows changes on /api/events instead of polling, and puts every
// piece of user-written text into the page with textContent: users' messages
// are untrusted input.
(function () {
  'use strict';

  var TB = window.Triagebot;
  var t = TB.t;
  var LABELS = window.TriagebotLabels || { zone: 'UTC', intents: {} };
  var TOKEN_KEY = 'triagebot.agentToken';
  // NOTIFY_KEY remembers the opt-in for alerts; a preference, not a secret,
  // so it outlives the tab.
  var NOTIFY_KEY = 'triagebot.notifyUrgent';
  // SEEN_KEY holds, per agent, the time of the last customer message the
  // agent has had on screen for each ticket: the unread marks.
  var SEEN_KEY = 'triagebot.seen.';
  var SEEN_MAX = 500;
  var PAGE = 200;
  var PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
  // FETCH_TIMEOUT bounds every request but the event stream.
  var FETCH_TIMEOUT = 15000;
  // The event stream: reconnect after BACKOFF_MIN, doubling to BACKOFF_MAX;
  // a stream silent for STREAM_IDLE (the server sends a heartbeat every
  // 15 s) is taken as dead and reopened.
  var BACKOFF_MIN = 500;
  var BACKOFF_MAX = 30000;
  var STREAM_IDLE = 45000;
  // IMAGE_TYPES are the only attachment types shown. The server stores
  // nothing else, but an object URL runs with this page's origin, so the
  // page checks too rather than trust it.
  var IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
  // LOCALES writes dates as agents of each language read them (day before
  // month in English, as in Hong Kong).
  var LOCALE = { 'en': 'en-GB', 'zh-Hant': 'zh-Hant-HK', 'zh-Hans': 'zh-Hans-CN' }[TB.lang] || 'en-GB';

  function $(id) { return document.getElementById(id); }

  var token = null;
  var me = null;
  var list = [];
  var selected = null; // the ticket shown
  var selectedID = null;
  var queues = new Set();
  var team = { queues: [], agents: [] }; // transfer targets, from /api/team
  var blobs = {}; // attachment id → object URL, fetched once
  var canned = null; // saved replies in the agent's language, once loaded
  var seen = {};
  var stream = null; // {ctl, gen}
  var streamGen = 0;
  var lastEventID = '';
  var backoff = BACKOFF_MIN;
  var reconnectTimer = null;
  var fetching = {}; // ticket id → true while its refresh is in flight
  var again = {}; // ticket id → true when it changed during that refresh
  var searchTimer = null;
  var audio = null;

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

  // --- words and times ---------------------------------------------------

  function intentName(id) {
    var names = LABELS.intents[TB.lang] || LABELS.intents.en || {};
    return names[id] || id || '';
  }

  function fmt(opts) {
    opts.timeZone = LABELS.zone;
    try {
      return new Intl.DateTimeFormat(LOCALE, opts);
    } catch (e) {
      // A zone this browser does not know: its own zone beats no times.
      delete opts.timeZone;
      return new Intl.DateTimeFormat(LOCALE, opts);
    }
  }
  var fmtYear = fmt({ year: 'numeric' });
  var fmtDay = fmt({ day: 'numeric', month: 'short' });
  var fmtDayYear = fmt({ day: 'numeric', month: 'short', year: 'numeric' });
  var fmtHour = fmt({ hour: 'numeric', hour12: true });
  var fmtMinute = fmt({ hour: 'numeric', minute: '2-digit', hour12: true });
  var fmtKey = fmt({ year: 'numeric', month: '2-digit', day: '2-digit' });
  var relTime = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto', style: 'short' });

  function parse(s) {
    if (!s || String(s).indexOf('0001-') === 0) { return null; }
    var d = new Date(s);
    return isNaN(d) ? null : d;
  }

  // date writes the day in the routing zone, with the year only when it is
  // not this year.
  function date(d) {
    return fmtYear.format(d) === fmtYear.format(new Date()) ? fmtDay.format(d) : fmtDayYear.format(d);
  }

  // when writes a time at the grain the user gave it: "5 Dec (day)" for
  // "yesterday", "5 Dec, 8–9 pm" for "last night around eight", minutes
  // only when the user said them. Without a grain, to the minute.
  function when(s, grain) {
    var d = parse(s);
    if (!d) { return s || ''; }
    if (grain === 'day') { return t('wholeDay', { date: date(d) }); }
    var time;
    if (grain === 'hour') {
      var end = new Date(d.getTime() + 3600000);
      time = fmtHour.formatRange ? fmtHour.formatRange(d, end) : fmtHour.format(d);
    } else {
      time = fmtMinute.format(d);
    }
    return t('dateTime', { date: date(d), time: time });
  }

  // stamp writes an instant the system recorded: the time alone today,
  // with the date otherwise.
  function stamp(s) {
    var d = parse(s);
    if (!d) { return ''; }
    if (fmtKey.format(d) === fmtKey.format(new Date())) { return fmtMinute.format(d); }
    return t('dateTime', { date: date(d), time: fmtMinute.format(d) });
  }

  function ago(s) {
    var d = parse(s);
    if (!d) { return ''; }
    var sec = Math.round((d.getTime() - Date.now()) / 1000);
    var a = Math.abs(sec);
    if (a < 45) { return t('justNow'); }
    if (a < 3600) { return relTime.format(Math.round(sec / 60), 'minute'); }
    if (a < 86400) { return relTime.format(Math.round(sec / 3600), 'hour'); }
    return relTime.format(Math.round(sec / 86400), 'day');
  }

  function duration(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d) { return d + 'd ' + h + 'h'; }
    if (h) { return h + 'h ' + (m < 10 ? '0' : '') + m + 'm'; }
    return m + 'm ' + (s % 60 < 10 ? '0' : '') + (s % 60) + 's';
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
      try { seen = JSON.parse(localStorage.getItem(SEEN_KEY + who.name) || '{}') || {}; } catch (e) { seen = {}; }
      $('signin').hidden = true;
      $('app').hidden = false;
      $('signout').hidden = false;
      $('reports-link').hidden = false;
      $('whoami').textContent = t('signedInAs', { name: who.name });
      (who.queues || []).forEach(function (q) { queues.add(q); });
      refreshQueues();
      loadTeam().catch(function () { /* the picker offers what the tickets show */ });
      loadCanned().catch(function () { /* the picker stays empty; replies still work */ });
      openStream();
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
    loadSeq++;
    me = null;
    closeStream();
    lastEventID = '';
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    Object.keys(blobs).forEach(function (k) { URL.revokeObjectURL(blobs[k]); });
    blobs = {};
    list = [];
    listLoaded = false;
    canned = null;
    team = { queues: [], agents: [] };
    queues = new Set();
    while ($('f-queue').options.length > 1) { $('f-queue').remove(1); }
    selected = null;
    selectedID = null;
    $('list').textContent = '';
    $('ticket').hidden = true;
    $('empty').hidden = false;
    $('app').hidden = true;
    $('signout').hidden = true;
    $('reports-link').hidden = true;
    $('whoami').textContent = '';
    $('live').textContent = '';
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
    var text = $('search').value.trim();
    if (text) { q.set('q', text); }
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

  function searching() { return $('search').value.trim() !== ''; }

  // matches reports whether a ticket belongs in the list as filtered. A
  // search's matches are the server's to decide: there, only rows already
  // shown are updated in place.
  function matches(tk) {
    var status = $('f-status').value;
    if (status === 'active' ? tk.status === 'resolved' : (status && tk.status !== status)) { return false; }
    if ($('f-queue').value && tk.queue !== $('f-queue').value) { return false; }
    if ($('f-priority').value && tk.priority !== $('f-priority').value) { return false; }
    return true;
  }

  var loadSeq = 0;
  var listLoaded = false;

  function loadList() {
    var seq = ++loadSeq;
    var status = $('f-status').value;
    // "Open and claimed" is two calls, as the API filters by one status;
    // a search is one (its order is the server's, best first), with the
    // resolved left out here.
    var calls = status !== 'active' ? [query(status)] : searching() ? [query('')] : [query('open'), query('claimed')];
    return Promise.all(calls.map(function (p) { return api('GET', p); })).then(function (pages) {
      if (seq !== loadSeq || !token) { return; } // a newer load won, or signed out
      var all = [];
      pages.forEach(function (pg) { all = all.concat((pg && pg.tickets) || []); });
      all = all.filter(matches);
      // A search comes best match first; keep the server's order then.
      if (pages.length > 1 && !searching()) { all.sort(byUrgency); }
      list = all;
      listLoaded = true;
      all.forEach(function (tk) {
        if (tk.queue) { queues.add(tk.queue); }
      });
      refreshQueues();
      renderList();
      $('list-status').textContent = searching() ? t('searchResults', { n: all.length }) : '';
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
    refreshTransfer();
  }

  // lastUser is the ticket's last customer message (masked, as stored).
  function lastUser(tk) {
    if (tk.last_message) { return tk.last_message; }
    var tr = tk.transcript || [];
    for (var i = tr.length - 1; i >= 0; i--) {
      if (tr[i].from === 'user') { return tr[i]; }
    }
    return null;
  }

  function unread(tk) {
    var m = lastUser(tk);
    if (!m || !m.at || tk.status === 'resolved') { return false; }
    return !seen[tk.id] || seen[tk.id] < m.at;
  }

  function markSeen(tk) {
    var m = lastUser(tk);
    if (!m || !m.at || !me || seen[tk.id] === m.at) { return; }
    seen[tk.id] = m.at;
    var ids = Object.keys(seen);
    if (ids.length > SEEN_MAX) {
      ids.sort(function (a, b) { return seen[a] < seen[b] ? -1 : 1; });
      ids.slice(0, ids.length - SEEN_MAX).forEach(function (id) { delete seen[id]; });
    }
    try { localStorage.setItem(SEEN_KEY + me.name, JSON.stringify(seen)); } catch (e) { /* marks last this session */ }
  }

  function renderList() {
    var ul = $('list');
    var focusedID = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null;
    ul.textContent = '';
    if (!list.length) {
      ul.appendChild(el('li', 'empty', [searching() ? t('noMatches') : t('noTickets')]));
      return;
    }
    list.forEach(function (tk) {
      var m = lastUser(tk);
      var isUnread = unread(tk) && tk.id !== selectedID;
      var dot = el('span', 'unread', []);
      dot.title = t('unread');
      dot.hidden = !isUnread;
      var since = el('span', 'since', []);
      since.dataset.since = (m && m.at) || tk.updated_at || tk.created_at;
      var b = el('button', 'row' + (isUnread ? ' is-unread' : ''), [
        el('span', 'badge p-' + tk.priority, [t(tk.priority)]),
        el('span', 'who', [dot, (tk.user && tk.user.name) || tk.id]),
        countdown(tk),
        el('span', 'intent', [intentName(tk.intent)]),
        since,
        el('span', 'last', [m ? String(m.text || '') : '']),
        el('span', 'meta', [[tk.id, tk.queue, t(tk.status), tk.assignee || ''].filter(Boolean).join(' · ')])
      ]);
      b.type = 'button';
      b.dataset.id = tk.id;
      b.dataset.status = tk.status;
      b.setAttribute('aria-current', tk.id === selectedID ? 'true' : 'false');
      b.addEventListener('click', function () { select(tk.id); });
      ul.appendChild(el('li', null, [b]));
      if (tk.id === focusedID) { b.focus(); }
    });
    tick();
  }

  function countdown(tk) {
    var span = el('span', 'countdown', []);
    if (tk.status !== 'resolved' && parse(tk.sla_due)) {
      span.dataset.due = tk.sla_due;
    } else {
      span.textContent = tk.status === 'resolved' ? t('resolved') : '';
    }
    return span;
  }

  // tick refreshes every SLA countdown and "time since" once a second.
  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-due]').forEach(function (span) {
      var left = Date.parse(span.dataset.due) - now;
      if (isNaN(left)) { return; }
      span.textContent = left >= 0 ? t('dueIn', { d: duration(left) }) : t('overdue', { d: duration(left) });
      span.classList.toggle('overdue', left < 0);
    });
    document.querySelectorAll('[data-since]').forEach(function (span) {
      span.textContent = ago(span.dataset.since);
    });
  }
  setInterval(tick, 1000);

  ['f-status', 'f-queue', 'f-priority'].forEach(function (id) {
    $(id).addEventListener('change', function () { loadList().catch(showListError); });
  });
  $('search-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearTimeout(searchTimer);
    loadList().catch(showListError);
  });
  // Search as the agent types, once they pause.
  $('search').addEventListener('input', function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { loadList().catch(showListError); }, 250);
  });

  function showListError(err) {
    $('list-status').textContent = t('loadFailed', { msg: err.message || String(err) });
  }

  // --- live updates ------------------------------------------------------

  // openStream follows /api/events with fetch, not EventSource, because
  // EventSource cannot send the Authorization header. After a drop it
  // resumes from the last event id; the server sends "reset" when it cannot.
  function openStream() {
    closeStream();
    if (!token) { return; }
    var gen = ++streamGen;
    var ctl = new AbortController();
    stream = { ctl: ctl, gen: gen };
    var headers = { 'Authorization': 'Bearer ' + token, 'Accept': 'text/event-stream' };
    var resumed = lastEventID !== '';
    if (resumed) { headers['Last-Event-ID'] = lastEventID; }
    var idle = null;
    function alive() {
      clearTimeout(idle);
      idle = setTimeout(function () { ctl.abort(); }, STREAM_IDLE);
    }
    alive();
    fetch('/api/events', { headers: headers, cache: 'no-store', signal: ctl.signal }).then(function (resp) {
      if (resp.status === 401) {
        signOut(t('sessionEnded'));
        return;
      }
      if (!resp.ok || !resp.body) { throw new APIError(resp.status, 'http_' + resp.status, resp.statusText); }
      setLive('live');
      backoff = BACKOFF_MIN;
      // A fresh stream (not a resume) starts from what the list says now;
      // loading after the stream is open leaves no gap between the two.
      if (!resumed) { reloadAll(); }
      return readEvents(resp.body.getReader(), gen, alive);
    }).catch(function () { /* reconnect below */ }).then(function () {
      clearTimeout(idle);
      if (stream && stream.gen === gen && token) {
        stream = null;
        setLive('reconnecting');
        // Show the queue as it is now while the stream is down, rather than nothing.
        if (!listLoaded) { reloadAll(); }
        reconnectTimer = setTimeout(openStream, backoff + Math.random() * backoff / 2);
        backoff = Math.min(backoff * 2, BACKOFF_MAX);
      }
    });
  }

  function closeStream() {
    clearTimeout(reconnectTimer);
    if (stream) {
      var s = stream;
      stream = null;
      s.ctl.abort();
    }
  }

  function setLive(state) {
    var p = $('live');
    p.dataset.state = state;
    p.textContent = t(state === 'live' ? 'liveOn' : 'liveReconnecting');
  }

  // readEvents parses text/event-stream as the HTML standard says, enough
  // for what the server sends: id, event, data, retry and comment lines.
  function readEvents(reader, gen, alive) {
    var decoder = new TextDecoder();
    var buf = '';
    var ev = { type: '', data: [] };
    function line(l) {
      if (l === '') {
        if (ev.data.length) { dispatch(ev.type || 'message', ev.data.join('\n')); }
        ev = { type: '', data: [] };
        return;
      }
      if (l.charAt(0) === ':') { return; } // heartbeat
      var i = l.indexOf(':');
      var field = i < 0 ? l : l.slice(0, i);
      var value = i < 0 ? '' : l.slice(i + 1);
      if (value.charAt(0) === ' ') { value = value.slice(1); }
      if (field === 'event') { ev.type = value; }
      if (field === 'data') { ev.data.push(value); }
      if (field === 'id' && value.indexOf('\0') < 0) { lastEventID = value; }
      if (field === 'retry' && /^\d+$/.test(value)) { backoff = Math.max(BACKOFF_MIN, Math.min(+value, BACKOFF_MAX)); }
    }
    function pump() {
      return reader.read().then(function (r) {
        if (r.done || !stream || stream.gen !== gen) { return; }
        alive();
        buf += decoder.decode(r.value, { stream: true });
        // Lines end in \n (a \r before it is dropped), so a \r\n split
        // across two reads is still one line end.
        var parts = buf.split('\n');
        buf = parts.pop();
        parts.forEach(function (l) { line(l.replace(/\r$/, '')); });
        return pump();
      });
    }
    return pump();
  }

  // dispatch handles one event. Every event carries the ticket's queue-row
  // fields, so the queue is updated from the event itself: one change costs
  // one row, never a reload of the queue. Only the ticket on screen is fetched.
  function dispatch(type, data) {
    var d;
    try { d = JSON.parse(data); } catch (e) { return; }
    if (!d) { return; }
    if (d.kind === 'reset' || type === 'reset') {
      // The server could not resume from our last id: start again from now.
      reloadAll();
      return;
    }
    if (typeof d.id !== 'string') { return; }
    if (me && (me.queues || []).length && me.queues.indexOf(d.queue) < 0) {
      // Transferred out of this agent's queues: the last word on it.
      remove(d.id);
    } else {
      if (d.kind === 'created' && d.priority === 'urgent' && d.status === 'open') { alertUrgent(d); }
      upsert(rowOf(d));
    }
    if (d.id === selectedID) { refreshTicket(d.id); }
  }

  // rowOf turns an event's data into the shape of a listed ticket.
  function rowOf(d) {
    var old = list.find(function (x) { return x.id === d.id; }) || {};
    return {
      id: d.id, status: d.status, queue: d.queue, priority: d.priority, assignee: d.assignee || '',
      intent: d.intent, channel: d.channel, sla_due: d.sla_due, created_at: d.created_at, updated_at: d.updated_at,
      user: { id: (old.user || {}).id || '', name: d.user_name || (old.user || {}).name || '' },
      last_message: d.last_message || lastUser(old)
    };
  }

  function reloadAll() {
    loadList().catch(showListError);
    loadTicket().catch(function () { /* shown on the next change */ });
  }

  // refreshTicket fetches the ticket on screen after a change. Changes
  // arriving while a fetch is in flight are folded into one more fetch.
  function refreshTicket(id) {
    if (fetching[id]) {
      again[id] = true;
      return;
    }
    fetching[id] = true;
    api('GET', '/api/tickets/' + encodeURIComponent(id)).then(function (tk) {
      if (tk.id === selectedID) { showTicket(tk); }
    }, function (err) {
      if (id === selectedID) { ticketGone(err); }
    }).then(function () {
      delete fetching[id];
      if (again[id]) {
        delete again[id];
        refreshTicket(id);
      }
    });
  }

  // ticketGone clears the view when the ticket on screen can no longer be
  // seen (transferred to a queue this agent does not work).
  function ticketGone(err) {
    if (err.status !== 403 && err.status !== 404) {
      setActionStatus(t('loadFailed', { msg: err.message }), true);
      return;
    }
    selected = null;
    selectedID = null;
    history.replaceState(null, '', location.pathname + location.search);
    $('ticket').hidden = true;
    $('empty').hidden = false;
    $('empty').textContent = t('ticketMoved');
    renderList();
  }

  // upsert puts a ticket in the list, or takes it out when it no longer
  // matches the filters.
  function upsert(tk) {
    var i = list.findIndex(function (x) { return x.id === tk.id; });
    if (!matches(tk)) {
      if (i >= 0) { list.splice(i, 1); renderList(); }
      return;
    }
    if (searching() && i < 0) {
      // Whether a changed ticket matches the words is the server's call.
      scheduleSearch();
      return;
    }
    if (tk.queue && !queues.has(tk.queue)) { queues.add(tk.queue); refreshQueues(); }
    if (i >= 0) {
      list[i] = tk;
    } else {
      list.push(tk);
    }
    if (!searching()) { list.sort(byUrgency); }
    renderList();
  }

  function remove(id) {
    var i = list.findIndex(function (x) { return x.id === id; });
    if (i >= 0) {
      list.splice(i, 1);
      renderList();
    }
  }

  function scheduleSearch() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { loadList().catch(showListError); }, 500);
  }

  // --- alerts ------------------------------------------------------------

  function notifyOn() {
    try { return localStorage.getItem(NOTIFY_KEY) === '1'; } catch (e) { return false; }
  }

  $('notify').addEventListener('change', function () {
    var on = $('notify').checked;
    try { localStorage.setItem(NOTIFY_KEY, on ? '1' : '0'); } catch (e) { /* this tab only */ }
    if (on) {
      // Both need the agent's own gesture: the permission prompt, and the
      // audio context browsers keep silent until a click.
      if (window.Notification && Notification.permission === 'default') { Notification.requestPermission(); }
      ensureAudio();
    }
  });

  function ensureAudio() {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!audio && AC) {
      try { audio = new AC(); } catch (e) { audio = null; }
    }
    return audio;
  }

  // alertUrgent raises a desktop notification and a short tone for a new
  // urgent ticket, if the agent asked for them.
  function alertUrgent(tk) {
    if (!notifyOn()) { return; }
    if (window.Notification && Notification.permission === 'granted') {
      try {
        var n = new Notification(t('urgentTitle', { id: tk.id }), { body: intentName(tk.intent), tag: tk.id });
        n.onclick = function () { window.focus(); select(tk.id); };
      } catch (e) { /* some browsers only notify from a service worker */ }
    }
    var ac = ensureAudio();
    if (ac) {
      try {
        if (ac.state === 'suspended') { ac.resume(); }
        var osc = ac.createOscillator();
        var gain = ac.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.15;
        osc.connect(gain);
        gain.connect(ac.destination);
        osc.start();
        osc.stop(ac.currentTime + 0.25);
      } catch (e) { /* no sound is no reason to miss the notification */ }
    }
  }

  // --- one ticket --------------------------------------------------------

  function select(id) {
    selectedID = id;
    $('empty').textContent = t('chooseTicket');
    if (location.hash !== '#' + id) { history.replaceState(null, '', '#' + id); }
    selected = null;
    setActionStatus('', false);
    $('reply-text').value = '';
    $('resolve-note').value = '';
    $('note-text').value = '';
    $('canned').value = '';
    $('transfer-to').value = '';
    showTab('transcript');
    renderList();
    loadTicket().catch(ticketGone);
  }

  function loadTicket() {
    if (!selectedID) { return Promise.resolve(); }
    var id = selectedID;
    return api('GET', '/api/tickets/' + encodeURIComponent(id)).then(function (tk) {
      if (id !== selectedID) { return; }
      showTicket(tk);
    });
  }

  // sig is what, when it differs, makes the ticket view redraw.
  function sig(tk) {
    return [tk.id, tk.updated_at, tk.status, tk.assignee, tk.queue, (tk.transcript || []).length,
      (tk.notes || []).length, (tk.attachments || []).length, (tk.history || []).length].join('|');
  }

  function showTab(name) {
    ['transcript', 'notes'].forEach(function (n) {
      $('tab-' + n).setAttribute('aria-selected', n === name ? 'true' : 'false');
      $('pane-' + n).hidden = n !== name;
    });
  }
  $('tab-transcript').addEventListener('click', function () { showTab('transcript'); });
  $('tab-notes').addEventListener('click', function () { showTab('notes'); });

  // showTicket draws the ticket. The forms are left alone, so a half-typed
  // reply or note survives every live update.
  function showTicket(tk) {
    var changed = !selected || sig(selected) !== sig(tk);
    var first = !selected || selected.id !== tk.id;
    selected = tk;
    $('empty').hidden = true;
    $('ticket').hidden = false;
    updateActions(tk);
    markSeen(tk);
    if (list.some(function (x) { return x.id === tk.id; })) { upsert(tk); }
    if (!changed) { return; }

    $('view-h').textContent = tk.id + ' · ' + t(tk.priority) + ' · ' + t(tk.status);
    var sla = $('sla');
    sla.textContent = '';
    sla.appendChild(el('span', 'intent', [intentName(tk.intent)]));
    if (tk.status !== 'resolved' && parse(tk.sla_due)) {
      var cd = el('span', 'countdown', []);
      cd.dataset.due = tk.sla_due;
      sla.appendChild(document.createTextNode(' · '));
      sla.appendChild(cd);
      sla.appendChild(document.createTextNode(' (' + stamp(tk.sla_due) + ')'));
    }

    var d = tk.details || {};
    var amount = d.amount ? (d.amount + (d.currency ? ' ' + d.currency : '')) : '';
    var user = tk.user || {};
    var rows = [
      ['d_user', [user.name, user.id ? '(' + user.id + ')' : ''].filter(Boolean).join(' ')],
      ['d_channel', tk.channel],
      ['d_lang', tk.lang],
      ['d_intent', intentName(tk.intent)],
      ['d_queue', tk.queue],
      ['d_assignee', tk.assignee],
      ['d_created', stamp(tk.created_at)],
      ['d_time', when(d.time, d.time_grain)],
      ['d_amount', amount],
      ['d_txn', d.transaction_id],
      ['d_error', d.error_message],
      ['d_summary', tk.summary],
      ['d_note', tk.note]
    ];
    var dl = $('details');
    dl.textContent = '';
    rows.forEach(function (r) {
      if (!r[1]) { return; }
      var dd = el('dd', null, [String(r[1])]);
      dd.dataset.k = r[0];
      dl.appendChild(el('dt', null, [t(r[0])]));
      dl.appendChild(dd);
    });

    showAttachments(tk);
    showHistory(tk);
    showNotes(tk);

    var pane = $('pane-transcript');
    var atEnd = first || pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
    var ol = $('transcript');
    ol.textContent = '';
    (tk.transcript || []).forEach(function (e) {
      var who = e.from === 'agent' && e.agent ? t('from_agent') + ' ' + e.agent : t('from_' + e.from);
      ol.appendChild(el('li', 'from-' + e.from, [
        el('span', 'who', [who + ' · ' + stamp(e.at)]),
        el('span', 'text', [String(e.text || '')])
      ]));
    });
    // The newest message is what the agent answers: keep it in view, unless
    // they have scrolled up to read.
    if (atEnd) { pane.scrollTop = pane.scrollHeight; }
    tick();
  }

  function showAttachments(tk) {
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
  }

  // showHistory lists the same user's other tickets; a click opens one.
  function showHistory(tk) {
    var ul = $('history');
    ul.textContent = '';
    var items = (tk.history || []).filter(function (h) { return h.id !== tk.id; });
    if (!items.length) {
      ul.appendChild(el('li', 'empty', [t('noHistory')]));
      return;
    }
    items.forEach(function (h) {
      var b = el('button', 'history-item', [
        el('span', 'id', [h.id]),
        el('span', 'status s-' + h.status, [t(h.status)]),
        el('span', 'intent', [intentName(h.intent)]),
        el('span', 'at', [stamp(h.created_at)])
      ]);
      b.type = 'button';
      b.dataset.id = h.id;
      b.addEventListener('click', function () { select(h.id); });
      ul.appendChild(el('li', null, [b]));
    });
  }

  function showNotes(tk) {
    var notes = tk.notes || [];
    $('notes-count').textContent = notes.length ? String(notes.length) : '';
    var ol = $('notes');
    ol.textContent = '';
    if (!notes.length) {
      ol.appendChild(el('li', 'empty', [t('noNotes')]));
      return;
    }
    notes.forEach(function (n) {
      ol.appendChild(el('li', 'note', [
        el('span', 'who', [(n.author || '') + ' · ' + stamp(n.at)]),
        el('span', 'text', [String(n.text || '')])
      ]));
    });
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

  // updateActions shows what the agent can do now. Claim is the one
  // prominent action on an open ticket; once claimed, Release is a quiet
  // link, so the busiest control is the reply box.
  function updateActions(tk) {
    var mine = tk.status === 'claimed' && me && tk.assignee === me.name;
    var other = tk.status === 'claimed' && !mine;
    var closed = tk.status === 'resolved';
    $('claim').disabled = tk.status !== 'open';
    $('claim').hidden = tk.status !== 'open';
    $('release').disabled = !mine;
    $('release').hidden = !mine;
    $('reply-send').disabled = closed || other;
    $('resolve').disabled = closed || other;
    $('transfer').disabled = closed || other;
    $('holder').textContent = mine ? t('claimedByYou') : (other ? t('heldBy', { name: tk.assignee }) : '');
    refreshTransfer();
  }

  function setActionStatus(text, bad) {
    var s = $('action-status');
    s.textContent = text;
    s.classList.toggle('bad', !!bad);
  }

  function act(path, body, after) {
    if (!selected) { return Promise.resolve(); }
    setActionStatus('', false);
    var id = selected.id;
    return api('POST', '/api/tickets/' + encodeURIComponent(id) + path, body).then(function (res) {
      if (after) { after(); }
      setActionStatus(t('done'), false);
      // Calls answer with the ticket; the event for the change follows
      // too, but this one is the agent's own and should show at once.
      if (res && res.id === selectedID && res.status) {
        upsert(res);
        showTicket(res);
      } else {
        refreshTicket(id);
      }
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
    act('/messages', { text: text }, function () { $('reply-text').value = ''; $('canned').value = ''; });
  });
  // While the agent types a reply, the user's chat shows "typing…": at
  // most one call every 3 s (the widget drops the hint after 6 s). A
  // refusal (another's ticket, a resolved one) is the reply's business.
  var typingSent = 0;
  $('reply-text').addEventListener('input', function () {
    if (!selected || !$('reply-text').value.trim() || Date.now() - typingSent < 3000) { return; }
    typingSent = Date.now();
    api('POST', '/api/tickets/' + encodeURIComponent(selected.id) + '/typing').catch(function () {});
  });
  // Ctrl+Enter (or Cmd+Enter) sends; Enter alone is a new line.
  $('reply-text').addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      $('reply-form').requestSubmit();
    }
  });
  $('resolve-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    act('/resolve', { note: $('resolve-note').value.trim() }, function () { $('resolve-note').value = ''; });
  });
  $('note-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = $('note-text').value.trim();
    if (!text) { return; }
    act('/notes', { text: text }, function () { $('note-text').value = ''; });
  });

  // --- transfer ------------------------------------------------------------

  // loadTeam learns the routing rules' queues and the colleagues, for the
  // queue filter and the transfer picker.
  function loadTeam() {
    return api('GET', '/api/team').then(function (res) {
      team = res || { queues: [], agents: [] };
      var mine = (me && me.queues) || [];
      (team.queues || []).forEach(function (q) {
        if (!mine.length || mine.indexOf(q) >= 0) { queues.add(q); }
      });
      refreshQueues();
    });
  }

  // refreshTransfer offers every routing queue but the one an open ticket
  // is already waiting in, and the colleagues who work the ticket's queue.
  function refreshTransfer() {
    var sel = $('transfer-to');
    var keep = sel.value;
    var tk = selected || {};
    sel.textContent = '';
    var pick = el('option', null, [t('transferPick')]);
    pick.value = '';
    sel.appendChild(pick);
    var qg = el('optgroup', null, []);
    qg.label = t('transferQueues');
    (team.queues || []).forEach(function (q) {
      if (q === tk.queue && tk.status === 'open') { return; }
      var o = el('option', null, [q]);
      o.value = 'queue:' + q;
      qg.appendChild(o);
    });
    var ag = el('optgroup', null, []);
    ag.label = t('transferColleagues');
    (team.agents || []).forEach(function (a) {
      var works = !(a.queues || []).length || a.queues.indexOf(tk.queue) >= 0;
      if ((me && a.name === me.name) || !works || (tk.status === 'claimed' && a.name === tk.assignee)) { return; }
      var o = el('option', null, [a.name]);
      o.value = 'assignee:' + a.name;
      ag.appendChild(o);
    });
    if (qg.children.length) { sel.appendChild(qg); }
    if (ag.children.length) { sel.appendChild(ag); }
    sel.value = keep;
    if (sel.value !== keep) { sel.value = ''; }
  }

  $('transfer-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var v = $('transfer-to').value;
    var i = v.indexOf(':');
    if (i < 0) { return; }
    var body = {};
    body[v.slice(0, i)] = v.slice(i + 1);
    act('/transfer', body, function () { $('transfer-to').value = ''; });
  });

  // --- saved replies -------------------------------------------------------

  // loadCanned lists the saved replies' titles in the agent's language,
  // once per sign-in.
  function loadCanned() {
    return api('GET', '/api/canned?lang=' + encodeURIComponent(TB.lang)).then(function (res) {
      canned = (res && res.replies) || [];
      var sel = $('canned');
      while (sel.options.length > 1) { sel.remove(1); }
      canned.forEach(function (c) {
        var o = el('option', null, [c.title]);
        o.value = c.id;
        sel.appendChild(o);
      });
    });
  }

  // Picking a saved reply asks the server for it filled in for this
  // ticket, and adds it to what the agent has written, never over it.
  $('canned').addEventListener('change', function () {
    var id = $('canned').value;
    if (!id || !selected) { return; }
    var tk = selected;
    api('GET', '/api/canned?lang=' + encodeURIComponent(TB.lang) + '&ticket=' + encodeURIComponent(tk.id)).then(function (res) {
      var c = ((res && res.replies) || []).find(function (x) { return x.id === id; });
      if (!c || !selected || selected.id !== tk.id) { return; }
      var box = $('reply-text');
      var text = String(c.text || '');
      box.value = box.value.trim() ? box.value.replace(/\s*$/, '') + '\n\n' + text : text;
      $('canned').value = '';
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }).catch(function (err) { setActionStatus(t('loadFailed', { msg: err.message }), true); });
  });

  // --- start -------------------------------------------------------------

  TB.apply(document);
  document.title = t('consoleTitle');
  // The reports page signs in with the same tab's token; keep the language.
  $('reports-link').href = '/agent/reports' + location.search;
  $('notify').checked = notifyOn();
  var saved = null;
  try { saved = sessionStorage.getItem(TOKEN_KEY); } catch (e) { saved = null; }
  if (saved) {
    signIn(saved).catch(function () { signOut(t('sessionEnded')); });
  } else {
    $('token').focus();
  }
})();
