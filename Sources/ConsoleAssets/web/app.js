// The console's entry point: the login form, the header (who is logged in, the live stream's
// state, logout), and the views by URL fragment — #/fleet, #/agents/<id>, #/history?…,
// #/jobs/<id>, #/api. /docs opens the API reference, which needs no login to read.
import { h, replace, setText } from './dom.js';
import { session } from './session.js';
import { EventFeed } from './events.js';
import { Fleet } from './fleet.js';
import { Outcomes } from './outcomes.js';
import { fleetView } from './fleet-view.js';
import { agentView } from './agent-view.js';
import { historyView, jobView } from './history-view.js';
import { referenceView } from './reference-view.js';

const main = document.getElementById('view');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const logout = document.getElementById('logout');
const stream = document.getElementById('stream');

const bus = new EventTarget();
let fleet = null;
let outcomes = null;
let feed = null;
let refresh = null;
let current = null;
let loginReason = null;

const navigate = (hash) => { if (location.hash === hash) show(); else location.hash = hash; };

function route() {
  const [path, search] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { view: location.pathname.startsWith('/docs') ? 'api' : 'fleet' };
  return { view: parts[0], id: parts[1], query: new URLSearchParams(search ?? '') };
}

function show() {
  current?.dispose?.();
  current = null;
  const { view, id, query } = route();
  if (view === 'api') {
    current = referenceView();
  } else if (!session.active) {
    current = loginView();
  } else if (view === 'agents' && id) {
    current = agentView({ fleet, bus }, id);
  } else if (view === 'history') {
    current = historyView({ fleet, navigate }, query);
  } else if (view === 'jobs' && id) {
    current = jobView({ fleet }, id);
  } else {
    current = fleetView({ fleet, outcomes });
  }
  document.title = `${current.title} — CommandHub`;
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('current', link.dataset.view === view || (view === 'agents' && link.dataset.view === 'fleet'));
  replace(main, current.element);
  current.element.querySelector('[autofocus]')?.focus();
}

function loginView() {
  const username = h('input', { type: 'text', id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: loginReason ? 'notice' : 'muted', id: 'login-message', role: 'status' }, loginReason ?? 'Log in with your operator account.');
  const submit = h('button', { type: 'submit', id: 'login-submit' }, 'Log in');
  const form = h('form', { class: 'login', id: 'login' }, h('h2', null, 'CommandHub console'), message,
    h('label', null, 'User name', username), h('label', null, 'Password', password), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await session.login(username.value.trim(), password.value);
      loginReason = null;
    } catch (error) {
      message.className = 'error';
      setText(message, error.status === 401 ? 'Wrong user name or password.' : error.message);
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return { element: form, title: 'Log in' };
}

/** Starts or stops what a session needs: the fleet, the chart's data and the live stream. */
function sessionChanged(reason) {
  feed?.stop();
  clearInterval(refresh);
  feed = null;
  if (session.active) {
    fleet = new Fleet();
    outcomes = new Outcomes();
    feed = new EventFeed({
      onEvent: (type, data, id) => {
        if (id !== null) { stream.dataset.lastEventId = id; stream.title = `last event #${id}`; }
        fleet.apply(type, data);
        if (type === 'command_finished') outcomes.add(data);
        bus.dispatchEvent(new CustomEvent('hub-event', { detail: { type, data } }));
      },
      // Subscribed: now read everything, so nothing missed while away stays missing.
      onOpen: () => { fleet.load(); },
      onState: (state) => { stream.dataset.state = state; setText(stream, state === 'live' ? '● live' : state === 'stopped' ? '' : `○ ${state}…`); },
    });
    feed.start();
    fleet.load();
    outcomes.load();
    // Heartbeat times are not events: the list is read again now and then.
    refresh = setInterval(() => fleet.load(), 15_000);
    setText(who, `${session.username} (${session.role})`);
  } else {
    fleet = null;
    outcomes = null;
    loginReason = reason;
    setText(who, '');
  }
  nav.hidden = !session.active;
  logout.hidden = !session.active;
  stream.hidden = !session.active;
  document.body.dataset.role = session.role ?? '';
  show();
}

logout.addEventListener('click', () => session.logout());
session.addEventListener('change', (event) => sessionChanged(event.detail.reason));
addEventListener('hashchange', show);
sessionChanged(null);
// A stored session: the hub says whether the token still holds and what the role is now (a 401 ends it).
if (session.active) session.refresh().catch((error) => { if (error.status === 401) session.expire('The hub no longer accepts your session (expired or revoked). Log in again.'); });
