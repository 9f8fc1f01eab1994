// One agent: its details and metadata, its wallets (decimal strings exactly as the hub holds
// them), its recent commands with their final states, the commands an operator may send, and
// (trader) a sell form that previews first and then executes the previewed order once.
import { h, definitions, replace } from './dom.js';
import { age, labelTexts, time } from './format.js';
import { APIError, commandPath, get, newIdempotencyKey, request } from './api.js';
import { commands, describe, sendCommand } from './actions.js';
import { activityPanel } from './activity.js';
import { session } from './session.js';
import { historyTable } from './history-view.js';

export function agentView({ fleet, bus }, id) {
  const path = `/api/crypto/commands/${encodeURIComponent(id)}/`;
  const header = h('header', { class: 'agent-header' });
  const details = h('section', { class: 'panel', id: 'agent-details' }, h('p', { class: 'muted' }, 'Loading…'));
  const wallets = h('section', { class: 'panel', id: 'wallets' });
  const recent = h('section', { class: 'panel', id: 'recent-commands' });
  const disposers = [];
  let reloadTimer = null;

  async function loadDetails() {
    try {
      const agent = await get(path);
      document.title = `${agent.client_name} — CommandHub`;
      replace(header, h('h2', { class: 'agent-name' }, agent.client_name), ' ',
        h('span', { class: `badge ${String(agent.status).toLowerCase()}`, id: 'agent-status' }, agent.status), ' ',
        h('span', { class: agent.connected ? 'muted' : 'error' }, agent.connected ? 'connected' : 'offline'));
      replace(details, h('h3', null, 'Details'), definitions([
        ['ID', h('code', null, agent.client_id)],
        ['Exchange', agent.metadata?.exchange],
        ['Version', agent.metadata?.version],
        ['Labels', labelTexts(agent.labels).map((text) => h('span', { class: 'chip' }, text))],
        ['Capabilities', (agent.capabilities ?? []).join(', ') || '—'],
        ['Connected since', time(agent.connected_at)],
        ['Last heartbeat', `${time(agent.last_heartbeat)} (${age(agent.last_heartbeat)})`],
        ['Last seen', time(agent.last_seen)],
        ['Wallets synced', agent.wallets_synced],
        ['Sync requests', agent.sync_requests],
        ['Last sync', `${time(agent.last_sync)} (${age(agent.last_sync)})`],
        ['Commands in flight', agent.in_flight],
      ]));
    } catch (error) {
      replace(details, h('p', { class: 'error', role: 'alert' }, describe(error)));
    }
  }

  async function loadWallets() {
    try {
      const answer = await get(`${path}wallets/`);
      replace(wallets, h('h3', null, 'Wallets'),
        h('p', { class: 'muted' }, `Synced ${time(answer.synced_at)} (${answer.source ?? 'never'})`),
        h('table', { id: 'wallet-table' },
          h('thead', null, h('tr', null, ['Asset', 'Free', 'Locked'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, answer.wallets.map((w) => h('tr', { dataset: { asset: w.asset } },
            h('td', null, w.asset), h('td', { class: 'amount', dataset: { field: 'free' } }, w.free), h('td', { class: 'amount', dataset: { field: 'locked' } }, w.locked))))));
      sell.assets(answer.wallets.map((w) => w.asset));
    } catch (error) {
      replace(wallets, h('h3', null, 'Wallets'), h('p', { class: 'error', role: 'alert' }, describe(error)));
    }
  }

  async function loadRecent() {
    try {
      const page = await get('/api/crypto/history/', { client_id: id, limit: 20 });
      replace(recent, h('h3', null, 'Recent commands'), h('a', { href: `#/history?client_id=${encodeURIComponent(id)}` }, 'All of this agent\'s history'),
        historyTable(page.items, fleet, { agent: false }));
    } catch (error) {
      replace(recent, h('h3', null, 'Recent commands'), h('p', { class: 'error', role: 'alert' }, describe(error)));
    }
  }

  const reload = () => { loadDetails(); loadWallets(); loadRecent(); };
  const onHubEvent = (event) => {
    const { data } = event.detail;
    if (data.client_id !== id) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(reload, 200);
  };
  bus.addEventListener('hub-event', onHubEvent);
  disposers.push(() => { bus.removeEventListener('hub-event', onHubEvent); clearTimeout(reloadTimer); });

  // Commands
  let actions = null;
  if (session.can('operate')) {
    const symbols = h('input', { type: 'text', id: 'agent-symbols', placeholder: 'BTC,ETH', size: 12 });
    const stats = h('input', { type: 'checkbox', id: 'agent-stats' });
    actions = h('section', { class: 'panel' }, h('h3', null, 'Commands'),
      h('div', { class: 'toolbar' }, commands.map(({ action, title }) => {
        const button = h('button', { type: 'button', class: 'action', dataset: { action } }, title);
        button.addEventListener('click', async () => {
          button.disabled = true;
          try { await sendCommand(fleet, id, action, { symbols: symbols.value.trim(), includeStats: stats.checked }); } finally { button.disabled = false; }
          reload();
        });
        return button;
      }), h('label', null, 'Symbols ', symbols), h('label', { class: 'check' }, stats, ' with stats')));
  }

  const sell = sellForm(id, reload);
  const log = activityPanel();
  disposers.push(log.dispose);
  const element = h('section', { class: 'agent-page', id: 'agent', dataset: { agentId: id } },
    h('p', null, h('a', { href: '#/fleet' }, '← Fleet')), header, actions, actions ? log.element : null,
    h('div', { class: 'columns' }, details, h('div', null, wallets, session.can('trade') ? sell.element : null)),
    recent);
  reload();
  return { element, title: fleet.name(id), dispose: () => disposers.forEach((dispose) => dispose()) };
}

/**
 * The sell form. Preview asks the agent what the order would do (price, gross, fee, net, the
 * limits it would hit); Confirm executes exactly the previewed order with the Idempotency-Key
 * made for that preview: a double click, a retry after a timeout or a lost answer all reach
 * the hub with the same key and execute once. Changing the order discards the preview.
 */
function sellForm(id, onDone) {
  const asset = h('input', { type: 'text', id: 'sell-asset', list: 'sell-assets', required: true, size: 8, placeholder: 'BTC', autocomplete: 'off' });
  const assets = h('datalist', { id: 'sell-assets' });
  const quantity = h('input', { type: 'text', id: 'sell-quantity', required: true, inputmode: 'decimal', pattern: '[0-9]{1,20}(\\.[0-9]{1,10})?', placeholder: '0.25', size: 14, autocomplete: 'off' });
  const minPrice = h('input', { type: 'text', id: 'sell-min-price', inputmode: 'decimal', pattern: '[0-9]{1,20}(\\.[0-9]{1,10})?', placeholder: 'optional', size: 14, autocomplete: 'off' });
  const previewButton = h('button', { type: 'submit', id: 'sell-preview' }, 'Preview');
  const outcome = h('div', { id: 'sell-outcome', 'aria-live': 'polite' });
  let order = null;

  const current = () => ({ asset: asset.value.trim().toUpperCase(), quantity: quantity.value.trim(), min_price: minPrice.value.trim() || undefined });
  const same = (a, b) => a && b && a.asset === b.asset && a.quantity === b.quantity && a.min_price === b.min_price;
  for (const input of [asset, quantity, minPrice]) input.addEventListener('input', () => { if (order && !same(order.body, current())) { order = null; replace(outcome); } });

  async function preview(event) {
    event.preventDefault();
    const body = current();
    previewButton.disabled = true;
    replace(outcome, h('p', { class: 'muted' }, 'Asking the agent for a preview…'));
    try {
      const answer = await request('POST', `${commandPath(id, 'sell')}`, { body: { ...body, preview: true } });
      const result = answer.command_result;
      if (!result.success || !result.preview) {
        order = null;
        replace(outcome, h('p', { class: 'error', role: 'alert' }, `Refused (${result.error_code ?? 'failed'}): ${result.message}`));
        return;
      }
      order = { body, key: newIdempotencyKey() };
      showPreview(result.preview);
    } catch (error) {
      order = null;
      replace(outcome, h('p', { class: 'error', role: 'alert' }, describe(error)));
    } finally {
      previewButton.disabled = false;
    }
  }

  function showPreview(p) {
    const limits = p.limits_hit ?? [];
    const confirm = h('button', { type: 'button', class: 'danger', id: 'sell-confirm', disabled: limits.length > 0 }, `Sell ${p.quantity} ${p.asset}`);
    confirm.addEventListener('click', () => execute(confirm));
    replace(outcome, h('div', { class: 'preview', id: 'sell-preview-result' },
      h('h4', null, 'Preview'),
      definitions([
        ['Quantity', `${p.quantity} ${p.asset}`], ['Price', `${p.price} ${p.quote_asset}`], ['Gross', `${p.gross} ${p.quote_asset}`],
        ['Fee', `${p.fee} ${p.quote_asset} (rate ${p.fee_rate})`], ['Net', `${p.net} ${p.quote_asset}`], ['Available', `${p.available} ${p.asset}`],
        ['Limits hit', limits.length ? limits.join(', ') : 'none'],
      ]),
      limits.length ? h('p', { class: 'error' }, 'The agent would refuse this order: change it and preview again.') : null,
      h('p', null, confirm, ' ', h('button', { type: 'button', id: 'sell-cancel', onclick: () => { order = null; replace(outcome); } }, 'Cancel')),
      h('p', { class: 'muted' }, 'Idempotency-Key ', h('code', { id: 'sell-key' }, order.key))));
  }

  async function execute(button) {
    if (!order || button.disabled) return;
    button.disabled = true;
    const { body, key } = order;
    const status = h('p', { class: 'muted' }, 'Selling…');
    outcome.append(status);
    try {
      const answer = await request('POST', commandPath(id, 'sell'), { body: { ...body, preview: false }, idempotencyKey: key });
      const result = answer.command_result;
      order = null;
      replace(outcome, result.success && result.fill
        ? h('div', { class: 'fill', id: 'sell-fill' }, h('h4', null, 'Filled'), definitions([
          ['Order', result.fill.order_id], ['Quantity', `${result.fill.quantity} ${result.fill.asset}`],
          ['Price', `${result.fill.price} ${result.fill.quote_asset}`], ['Gross', result.fill.gross], ['Fee', result.fill.fee],
          ['Net', `${result.fill.net} ${result.fill.quote_asset}`], ['Executed', time(result.fill.executed_at)],
        ]), result.replayed ? h('p', { class: 'muted' }, 'This answer is the record of the earlier execution: nothing was sold twice.') : null)
        : h('p', { class: 'error', role: 'alert' }, `Refused (${result.error_code ?? 'failed'}): ${result.message}`));
      onDone();
    } catch (error) {
      status.remove();
      // Unknown outcome (no answer, a timeout, the same key still running): a retry with the
      // same key cannot sell twice. A refusal (4xx) is final: the form stays for a new preview.
      const retry = h('button', { type: 'button', id: 'sell-retry' }, 'Retry with the same key');
      retry.addEventListener('click', () => { retry.remove(); execute(button); });
      button.disabled = false;
      const unknown = error instanceof APIError && (error.status === 0 || error.status === 409 || error.status >= 500);
      outcome.append(h('p', { class: 'error', role: 'alert' }, describe(error), ' ', unknown ? retry : null));
    }
  }

  const element = h('section', { class: 'panel', id: 'sell' }, h('h3', null, 'Sell'),
    h('form', { class: 'sell', onsubmit: preview },
      h('label', null, 'Asset ', asset), assets, h('label', null, 'Quantity ', quantity), h('label', null, 'Min price ', minPrice), previewButton),
    outcome);
  return {
    element,
    assets: (names) => replace(assets, names.map((name) => h('option', { value: name }))),
  };
}
