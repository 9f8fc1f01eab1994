// The command log (GET /api/crypto/history/) with the API's filters and cursor paging, and the
// page of one bulk job (GET /api/crypto/jobs/{id}/). Filters live in the URL's fragment, so a
// filtered view can be bookmarked or shared (ids and states only: never a token).
import { h, definitions, replace } from './dom.js';
import { resultSummary, time } from './format.js';
import { get } from './api.js';
import { describe } from './actions.js';

const actions = ['pause', 'resume', 'ping', 'sync_wallets', 'request_status', 'sell'];
const states = ['pending', 'sent', 'acknowledged', 'failed', 'timed_out', 'undeliverable', 'cancelled'];

export function historyView({ fleet, navigate }, query) {
  const field = (name, input) => { input.name = name; input.id = `history-${name}`; input.value = query.get(name) ?? ''; return h('label', null, `${name.replace('_', ' ')} `, input); };
  const select = (values) => h('select', null, h('option', { value: '' }, 'any'), values.map((v) => h('option', { value: v }, v)));
  const clientSelect = h('select', null, h('option', { value: '' }, 'any'),
    [...fleet.agents.values()].sort((a, b) => (a.client_name < b.client_name ? -1 : 1)).map((a) => h('option', { value: a.client_id }, a.client_name)));
  const inputs = {
    client_id: clientSelect, action: select(actions), state: select(states),
    job_id: h('input', { type: 'text', size: 10, placeholder: 'job id' }),
    since: h('input', { type: 'text', size: 20, placeholder: '2025-11-14T10:00:00Z' }),
    until: h('input', { type: 'text', size: 20, placeholder: 'ISO 8601 or Unix seconds' }),
    limit: h('input', { type: 'number', min: '1', max: '1000', class: 'narrow', placeholder: '50' }),
  };
  const form = h('form', { class: 'filters', id: 'history-filters' }, Object.entries(inputs).map(([name, input]) => field(name, input)),
    h('button', { type: 'submit' }, 'Apply'));
  // An id that is not in the list (an offline agent filtered away) still filters.
  if (query.get('client_id') && !fleet.agents.has(query.get('client_id'))) clientSelect.append(h('option', { value: query.get('client_id') }, query.get('client_id')));
  clientSelect.value = query.get('client_id') ?? '';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, input] of Object.entries(inputs)) if (input.value.trim()) next.set(name, input.value.trim());
    navigate(`#/history?${next}`);
  });

  const results = h('div', { id: 'history-results' }, h('p', { class: 'muted' }, 'Loading…'));
  const cursors = query.get('cursor') ? query.get('cursor').split('.') : [];
  (async () => {
    try {
      const filter = Object.fromEntries([...query.entries()].filter(([k]) => k !== 'cursor'));
      const page = await get('/api/crypto/history/', { ...filter, cursor: cursors.at(-1) });
      const pageLink = (list, title) => {
        const next = new URLSearchParams(filter);
        if (list.length) next.set('cursor', list.join('.'));
        return h('a', { href: `#/history?${next}`, class: 'button' }, title);
      };
      replace(results,
        h('p', { class: 'muted' }, `${page.count} command${page.count === 1 ? '' : 's'}, newest first${cursors.length ? `, page ${cursors.length + 1}` : ''}.`),
        historyTable(page.items, fleet),
        h('p', { class: 'pager' },
          cursors.length ? pageLink([], 'First page') : null, ' ',
          cursors.length ? pageLink(cursors.slice(0, -1), 'Previous page') : null, ' ',
          page.next_cursor ? pageLink([...cursors, page.next_cursor], 'Next page') : null));
    } catch (error) {
      replace(results, h('p', { class: 'error', role: 'alert' }, describe(error)));
    }
  })();
  return { element: h('section', { id: 'history' }, h('h2', null, 'History'), form, results), title: 'History' };
}

export function jobView({ fleet }, id) {
  const element = h('section', { id: 'job' }, h('h2', null, 'Job ', h('code', null, id)), h('p', { class: 'muted' }, 'Loading…'));
  (async () => {
    try {
      const job = await get(`/api/crypto/jobs/${encodeURIComponent(id)}/`);
      replace(element, h('h2', null, `Job: ${job.action}`),
        definitions([
          ['Job', h('code', null, job.job_id)], ['Action', job.action], ['Parameters', h('code', null, JSON.stringify(job.parameters ?? {}))],
          ['Selector', job.selector ?? '— (explicit agents or all connected)'], ['Requested by', job.requested_by],
          ['Created', time(job.created_at)], ['Finished', time(job.finished_at)],
        ]),
        h('p', { class: 'totals', id: 'job-totals' }, ['targeted', 'succeeded', 'failed', 'timed_out', 'undeliverable', 'skipped']
          .map((key) => `${job[key] ?? 0} ${key.replace('_', ' ')}`).join(', ')),
        historyTable(job.commands, fleet),
        job.commands_truncated ? h('p', { class: 'muted' }, 'The first 1000 commands are shown; the history filtered by this job has them all.') : null,
        h('p', null, h('a', { href: `#/history?job_id=${encodeURIComponent(job.job_id)}` }, 'This job in the history')));
    } catch (error) {
      replace(element, h('h2', null, 'Job'), h('p', { class: 'error', role: 'alert' }, describe(error)));
    }
  })();
  return { element, title: 'Job' };
}

/** History entries as a table: time, agent, action, parameters, final state, who, outcome. */
export function historyTable(items, fleet, { agent = true } = {}) {
  return h('table', { class: 'history' },
    h('thead', null, h('tr', null, ['Created', agent ? 'Agent' : null, 'Action', 'Parameters', 'State', 'By', 'Job', 'Outcome'].filter(Boolean).map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, items.map((item) => h('tr', { dataset: { commandId: item.command_id, action: item.action, state: item.state, fill: item.result?.fill ? 'yes' : 'no' } },
      h('td', { title: item.command_id }, time(item.created_at)),
      agent ? h('td', null, h('a', { href: `#/agents/${encodeURIComponent(item.client_id)}` }, fleet.name(item.client_id))) : null,
      h('td', null, item.action),
      h('td', null, h('code', null, JSON.stringify(item.parameters ?? {}))),
      h('td', null, h('span', { class: `state ${item.state}` }, item.state)),
      h('td', null, item.requested_by),
      h('td', null, item.job_id ? h('a', { href: `#/jobs/${encodeURIComponent(item.job_id)}` }, item.job_id.split('-')[0]) : ''),
      h('td', null, item.error_code ? `${item.error_code}: ${item.message ?? ''}` : resultSummary(item.result) || (item.result?.message ?? item.message ?? ''))))));
}
