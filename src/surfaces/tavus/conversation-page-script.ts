/** The conversation page's script, served as /conversation-page/chat.js (kept in TS so the bundle carries it). */
export const CHAT_JS = String.raw`// The conversation page (served by personakit, no external assets). Text from anyone is only ever set
// with textContent, so it stays inert. Events come over Server-Sent Events (resumed by the browser with
// Last-Event-ID after a drop); interactions go out as POSTs of Tavus's app-message envelope.
'use strict';
(function () {
  var id = location.pathname.split('/')[2];
  var t = new URLSearchParams(location.search).get('t');
  var q = t ? '?t=' + encodeURIComponent(t) : '';
  var log = document.getElementById('log');
  var form = document.getElementById('form');
  var input = document.getElementById('text');
  var status = document.getElementById('status');
  var endButton = document.getElementById('end');
  var bubbles = {};

  function bubble(key, role) {
    var el = key && bubbles[key];
    if (!el) {
      el = document.createElement('p');
      // The chat view's classes (src/console/ui/components/chat-view.tsx): one style and test for both.
      el.className = 'msg msg-' + (role === 'user' ? 'user' : 'assistant');
      log.appendChild(el);
      if (key) bubbles[key] = el;
    }
    return el;
  }
  function show(key, role, text) {
    var el = bubble(key, role);
    var span = el.firstChild || el.appendChild(document.createElement('span'));
    span.className = 'msg-text';
    span.textContent = text;
    el.scrollIntoView({ block: 'end' });
  }
  function post(path, body) {
    return fetch('/c/' + id + path + q, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body || {}),
    });
  }
  function ended() {
    status.textContent = 'This conversation has ended.';
    input.disabled = true;
    endButton.disabled = true;
    form.querySelector('button[type=submit]').disabled = true;
  }

  var es = new EventSource('/c/' + id + '/events' + q);
  es.onopen = function () {
    status.textContent = 'Connected.';
  };
  es.onerror = function () {
    if (!input.disabled) status.textContent = 'Reconnecting…';
  };
  es.onmessage = function (m) {
    var e = JSON.parse(m.data);
    var p = e.properties || {};
    if (e.event_type === 'conversation.utterance') {
      var who = p.role === 'user' ? 'user' : 'replica';
      show(who === 'user' ? 'u' + e.seq : e.inference_id, who, p.speech);
    } else if (e.event_type === 'conversation.utterance.streaming') {
      show(e.inference_id, 'replica', p.speech);
    } else if (e.event_type === 'system.error') {
      status.textContent = p.message;
    } else if (e.event_type === 'system.shutdown') {
      es.close();
      ended();
    }
  };
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    post('/events', {
      message_type: 'conversation',
      event_type: 'conversation.respond',
      conversation_id: id,
      properties: { text: text },
    }).then(function (r) {
      if (!r.ok) status.textContent = 'Not sent (HTTP ' + r.status + ').';
    });
  });
  endButton.addEventListener('click', function () {
    post('/end').then(ended);
  });
})();
`;
