// The hub's live events (GET /api/crypto/events/, server-sent events) read with fetch() and a
// streaming reader, because the route needs the Authorization header and EventSource cannot
// send one (the token never goes into a URL).
//
// Contract: `onEvent(type, data, id)` for every event in order; `onOpen()` each time a stream is
// open — after a drop the hub does not replay what was missed, so the listener re-reads what it
// shows then (it subscribes first, then reads, so nothing falls between the two). The feed
// reconnects by itself with jittered backoff (0.5 s doubling to 5 s), sends the last event id
// it saw as `Last-Event-ID`, and treats 40 s without a byte (the hub sends a keepalive after
// 15 s of quiet) as a dead connection. `onState` hears 'connecting', 'live', 'reconnecting'.
import { session } from './session.js';

const silenceLimit = 40_000;

export class EventFeed {
  #running = false;
  #controller = null;
  #wake = null;
  #lastEventID = null;

  constructor({ onEvent, onOpen, onState }) {
    this.onEvent = onEvent;
    this.onOpen = onOpen;
    this.onState = onState;
    this.state = 'stopped';
    this.drops = 0;
    addEventListener('online', () => this.#wake?.());
  }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.#loop();
  }

  stop() {
    this.#running = false;
    this.#controller?.abort();
    this.#wake?.();
    this.#set('stopped');
  }

  #set(state) {
    if (this.state === state) return;
    this.state = state;
    this.onState?.(state);
  }

  async #loop() {
    let delay = 500;
    this.#set('connecting');
    while (this.#running) {
      const controller = new AbortController();
      this.#controller = controller;
      try {
        const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${session.token}` };
        if (this.#lastEventID !== null) headers['Last-Event-ID'] = this.#lastEventID;
        const response = await fetch('/api/crypto/events/', { headers, cache: 'no-store', credentials: 'omit', signal: controller.signal });
        if (response.status === 401) {
          this.#running = false;
          session.expire('The hub no longer accepts your session (expired or revoked). Log in again.');
          break;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        this.#set('live');
        delay = 500;
        this.onOpen?.();
        await this.#read(response.body, controller);
      } catch {
        // A dropped connection, a refused one or an abort: all end in a reconnect below.
      }
      controller.abort();
      if (!this.#running) break;
      this.drops += 1;
      this.#set('reconnecting');
      await this.#pause(delay / 2 + Math.random() * delay / 2);
      delay = Math.min(delay * 2, 5000);
    }
    this.#set('stopped');
  }

  #pause(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); resolve(); }
      this.#wake = () => { this.#wake = null; done(); };
    });
  }

  async #read(body, controller) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let watchdog = setTimeout(() => controller.abort(), silenceLimit);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), silenceLimit);
        buffer += value.replaceAll('\r\n', '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (this.#dispatch(block) === 'overflow') return;
        }
      }
    } finally {
      clearTimeout(watchdog);
      reader.cancel().catch(() => {});
    }
  }

  /** One event block: `id:`, `event:` and `data:` lines; comments (keepalives) start with ':'. */
  #dispatch(block) {
    let id = null;
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (id !== null) this.#lastEventID = id;
    if (data.length === 0) return null;
    let payload;
    try { payload = JSON.parse(data.join('\n')); } catch { return null; }
    // Fallen behind: the hub ended this stream; reconnect and re-read.
    if (type === 'overflow') return 'overflow';
    this.onEvent?.(type, payload, id);
    return null;
  }
}
