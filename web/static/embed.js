// embed.js: the triagebot chat on a host page (a merchant's shop, a help
// centre), with one tag:
//
//   <script src="https://SUPPORT-HOST/embed.js" async
//           data-lang="zh-Hant" data-position="right" data-color="#0b63ce"></script>
//
// It draws a round chat bubble in a bottom corner; a click opens the chat
// panel, an iframe of the widget served by the same host as this script.
// While the panel is closed, the bubble shows how many messages arrived
// (an agent's reply, say) in a badge. Attributes, all optional:
//   data-lang      the chat's language: zh-Hant, zh-Hans, en (zh-HK, zh-CN … are read too);
//                  default: the visitor's browser
//   data-position  right (default) or left
//   data-color     the bubble's and the chat's colour, #rgb or #rrggbb; default #0b63ce
//
// The chat runs inside the iframe (its own origin, storage and security
// policy). This script touches nothing else on the page: its elements are
// styled through the CSSOM (so a host page's style-src policy does not
// stop it), and it keeps one flag in the host's localStorage, that the
// visitor has opened the chat before (no word of it), so that later pages
// open the chat in the background and can count unread messages. A
// visitor who never opens the chat never starts a conversation.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src || window.__triagebotEmbedded) {
    return;
  }
  window.__triagebotEmbedded = true;
  var origin = new URL(script.src).origin;
  var side = script.getAttribute('data-position') === 'left' ? 'left' : 'right';
  var lang = script.getAttribute('data-lang') || '';
  var color = script.getAttribute('data-color') || '';
  if (!/^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(color)) { color = '#0b63ce'; }
  var STARTED = 'triagebot.started';
  var NARROW = 480; // px: below this the panel takes the whole screen

  // The launcher's own few labels; the chat's strings live in strings.js.
  // The language is read as the widget reads it (strings.js norm).
  var tag = (lang || navigator.language || '').toLowerCase();
  var zh = /^(zh|yue)\b/.test(tag);
  var hans = zh && /^zh[-_](hans|cn|sg|my)\b/.test(tag);
  var L = !zh ? { open: 'Chat with us', close: 'Close chat', title: 'Support chat', unread: '{n} new' }
    : hans ? { open: '联系客服', close: '关闭客服', title: '客服对话', unread: '{n} 条新消息' }
      : { open: '聯絡客服', close: '關閉客服', title: '客服對話', unread: '{n} 個新訊息' };

  function style(el, css) {
    for (var k in css) {
      if (Object.prototype.hasOwnProperty.call(css, k)) { el.style[k] = css[k]; }
    }
  }

  var store = {
    get: function () { try { return window.localStorage.getItem(STARTED) === '1'; } catch (e) { return false; } },
    set: function () { try { window.localStorage.setItem(STARTED, '1'); } catch (e) { /* no memory: fine */ } }
  };

  // icon draws a speech bubble (open) or a cross (close) in SVG.
  function icon(open) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '28');
    svg.setAttribute('height', '28');
    svg.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('fill', open ? 'none' : '#fff');
    path.setAttribute('stroke', '#fff');
    path.setAttribute('stroke-width', open ? '2.5' : '0');
    path.setAttribute('stroke-linecap', 'round');
    path.setAttribute('d', open ? 'M6 6l12 12M18 6L6 18'
      : 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4h0A2.5 2.5 0 0 1 4 13.5z');
    svg.appendChild(path);
    return svg;
  }

  function start() {
    var bubble = document.createElement('button');
    bubble.type = 'button';
    bubble.id = 'triagebot-bubble';
    bubble.setAttribute('aria-expanded', 'false');
    bubble.setAttribute('aria-controls', 'triagebot-frame');
    style(bubble, {
      position: 'fixed', bottom: '20px', zIndex: '2147483000', width: '60px', height: '60px',
      minWidth: '0', margin: '0', padding: '0', borderRadius: '50%', border: '0', background: color,
      color: '#fff', cursor: 'pointer', boxShadow: '0 4px 14px rgba(0,0,0,.28)', display: 'flex',
      alignItems: 'center', justifyContent: 'center', lineHeight: '1', textTransform: 'none'
    });
    bubble.style[side] = '20px';

    var badge = document.createElement('span');
    badge.id = 'triagebot-unread';
    badge.hidden = true;
    style(badge, {
      position: 'absolute', top: '-4px', right: '-4px', minWidth: '22px', height: '22px', padding: '0 6px',
      boxSizing: 'border-box', borderRadius: '11px', background: '#d93025', color: '#fff',
      font: '700 12px/22px system-ui, sans-serif', textAlign: 'center', border: '2px solid #fff'
    });

    var frame = null;
    var open = false;
    var unread = 0;

    function label() {
      var l = open ? L.close : L.open;
      if (!open && unread > 0) { l += ' (' + L.unread.replace('{n}', unread) + ')'; }
      bubble.setAttribute('aria-label', l);
      bubble.title = l;
    }

    function draw() {
      bubble.textContent = '';
      bubble.appendChild(icon(open));
      bubble.appendChild(badge);
      badge.textContent = unread > 99 ? '99+' : String(unread);
      badge.hidden = open || unread === 0;
      badge.style.display = badge.hidden ? 'none' : 'block';
      bubble.setAttribute('aria-expanded', String(open));
      label();
    }

    // fit sizes the panel: a floating card, or the whole screen on a phone
    // (where the bubble hides and the chat's own close button closes it).
    function fit() {
      if (!frame) { return; }
      var narrow = window.innerWidth < NARROW;
      style(frame, narrow
        ? { top: '0', bottom: '0', width: '100%', height: '100%', maxWidth: 'none', maxHeight: 'none', borderRadius: '0', border: '0' }
        : { top: 'auto', bottom: '92px', width: '380px', height: '600px', maxWidth: 'calc(100vw - 32px)',
          maxHeight: 'calc(100vh - 112px)', borderRadius: '14px', border: '1px solid #c9d3e0' });
      frame.style[side] = narrow ? '0' : '16px';
      bubble.style.display = narrow && open ? 'none' : 'flex';
    }

    function tell() {
      if (frame && frame.contentWindow) {
        frame.contentWindow.postMessage({ type: 'triagebot:panel', open: open }, origin);
      }
    }

    function make(visible) {
      frame = document.createElement('iframe');
      frame.id = 'triagebot-frame';
      frame.title = L.title;
      var q = '/?embed=1&open=' + (visible ? '1' : '0') + (lang ? '&lang=' + encodeURIComponent(lang) : '') +
        '&color=' + encodeURIComponent(color);
      frame.src = origin + q;
      frame.setAttribute('allow', 'clipboard-read');
      style(frame, { position: 'fixed', zIndex: '2147483000', background: '#fff', boxShadow: '0 8px 28px rgba(0,0,0,.25)', colorScheme: 'normal' });
      frame.hidden = !visible;
      frame.addEventListener('load', tell);
      document.body.appendChild(frame);
      fit();
    }

    function toggle(want) {
      if (want === open) { return; }
      open = want;
      if (open) {
        store.set();
        unread = 0;
        if (!frame) { make(true); }
      }
      frame.hidden = !open;
      fit();
      draw();
      tell();
      if (open) {
        frame.focus();
      } else {
        bubble.focus();
      }
    }

    bubble.addEventListener('click', function () { toggle(!open); });
    window.addEventListener('resize', fit);
    window.addEventListener('message', function (ev) {
      var d = ev.data;
      if (!frame || ev.source !== frame.contentWindow || ev.origin !== origin || !d) { return; }
      if (d.type === 'triagebot:unread' && typeof d.count === 'number') {
        unread = open ? 0 : Math.max(0, Math.floor(d.count));
        draw();
      } else if (d.type === 'triagebot:close') {
        toggle(false);
      }
    });

    draw();
    document.body.appendChild(bubble);
    // A returning visitor's chat opens in the background, so replies that
    // came while they were away are counted on the bubble.
    if (store.get()) { make(false); }
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener('DOMContentLoaded', start);
  }
})();
