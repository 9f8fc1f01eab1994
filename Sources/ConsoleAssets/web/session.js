// The operator's session: the bearer token from POST /api/auth/token, kept in this tab's
// sessionStorage (never in a URL, never in a cookie) with the account's name, role and
// permissions. It ends on logout, when the token's expiry passes, and when the hub answers 401
// to any request; listeners of 'change' then show the login form with the reason.

const storageKey = 'commandhub.session';
const longestTimer = 2 ** 31 - 1;

class Session extends EventTarget {
  #state = null;
  #timer = null;

  constructor() {
    super();
    try {
      const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null');
      if (stored?.token && Date.parse(stored.expiresAt) > Date.now()) this.#begin(stored, false);
      else sessionStorage.removeItem(storageKey);
    } catch {
      sessionStorage.removeItem(storageKey);
    }
  }

  get token() { return this.#state?.token ?? null; }
  get username() { return this.#state?.username ?? null; }
  get role() { return this.#state?.role ?? null; }
  get active() { return this.#state !== null; }

  /** Whether the account's role allows a permission: read, operate, trade or admin. */
  can(permission) { return this.#state?.permissions?.includes(permission) ?? false; }

  /** Logs in; throws the hub's error (401 invalid login, 429 too many attempts). */
  async login(username, password) {
    const token = await post('/api/auth/token', { username, password });
    const me = await get('/api/auth/me', token.access_token);
    this.#begin({
      token: token.access_token, expiresAt: token.expires_at, username: me.username, role: me.role, permissions: me.permissions,
    }, true);
  }

  /** Re-reads the account's role and permissions (a role can change while logged in). */
  async refresh() {
    if (!this.#state) return;
    const token = this.#state.token;
    const me = await get('/api/auth/me', token);
    if (this.#state?.token !== token) return;
    const changed = me.role !== this.#state.role || String(me.permissions) !== String(this.#state.permissions);
    this.#begin({ ...this.#state, username: me.username, role: me.role, permissions: me.permissions }, changed);
  }

  logout() { this.#end('You have logged out.'); }

  /** Ends the session because the hub refused its token. */
  expire(reason = 'Your session has ended. Log in again.') { if (this.#state) this.#end(reason); }

  #begin(state, announce) {
    this.#state = state;
    sessionStorage.setItem(storageKey, JSON.stringify(state));
    clearTimeout(this.#timer);
    const left = Date.parse(state.expiresAt) - Date.now();
    this.#timer = setTimeout(() => this.expire('Your session has expired. Log in again.'), Math.min(Math.max(left, 0), longestTimer));
    if (announce) this.dispatchEvent(new CustomEvent('change', { detail: { reason: null } }));
  }

  #end(reason) {
    this.#state = null;
    clearTimeout(this.#timer);
    sessionStorage.removeItem(storageKey);
    this.dispatchEvent(new CustomEvent('change', { detail: { reason } }));
  }
}

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body), cache: 'no-store', credentials: 'omit',
  });
  return answer(response);
}

async function get(path, token) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
  return answer(response);
}

async function answer(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) throw Object.assign(new Error(body?.message ?? `HTTP ${response.status}`), { status: response.status, code: body?.error });
  return body;
}

export const session = new Session();
