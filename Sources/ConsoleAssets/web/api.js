// Calls to the hub's REST API with the session's token. Every failure becomes an `APIError`
// whose message is the hub's own (`{error, message, detail}`) or says that the hub could not be
// reached; a 401 also ends the session, which sends the operator back to the login form.
import { session } from './session.js';

export class APIError extends Error {
  constructor(status, body, message) {
    super(message);
    this.status = status;
    this.code = body?.error ?? (status === 0 ? 'unreachable' : `http_${status}`);
    this.body = body;
  }

  /** "504 command_timeout: …" */
  get summary() { return this.status ? `${this.status} ${this.code}: ${this.message}` : this.message; }
}

/**
 * `request('POST', '/api/crypto/commands/ID/pause/', { query: { timeout: 5 } })`. Query values
 * that are empty, null or undefined are left out. `idempotencyKey` sends `Idempotency-Key`.
 */
export async function request(method, path, { query, body, idempotencyKey, signal } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  const headers = { Accept: 'application/json' };
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit', signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new APIError(0, null, `The hub cannot be reached (${error?.message ?? error}).`);
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (response.status === 401 && token && token === session.token) session.expire('The hub no longer accepts your session (expired or revoked). Log in again.');
  if (!response.ok) throw new APIError(response.status, json, json?.message ?? `HTTP ${response.status}`);
  return json;
}

export const get = (path, query) => request('GET', path, { query });

/**
 * A random idempotency key (a version 4 UUID). `crypto.getRandomValues` works on a hub served
 * over plain HTTP too, where `crypto.randomUUID` is not available.
 */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The path of one agent's command endpoint. */
export const commandPath = (id, action) => `/api/crypto/commands/${encodeURIComponent(id)}/${action}/`;
