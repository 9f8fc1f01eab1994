// Display formats. Amounts and quantities are decimal strings from the API and are shown as
// they came: nothing here turns them into numbers.

/** "4 s ago", "3 min ago", "2 h ago", "—" for null. */
export function age(iso, now = Date.now()) {
  if (!iso) return '—';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return String(iso);
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** A timestamp in the browser's time zone, to the second: "2025-11-14 10:30:00". */
export function time(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The first block of a UUID, for tables (the whole id is in the cell's title). */
export function shortID(id) {
  return String(id ?? '').split('-')[0];
}

/** Labels as `key=value` strings, sorted by key. */
export function labelTexts(labels) {
  return Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
}

/** One line about a command's typed result (a fill, a preview, balances, a report, a pong); '' for none. */
export function resultSummary(result) {
  if (!result || typeof result !== 'object') return '';
  if (result.fill) {
    const f = result.fill;
    return `filled ${f.quantity} ${f.asset} at ${f.price} ${f.quote_asset}: net ${f.net} (fee ${f.fee})`;
  }
  if (result.preview) {
    const p = result.preview;
    return `preview ${p.quantity} ${p.asset} at ${p.price}: net ${p.net}` + (p.limits_hit?.length ? `; limits hit: ${p.limits_hit.join(', ')}` : '');
  }
  if (result.balances) return result.balances.map((b) => `${b.asset} ${b.free}`).join(', ');
  if (result.report) return `status ${result.report.status}, ${result.report.commands_handled} handled, ${result.report.commands_failed} failed`;
  if (result.pong) return `pong` + (result.pong.round_trip_ms !== undefined ? ` in ${result.pong.round_trip_ms} ms` : '');
  return '';
}
