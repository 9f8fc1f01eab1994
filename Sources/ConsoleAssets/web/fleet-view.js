// The fleet page: counts by status, the outcome chart, filters, the agents table kept live,
// the commands an operator may send to one agent, and (admin) bulk actions on a selection or
// on every agent matching the label selector, with per-agent results and totals.
import { h, replace, setText } from './dom.js';
import { age, labelTexts, shortID } from './format.js';
import { bulkActions, commands, describe, sendBulk, sendCommand, totals } from './actions.js';
import { activityPanel } from './activity.js';
import { outcomeChart } from './chart.js';
import { session } from './session.js';

const rowLimit = 500;

export function fleetView({ fleet, outcomes }) {
  const canOperate = session.can('operate');
  const canBulk = session.can('admin');
  const selected = new Set();
  const rows = new Map();
  const disposers = [];

  // Filters
  const selectorInput = h('input', { type: 'text', name: 'selector', id: 'selector', placeholder: 'venue=binance,desk!=otc', value: fleet.selector, autocomplete: 'off', spellcheck: 'false' });
  const textInput = h('input', { type: 'search', name: 'text', id: 'text-filter', placeholder: 'name, id, exchange, label', autocomplete: 'off' });
  const offlineBox = h('input', { type: 'checkbox', id: 'include-offline' });
  const filterError = h('p', { class: 'error', role: 'alert', id: 'filter-error' });
  const filters = h('form', { class: 'filters', onsubmit: (event) => { event.preventDefault(); fleet.setSelector(selectorInput.value); } },
    h('label', null, 'Label selector ', selectorInput), h('button', { type: 'submit', id: 'apply-selector' }, 'Apply'),
    h('label', null, 'Text ', textInput),
    h('label', { class: 'check' }, offlineBox, ' include offline'));
  textInput.addEventListener('input', () => draw());
  offlineBox.addEventListener('change', () => draw());

  // Command options shared by the row buttons and the bulk actions.
  const symbolsInput = h('input', { type: 'text', id: 'symbols', placeholder: 'BTC,ETH (all when blank)', size: 16, autocomplete: 'off' });
  const statsBox = h('input', { type: 'checkbox', id: 'include-stats' });
  const timeoutInput = h('input', { type: 'number', id: 'timeout', min: '0.1', max: '300', step: '0.1', placeholder: 'default', class: 'narrow' });
  const options = () => ({ symbols: symbolsInput.value.trim(), includeStats: statsBox.checked, timeout: timeoutInput.value.trim() });

  // Bulk
  const selectionCount = h('span', { id: 'selection-count' }, '0 selected');
  const confirmBox = h('div', { class: 'confirm', id: 'bulk-confirm', hidden: true });
  const bulkResult = h('section', { class: 'panel', id: 'bulk-result', hidden: true });
  const selectAll = h('input', { type: 'checkbox', id: 'select-all', title: 'Select every agent shown' });
  selectAll.addEventListener('change', () => {
    for (const agent of visible()) if (agent.connected) selectAll.checked ? selected.add(agent.client_id) : selected.delete(agent.client_id);
    draw();
  });

  function ask(question, run) {
    replace(confirmBox, h('span', null, question), ' ',
      h('button', { type: 'button', class: 'danger', id: 'bulk-confirm-yes', onclick: () => { confirmBox.hidden = true; run(); } }, 'Confirm'), ' ',
      h('button', { type: 'button', id: 'bulk-confirm-no', onclick: () => { confirmBox.hidden = true; } }, 'Cancel'));
    confirmBox.hidden = false;
  }

  async function bulk(endpoint, title, target, description) {
    bulkResult.hidden = false;
    replace(bulkResult, h('h3', null, `${title}: ${description}`), h('p', { class: 'muted' }, 'Waiting for every agent to answer…'));
    try {
      const answer = await sendBulk(endpoint, target, options());
      replace(bulkResult, h('h3', null, `${title}: ${description}`), bulkReport(answer, fleet));
    } catch (error) {
      replace(bulkResult, h('h3', null, `${title}: ${description}`), h('p', { class: 'error', role: 'alert' }, describe(error)));
    }
  }

  const toolbar = h('div', { class: 'toolbar' },
    h('label', null, 'Symbols ', symbolsInput), h('label', { class: 'check' }, statsBox, ' status with stats'),
    h('label', null, 'Timeout (s) ', timeoutInput));
  if (canBulk) {
    toolbar.append(h('span', { class: 'group' }, selectionCount,
      bulkActions.map(({ endpoint, title }) => h('button', {
        type: 'button', class: 'bulk', dataset: { bulk: endpoint, target: 'selected' },
        onclick: () => {
          const ids = [...selected].filter((id) => fleet.agents.has(id));
          if (ids.length === 0) return;
          ask(`${title} ${ids.length} selected agent${ids.length === 1 ? '' : 's'}?`, () => bulk(endpoint, title, { clientIDs: ids }, `${ids.length} selected`));
        },
      }, `${title} selected`))));
    toolbar.append(h('span', { class: 'group' },
      bulkActions.map(({ endpoint, title }) => h('button', {
        type: 'button', class: 'bulk', dataset: { bulk: endpoint, target: 'matching' },
        onclick: () => {
          const selector = fleet.selector;
          const count = [...fleet.agents.values()].filter((agent) => agent.connected).length;
          const what = selector ? `matching "${selector}"` : 'connected (no selector)';
          ask(`${title} all ${count} agent${count === 1 ? '' : 's'} ${what}?`, () => bulk(endpoint, title, { selector }, `all ${what}`));
        },
      }, `${title} all matching`))));
  }

  // Counts and table
  const counts = h('div', { class: 'counts', id: 'counts' });
  const tbody = h('tbody');
  const note = h('p', { class: 'muted', id: 'fleet-note' });
  const headers = ['Name', 'ID', 'Exchange', 'Labels', 'Status', 'Connected', 'Last heartbeat', 'Wallets synced', 'Last sync'];
  const tableElement = h('table', { class: 'fleet', id: 'fleet-table' },
    h('thead', null, h('tr', null, canBulk ? h('th', { scope: 'col' }, selectAll) : null,
      headers.map((title) => h('th', { scope: 'col' }, title)), canOperate ? h('th', { scope: 'col' }, 'Actions') : null)),
    tbody);

  function visible() {
    const text = textInput.value.trim().toLowerCase();
    return [...fleet.agents.values()]
      .filter((agent) => offlineBox.checked || agent.connected)
      .filter((agent) => !text || [agent.client_name, agent.client_id, agent.exchange, ...labelTexts(agent.labels)].some((v) => String(v ?? '').toLowerCase().includes(text)))
      .sort((a, b) => (a.client_name < b.client_name ? -1 : a.client_name > b.client_name ? 1 : a.client_id < b.client_id ? -1 : 1));
  }

  function makeRow(id) {
    const cell = (field) => h('td', { dataset: { field } });
    const row = {
      tr: h('tr', { dataset: { agentId: id } }),
      name: h('a', { href: `#/agents/${encodeURIComponent(id)}`, class: 'agent-name' }),
      id: h('code', { title: id }, shortID(id)),
      cells: Object.fromEntries(['name', 'id', 'exchange', 'labels', 'status', 'connected', 'last_heartbeat', 'wallets_synced', 'last_sync'].map((f) => [f, cell(f)])),
      labelsKey: null,
      buttons: [],
    };
    row.cells.name.append(row.name);
    row.cells.id.append(row.id);
    if (canBulk) {
      row.checkbox = h('input', { type: 'checkbox', class: 'select', 'aria-label': 'select' });
      row.checkbox.addEventListener('change', () => { row.checkbox.checked ? selected.add(id) : selected.delete(id); drawSelection(); });
      row.tr.append(h('td', null, row.checkbox));
    }
    row.tr.append(...Object.values(row.cells));
    if (canOperate) {
      const actions = h('td', { class: 'actions' });
      for (const { action, title } of commands) {
        const button = h('button', { type: 'button', class: 'action', dataset: { action } }, title);
        button.addEventListener('click', async () => {
          button.disabled = true;
          try { await sendCommand(fleet, id, action, options()); } finally { button.disabled = false; }
        });
        row.buttons.push(button);
        actions.append(button);
      }
      row.tr.append(actions);
    }
    return row;
  }

  function fill(row, agent, now) {
    setText(row.name, agent.client_name);
    row.name.title = agent.client_name;
    setText(row.cells.exchange, agent.exchange ?? '');
    const labelsKey = JSON.stringify(labelTexts(agent.labels));
    if (row.labelsKey !== labelsKey) {
      row.labelsKey = labelsKey;
      replace(row.cells.labels, labelTexts(agent.labels).map((text) => h('span', { class: 'chip' }, text)));
    }
    const status = agent.status ?? 'UNKNOWN';
    if (row.status !== status) {
      row.status = status;
      replace(row.cells.status, h('span', { class: `badge ${status.toLowerCase()}` }, status));
    }
    setText(row.cells.connected, agent.connected ? 'yes' : 'no');
    row.tr.classList.toggle('offline', !agent.connected);
    setText(row.cells.last_heartbeat, age(agent.last_heartbeat, now));
    row.cells.last_heartbeat.title = agent.last_heartbeat ?? '';
    setText(row.cells.wallets_synced, agent.wallets_synced);
    setText(row.cells.last_sync, age(agent.last_sync, now));
    row.cells.last_sync.title = agent.last_sync ?? '';
    for (const button of row.buttons) button.hidden = !agent.connected;
    if (row.checkbox) {
      row.checkbox.disabled = !agent.connected;
      row.checkbox.checked = selected.has(agent.client_id);
    }
  }

  function drawCounts() {
    const all = [...fleet.agents.values()];
    const byStatus = new Map();
    for (const agent of all) if (agent.connected) byStatus.set(agent.status, (byStatus.get(agent.status) ?? 0) + 1);
    const offline = all.filter((agent) => !agent.connected).length;
    replace(counts,
      h('span', { class: 'count', dataset: { status: 'total' } }, h('b', null, all.length), ' agents'),
      [...byStatus.entries()].sort().map(([status, n]) => h('span', { class: `count ${status.toLowerCase()}`, dataset: { status } }, h('b', null, n), ` ${status}`)),
      h('span', { class: 'count offline', dataset: { status: 'offline' } }, h('b', null, offline), ' offline'));
  }

  function drawSelection() {
    for (const id of [...selected]) if (!fleet.agents.get(id)?.connected) selected.delete(id);
    setText(selectionCount, `${selected.size} selected`);
  }

  function draw() {
    const now = Date.now();
    setText(filterError, fleet.error ? describe(fleet.error) : '');
    drawCounts();
    const agents = visible();
    const shown = agents.slice(0, rowLimit);
    const keep = new Set(shown.map((agent) => agent.client_id));
    for (const [id, row] of rows) if (!keep.has(id)) { row.tr.remove(); rows.delete(id); }
    shown.forEach((agent, index) => {
      let row = rows.get(agent.client_id);
      if (!row) { row = makeRow(agent.client_id); rows.set(agent.client_id, row); }
      fill(row, agent, now);
      if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] ?? null);
    });
    setText(note, agents.length > rowLimit ? `Showing ${rowLimit} of ${agents.length} agents: narrow the filter.` : agents.length === 0 ? 'No agents match.' : '');
    drawSelection();
  }

  // Ages move on without any event.
  const tick = setInterval(() => {
    const now = Date.now();
    for (const [id, row] of rows) {
      const agent = fleet.agents.get(id);
      if (!agent) continue;
      setText(row.cells.last_heartbeat, age(agent.last_heartbeat, now));
      setText(row.cells.last_sync, age(agent.last_sync, now));
    }
  }, 1000);
  disposers.push(() => clearInterval(tick));
  fleet.addEventListener('change', draw);
  disposers.push(() => fleet.removeEventListener('change', draw));

  const chart = outcomeChart(outcomes);
  const log = activityPanel();
  disposers.push(chart.dispose, log.dispose);

  const element = h('section', { class: 'fleet-page', id: 'fleet' },
    h('div', { class: 'summary' }, counts, chart.element),
    filters, filterError,
    canOperate ? toolbar : null, confirmBox, bulkResult,
    h('div', { class: 'scroll' }, tableElement), note,
    canOperate ? log.element : null);
  draw();
  return { element, title: 'Fleet', dispose: () => disposers.forEach((dispose) => dispose()) };
}

/** Totals and one line per agent of a bulk answer, with a link to its job. */
export function bulkReport(answer, fleet) {
  return h('div', { class: 'bulk-report', dataset: { jobId: answer.job_id } },
    h('p', { class: 'totals', id: 'bulk-totals' }, totals(answer), '. ', h('a', { href: `#/jobs/${encodeURIComponent(answer.job_id)}` }, 'Job ', shortID(answer.job_id))),
    h('table', null,
      h('thead', null, h('tr', null, ['Agent', 'ID', 'State', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, answer.results.map((item) => h('tr', { class: item.success ? 'ok' : 'bad', dataset: { agentId: item.client_id, state: item.state } },
        h('td', null, item.client_name ?? fleet.name(item.client_id)),
        h('td', null, h('code', { title: item.client_id }, shortID(item.client_id))),
        h('td', null, item.state),
        h('td', null, item.result ? `${item.result.message || 'ok'}; status ${item.result.current_status}` : `${item.error ?? ''}: ${item.message ?? ''}`))))));
}
