// The commands an operator sends from the page, to one agent or to many, each reported in the
// activity list. Every request carries a fresh Idempotency-Key, so a retried request (a flaky
// connection, a double submit) is answered from the hub's record instead of sent again.
import { APIError, commandPath, newIdempotencyKey, request } from './api.js';
import { activity } from './activity.js';
import { resultSummary } from './format.js';

/** The single-agent commands, in the order the page shows them. */
export const commands = [
  { action: 'ping', title: 'Ping' },
  { action: 'pause', title: 'Pause' },
  { action: 'resume', title: 'Resume' },
  { action: 'sync_wallets', title: 'Sync' },
  { action: 'request_status', title: 'Status' },
];

/** The bulk actions (admin), by endpoint. */
export const bulkActions = [
  { endpoint: 'pause_all', title: 'Pause' },
  { endpoint: 'resume_all', title: 'Resume' },
  { endpoint: 'sync_all', title: 'Sync wallets' },
];

/**
 * Sends one command to one agent and records the outcome. `options`: `timeout` (seconds, blank
 * for the hub's default), `symbols` (sync), `includeStats` (status). Resolves to the hub's answer,
 * or null when it failed (the activity entry says why).
 */
export async function sendCommand(fleet, agentID, action, options = {}) {
  const subject = fleet.name(agentID);
  const query = { timeout: options.timeout };
  if (action === 'sync_wallets') query.symbols = options.symbols;
  if (action === 'request_status') query.include_stats = options.includeStats ? 'true' : undefined;
  try {
    const answer = await request('POST', commandPath(agentID, action), { query, idempotencyKey: newIdempotencyKey() });
    const result = answer.command_result ?? {};
    fleet.applyStatus(agentID, result.current_status);
    const verdict = result.success ? 'done' : `refused (${result.error_code ?? 'failed'})`;
    activity.record({
      subject, action, ok: result.success === true,
      text: `${verdict}: ${result.message || '—'}; status ${result.current_status}. ${resultSummary(result)} ${stats(result)}`.trim(),
    });
    return answer;
  } catch (error) {
    activity.record({ subject, action, ok: false, text: describe(error) });
    return null;
  }
}

/**
 * A bulk action: `target` is `{ clientIDs: [...] }` or `{ selector }`. Resolves to the hub's
 * answer (totals and per-agent results), or throws an `APIError`.
 */
export async function sendBulk(endpoint, target, options = {}) {
  const query = { timeout: options.timeout };
  if (target.clientIDs) query.client_ids = target.clientIDs.join(',');
  else query.selector = target.selector;
  if (endpoint === 'sync_all') query.symbols = options.symbols;
  const answer = await request('POST', `/api/crypto/commands/${endpoint}/`, { query, idempotencyKey: newIdempotencyKey() });
  activity.record({
    subject: target.clientIDs ? `${target.clientIDs.length} selected` : `selector "${target.selector || 'all connected'}"`,
    action: endpoint, ok: answer.failed + answer.timed_out + answer.undeliverable === 0,
    text: totals(answer),
  });
  return answer;
}

/** "3 targeted, 3 succeeded, 0 failed, 0 timed out, 0 undeliverable, 0 skipped" */
export function totals(answer) {
  return `${answer.targeted} targeted, ${answer.succeeded} succeeded, ${answer.failed} failed, ` +
    `${answer.timed_out} timed out, ${answer.undeliverable} undeliverable, ${answer.skipped} skipped`;
}

/** An error as the operator should read it. */
export function describe(error) {
  if (error instanceof APIError) {
    if (error.code === 'command_timeout') return `timed out: ${error.message}`;
    if (error.code === 'client_not_connected') return `not connected: ${error.message}`;
    return error.summary;
  }
  return String(error?.message ?? error);
}

function stats(result) {
  const report = result.report?.stats;
  return report ? `Stats: ${Object.entries(report).map(([k, v]) => `${k}=${v}`).join(', ')}` : '';
}
