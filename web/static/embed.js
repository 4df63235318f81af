// embed.js: puts the triagebot chat on a merchant's own page.
//
//   <script src="https://SUPPORT-HOST/embed.js" async></script>
//
// It adds a floating button in the bottom-right corner that opens and closes
// an iframe of the widget served by the same host as this script. The chat
// itself runs inside the iframe (its own origin, storage and security
// policy); this script only draws the button and the frame, and touches
// nothing else on the page. Optional attributes on the script tag:
//   data-position="left"   put the button bottom-left
//   data-lang="zh-Hant"    force the widget's language (zh-Hant, zh-Hans, en; zh-HK, zh-CN … also read)
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src || window.__triagebotEmbedded) {
    return;
  }
  window.__triagebotEmbedded = true;
  var origin = new URL(script.src).origin;
  var side = script.getAttribute('data-position') === 'left' ? 'left' : 'right';
  var lang = script.getAttribute('data-lang');
  // The button's own two labels; the widget's strings live in strings.js.
  // The widget itself reads data-lang by the server's rules (strings.js norm).
  var zh = /^(zh|yue)\b/i.test(lang || navigator.language || '');
  var hans = zh && /^zh[-_](hans|cn|sg|my)\b/i.test(lang || navigator.language || '');
  var labels = zh ? (hans ? ['客服', '关闭客服'] : ['客服', '關閉客服']) : ['Chat with us', 'Close chat'];

  function style(el, css) {
    for (var k in css) {
      if (Object.prototype.hasOwnProperty.call(css, k)) { el.style[k] = css[k]; }
    }
  }

  function start() {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = labels[0];
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', 'triagebot-frame');
    style(button, {
      position: 'fixed', bottom: '20px', zIndex: '2147483000', padding: '12px 18px',
      borderRadius: '24px', border: '0', background: '#0b63ce', color: '#fff',
      font: '600 15px system-ui, sans-serif', cursor: 'pointer', boxShadow: '0 4px 14px rgba(0,0,0,.25)'
    });
    button.style[side] = '20px';

    var frame = null;
    button.addEventListener('click', function () {
      if (!frame) {
        frame = document.createElement('iframe');
        frame.id = 'triagebot-frame';
        frame.title = labels[0];
        frame.src = origin + '/?embed=1' + (lang ? '&lang=' + encodeURIComponent(lang) : '');
        frame.setAttribute('allow', 'clipboard-read');
        style(frame, {
          position: 'fixed', bottom: '76px', width: '380px', height: '560px',
          maxWidth: 'calc(100vw - 24px)', maxHeight: 'calc(100vh - 100px)', border: '1px solid #c9d3e0',
          borderRadius: '14px', boxShadow: '0 8px 28px rgba(0,0,0,.25)', zIndex: '2147483000', background: '#fff'
        });
        frame.style[side] = '12px';
        frame.hidden = true;
        document.body.appendChild(frame);
      }
      var open = frame.hidden;
      frame.hidden = !open;
      button.textContent = open ? labels[1] : labels[0];
      button.setAttribute('aria-expanded', String(open));
      if (open) { frame.focus(); }
    });
    document.body.appendChild(button);
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener('DOMContentLoaded', start);
  }
})();
