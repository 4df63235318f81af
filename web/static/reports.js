// reports.js: the reports page. It reads GET /api/reports with the agent's
// token (the console's, from sessionStorage) and draws the figures with
// Chart.js, vendored in /static (chart.umd.min.js, MIT, see
// chart.js.LICENSE.md): no CDN, the page works offline.
(function () {
  'use strict';

  var TOKEN_KEY = 'triagebot.agentToken';
  var FETCH_TIMEOUT = 15000;
  // The page's own words, in our three languages (the pages' chrome; what
  // the bot says lives in prompts/).
  var words = {
    'en': {
      title: 'Reports', console: 'Agent console', signIn: 'Sign in', token: 'Agent token',
      from: 'From', to: 'To', show: 'Show', csv: 'Download CSV', zone: 'Days in {zone}',
      badToken: 'That token was not accepted.', failed: 'Could not load the report: {msg}',
      tickets: 'Tickets', fr50: 'First response (median)', fr90: 'First response (90%)',
      res50: 'Resolution (median)', sla: 'SLA met', csat: 'CSAT ({n} ratings)', containment: 'Solved by self-help',
      escalation: 'Handed to people', none: '–',
      volume: 'Tickets by day and problem', slaChart: 'SLA met', csatChart: 'Satisfaction (CSAT, 1–5)',
      containmentChart: 'Solved by self-help', byChannel: 'By channel', byLang: 'By language', byQueue: 'By queue',
      min: '{n} min', hours: '{n} h', days: '{n} d'
    },
    'zh-Hant': {
      title: '報表', console: '客服控制台', signIn: '登入', token: '客服權杖',
      from: '由', to: '至', show: '顯示', csv: '下載 CSV', zone: '日期以 {zone} 計算',
      badToken: '權杖不正確。', failed: '未能載入報表：{msg}',
      tickets: '個案', fr50: '首次回覆（中位數）', fr90: '首次回覆（90%）',
      res50: '解決時間（中位數）', sla: 'SLA 達標', csat: '滿意度（{n} 個評分）', containment: '自助解決',
      escalation: '轉交同事', none: '–',
      volume: '每日個案（按問題）', slaChart: 'SLA 達標', csatChart: '滿意度（1 至 5）',
      containmentChart: '自助解決', byChannel: '按渠道', byLang: '按語言', byQueue: '按隊列',
      min: '{n} 分鐘', hours: '{n} 小時', days: '{n} 日'
    },
    'zh-Hans': {
      title: '报表', console: '客服控制台', signIn: '登录', token: '客服令牌',
      from: '从', to: '到', show: '显示', csv: '下载 CSV', zone: '日期按 {zone} 计算',
      badToken: '令牌不正确。', failed: '无法加载报表：{msg}',
      tickets: '工单', fr50: '首次回复（中位数）', fr90: '首次回复（90%）',
      res50: '解决时间（中位数）', sla: 'SLA 达标', csat: '满意度（{n} 个评分）', containment: '自助解决',
      escalation: '转交同事', none: '–',
      volume: '每日工单（按问题）', slaChart: 'SLA 达标', csatChart: '满意度（1 到 5）',
      containmentChart: '自助解决', byChannel: '按渠道', byLang: '按语言', byQueue: '按队列',
      min: '{n} 分钟', hours: '{n} 小时', days: '{n} 天'
    }
  };
  var lang = (window.Triagebot && words[window.Triagebot.lang]) ? window.Triagebot.lang : 'en';
  function w(key, vars) {
    var s = words[lang][key] || words.en[key] || key;
    return s.replace(/\{(\w+)\}/g, function (m, n) { return vars && vars[n] !== undefined ? String(vars[n]) : m; });
  }
  function $(id) { return document.getElementById(id); }

  var token = null;
  var charts = {};
  var COLORS = ['#0b63ce', '#e8710a', '#188038', '#c62828', '#8e24aa', '#00838f', '#6d4c41', '#5f6368', '#f9ab00', '#3949ab', '#d81b60', '#7cb342', '#00897b', '#546e7a', '#fb8c00', '#9e9d24'];

  function apiGet(path, tok) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, FETCH_TIMEOUT);
    return fetch(path, { headers: { 'Authorization': 'Bearer ' + (tok || token) }, cache: 'no-store', signal: ctrl.signal })
      .then(function (res) {
        clearTimeout(timer);
        if (!res.ok) {
          return res.json().catch(function () { return {}; }).then(function (body) {
            var err = new Error((body.error && body.error.message) || res.statusText);
            err.status = res.status;
            throw err;
          });
        }
        return res;
      });
  }

  function duration(s) {
    if (s === null || s === undefined) { return w('none'); }
    if (s < 3600) { return w('min', { n: Math.round(s / 60) }); }
    if (s < 86400 * 2) { return w('hours', { n: (s / 3600).toFixed(1) }); }
    return w('days', { n: (s / 86400).toFixed(1) });
  }
  function pct(r) { return r === null || r === undefined ? w('none') : Math.round(r * 100) + '%'; }

  function tile(value, key, vars) {
    var d = document.createElement('div');
    d.className = 'tile';
    var v = document.createElement('div');
    v.className = 'v';
    v.textContent = value;
    var k = document.createElement('div');
    k.className = 'k';
    k.textContent = w(key, vars);
    d.appendChild(v);
    d.appendChild(k);
    return d;
  }

  function table(key, counts) {
    var t = document.createElement('table');
    var cap = document.createElement('caption');
    cap.textContent = w(key);
    t.appendChild(cap);
    Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; }).forEach(function (name) {
      var tr = document.createElement('tr');
      var a = document.createElement('td');
      a.textContent = name || w('none');
      var b = document.createElement('td');
      b.className = 'n';
      b.textContent = counts[name];
      tr.appendChild(a);
      tr.appendChild(b);
      t.appendChild(tr);
    });
    return t;
  }

  function chart(id, config) {
    if (charts[id]) { charts[id].destroy(); }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new window.Chart($(id), config);
  }

  function ratioOf(a, b) { return b ? Math.round(a / b * 1000) / 10 : null; }

  function render(rep) {
    $('zone').textContent = w('zone', { zone: rep.zone });
    var tiles = $('tiles');
    tiles.textContent = '';
    tiles.appendChild(tile(String(rep.tickets), 'tickets'));
    tiles.appendChild(tile(duration(rep.first_response_p50_s), 'fr50'));
    tiles.appendChild(tile(duration(rep.first_response_p90_s), 'fr90'));
    tiles.appendChild(tile(duration(rep.resolution_p50_s), 'res50'));
    tiles.appendChild(tile(pct(rep.sla_met_ratio), 'sla'));
    tiles.appendChild(tile(rep.csat_avg === null ? w('none') : rep.csat_avg.toFixed(2), 'csat', { n: rep.csat_count }));
    tiles.appendChild(tile(pct(rep.containment_ratio), 'containment'));
    tiles.appendChild(tile(pct(rep.escalation_ratio), 'escalation'));

    var labels = rep.days.map(function (d) { return d.date; });
    var intents = Object.keys(rep.by_intent).sort();
    chart('c-volume', {
      type: 'bar',
      data: {
        labels: labels,
        datasets: intents.map(function (name, i) {
          return { label: name, backgroundColor: COLORS[i % COLORS.length], data: rep.days.map(function (d) { return d.by_intent[name] || 0; }) };
        })
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
    var pctAxis = { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + '%'; } } } };
    chart('c-sla', {
      type: 'line',
      data: { labels: labels, datasets: [{ label: w('slaChart'), borderColor: COLORS[2], backgroundColor: COLORS[2], spanGaps: true,
        data: rep.days.map(function (d) { return ratioOf(d.sla_met, d.sla_met + d.sla_missed); }) }] },
      options: { scales: pctAxis }
    });
    chart('c-csat', {
      type: 'line',
      data: { labels: labels, datasets: [{ label: w('csatChart'), borderColor: COLORS[1], backgroundColor: COLORS[1], spanGaps: true,
        data: rep.days.map(function (d) { return d.csat_count ? Math.round(d.csat_sum / d.csat_count * 100) / 100 : null; }) }] },
      options: { scales: { y: { min: 1, max: 5 } } }
    });
    chart('c-containment', {
      type: 'line',
      data: { labels: labels, datasets: [{ label: w('containmentChart'), borderColor: COLORS[0], backgroundColor: COLORS[0], spanGaps: true,
        data: rep.days.map(function (d) { return ratioOf(d.selfhelp, d.problem_dialogues); }) }] },
      options: { scales: pctAxis }
    });

    var bd = $('breakdowns');
    bd.textContent = '';
    bd.appendChild(table('byChannel', rep.by_channel));
    bd.appendChild(table('byLang', rep.by_lang));
    bd.appendChild(table('byQueue', rep.by_queue));
    document.body.setAttribute('data-ready', rep.from + '..' + rep.to);
  }

  function query() {
    var q = new URLSearchParams();
    if ($('from').value) { q.set('from', $('from').value); }
    if ($('to').value) { q.set('to', $('to').value); }
    return q.toString();
  }

  function load(tok) {
    $('error').textContent = '';
    return apiGet('/api/reports?' + query(), tok).then(function (res) { return res.json(); }).then(function (rep) {
      if (!$('from').value) { $('from').value = rep.from; }
      if (!$('to').value) { $('to').value = rep.to; }
      render(rep);
    });
  }

  function downloadCSV() {
    apiGet('/api/reports.csv?' + query()).then(function (res) { return res.blob(); }).then(function (blob) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'tickets-' + $('from').value + '-' + $('to').value + '.csv';
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }).catch(function (err) { $('error').textContent = w('failed', { msg: err.message }); });
  }

  function signIn(tok) {
    return load(tok).then(function () {
      token = tok;
      try { sessionStorage.setItem(TOKEN_KEY, tok); } catch (e) { /* memory only */ }
      $('signin').hidden = true;
      $('app').hidden = false;
    });
  }

  function showSignIn(message) {
    token = null;
    $('app').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = message || '';
    $('token').focus();
  }

  // Words into the page.
  document.documentElement.lang = lang;
  document.title = w('title');
  [['title', 'title'], ['to-console', 'console'], ['signin-h', 'signIn'], ['token-label', 'token'], ['signin-button', 'signIn'],
    ['from-label', 'from'], ['to-label', 'to'], ['show', 'show'], ['csv', 'csv'], ['c-volume-t', 'volume'],
    ['c-sla-t', 'slaChart'], ['c-csat-t', 'csatChart'], ['c-containment-t', 'containmentChart']].forEach(function (p) {
    $(p[0]).textContent = w(p[1]);
  });

  $('signin-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var tok = $('token').value.trim();
    if (!tok) { return; }
    signIn(tok).catch(function (err) {
      $('signin-error').textContent = err.status === 401 ? w('badToken') : w('failed', { msg: err.message });
    });
  });
  $('range').addEventListener('submit', function (ev) {
    ev.preventDefault();
    load().catch(function (err) {
      if (err.status === 401) { showSignIn(w('badToken')); return; }
      $('error').textContent = w('failed', { msg: err.message });
    });
  });
  $('csv').addEventListener('click', downloadCSV);

  var saved = null;
  try { saved = sessionStorage.getItem(TOKEN_KEY); } catch (e) { saved = null; }
  if (saved) {
    signIn(saved).catch(function () { showSignIn(''); });
  } else {
    showSignIn('');
  }
})();
