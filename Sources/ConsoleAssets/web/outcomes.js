// Command outcomes per minute over the last half hour, for the fleet page's chart: read once
// from the history, then counted from live `command_finished` events (each command once).
import { get } from './api.js';

export const windowMinutes = 30;
export const finalStates = ['acknowledged', 'failed', 'timed_out', 'undeliverable', 'cancelled'];

export class Outcomes extends EventTarget {
  #seen = new Set();
  /** minute (ms since epoch, floored) → { state: count } */
  buckets = new Map();
  truncated = false;

  async load() {
    const since = new Date(Date.now() - windowMinutes * 60_000).toISOString();
    try {
      const page = await get('/api/crypto/history/', { since, limit: 1000 });
      for (const item of page.items) this.#count(item.command_id, item.state, item.finished_at ?? item.created_at);
      this.truncated = page.next_cursor !== null;
    } catch {
      // The chart is an aid: without the history it starts empty and fills from live events.
    }
    this.dispatchEvent(new Event('change'));
  }

  add(event) {
    if (this.#count(event.command_id, event.state, event.at)) this.dispatchEvent(new Event('change'));
  }

  #count(id, state, at) {
    if (!finalStates.includes(state) || this.#seen.has(id)) return false;
    const time = Date.parse(at);
    if (Number.isNaN(time)) return false;
    this.#seen.add(id);
    const minute = Math.floor(time / 60_000) * 60_000;
    const bucket = this.buckets.get(minute) ?? {};
    bucket[state] = (bucket[state] ?? 0) + 1;
    this.buckets.set(minute, bucket);
    const oldest = Math.floor(Date.now() / 60_000) * 60_000 - windowMinutes * 60_000;
    for (const key of this.buckets.keys()) if (key < oldest) this.buckets.delete(key);
    return true;
  }
}
