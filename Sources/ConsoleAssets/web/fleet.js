// What the console knows about the fleet: one row per agent as GET /api/crypto/commands/
// returns it (offline agents included, the label selector applied by the hub), kept current by
// the live events. Status changes and disconnects are applied at once; connects and finished
// commands (which change wallets and sync times) make it re-read the list, coalesced.
import { get } from './api.js';

export class Fleet extends EventTarget {
  agents = new Map();
  selector = '';
  error = null;
  loadedAt = null;
  #timer = null;
  #generation = 0;

  /** Reads the list again; a newer read wins over an older one still in flight. */
  async load() {
    clearTimeout(this.#timer);
    this.#timer = null;
    const generation = ++this.#generation;
    try {
      const rows = await get('/api/crypto/commands/', { include_offline: true, selector: this.selector });
      if (generation !== this.#generation) return;
      this.agents = new Map(rows.map((row) => [row.client_id, row]));
      this.error = null;
      this.loadedAt = Date.now();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.error = error;
    }
    this.#changed();
  }

  /** A read within `delay` ms; calls in between share it. */
  scheduleLoad(delay = 250) {
    if (this.#timer === null) this.#timer = setTimeout(() => this.load(), delay);
  }

  setSelector(selector) {
    this.selector = selector.trim();
    return this.load();
  }

  /** The agent's name, or its short id when unknown. */
  name(id) { return this.agents.get(id)?.client_name ?? String(id).split('-')[0]; }

  /** A status the hub just answered with (a command's `current_status`). */
  applyStatus(id, status) {
    const agent = this.agents.get(id);
    if (!agent || !status || agent.status === status) return;
    agent.status = status;
    this.#changed();
  }

  /** One live event from the hub. */
  apply(type, data) {
    const agent = this.agents.get(data.client_id);
    switch (type) {
      case 'agent_connected':
        if (agent) Object.assign(agent, { connected: true, client_name: data.client_name, exchange: data.exchange, labels: data.labels });
        this.scheduleLoad();
        break;
      case 'agent_disconnected':
        if (agent) agent.connected = false;
        break;
      case 'agent_status_changed':
        if (agent) agent.status = data.status;
        if (/\bstatus\b/.test(this.selector)) this.scheduleLoad();
        break;
      case 'command_finished':
        // Wallet counts and sync times change with commands; bursts (a bulk action) share a read.
        this.scheduleLoad(400);
        return;
      default:
        return;
    }
    this.#changed();
  }

  #changed() { this.dispatchEvent(new Event('change')); }
}
