// The API reference (/docs): the hub's OpenAPI document (/openapi.json) rendered in the page —
// operations by tag with their parameters, request bodies and responses, the schemas, and a
// "try it" form per operation that sends the request with the logged-in operator's token.
// Everything comes from the hub; text from the document is shown as text.
import { h, replace } from './dom.js';
import { newIdempotencyKey } from './api.js';
import { session } from './session.js';

const methods = ['get', 'post', 'put', 'patch', 'delete'];

export function referenceView() {
  const element = h('section', { id: 'reference', class: 'reference' }, h('p', { class: 'muted' }, 'Loading the API document…'));
  (async () => {
    try {
      const response = await fetch('/openapi.json', { cache: 'no-cache', credentials: 'omit' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(element, await response.json());
    } catch (error) {
      replace(element, h('p', { class: 'error', role: 'alert' }, `The API document could not be read: ${error.message}`));
    }
  })();
  return { element, title: 'API reference' };
}

function render(element, doc) {
  const resolve = (node) => {
    let current = node;
    for (let hops = 0; current?.$ref && hops < 16; hops += 1) {
      current = current.$ref.replace(/^#\//, '').split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~')).reduce((at, key) => at?.[key], doc);
    }
    return current ?? {};
  };
  const schemaSection = h('section', { class: 'schemas', id: 'schemas' });
  const jump = (name) => h('button', { type: 'button', class: 'link', onclick: () => document.getElementById(`schema-${name}`)?.scrollIntoView() }, name);

  const operations = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) if (item[method]) operations.push({ path, method, op: item[method], shared: item.parameters ?? [] });
  }
  const tags = [...(doc.tags ?? []).map((t) => t.name)];
  for (const { op } of operations) for (const tag of op.tags ?? ['other']) if (!tags.includes(tag)) tags.push(tag);
  const tagText = Object.fromEntries((doc.tags ?? []).map((t) => [t.name, t.description]));

  const login = session.active
    ? `Requests are sent as ${session.username} (${session.role}).`
    : ['Not logged in: requests are sent without a token (', h('a', { href: '/ui/' }, 'log in'), ' in this tab to send them as an operator).'];
  replace(element,
    h('header', null, h('h2', null, doc.info?.title ?? 'API'), h('p', { class: 'muted' }, `OpenAPI ${doc.openapi}, version ${doc.info?.version ?? '?'}. `,
      h('a', { href: '/openapi.json' }, 'openapi.json'), ' · ', h('a', { href: '/openapi.yaml' }, 'openapi.yaml')),
    h('p', { class: 'prose' }, doc.info?.description ?? ''), h('p', { class: 'muted', id: 'try-identity' }, login)),
    tags.map((tag) => {
      const inTag = operations.filter(({ op }) => (op.tags ?? ['other']).includes(tag));
      if (inTag.length === 0) return null;
      return h('section', { class: 'tag', dataset: { tag } }, h('h3', null, tag, tagText[tag] ? h('span', { class: 'muted' }, ` — ${tagText[tag]}`) : null),
        inTag.map((entry) => operation(entry, resolve, jump)));
    }),
    schemaSection);
  replace(schemaSection, h('h3', null, 'Schemas'), Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) =>
    h('div', { class: 'schema', id: `schema-${name}` }, h('h4', null, name), schemaTree(schema, jump, 0))));
}

function operation({ path, method, op, shared }, resolve, jump) {
  const parameters = [...shared, ...(op.parameters ?? [])].map(resolve);
  const open = Array.isArray(op.security) && op.security.length === 0;
  const body = op.requestBody ? resolve(op.requestBody) : null;
  const details = h('details', { class: 'operation', dataset: { method: method.toUpperCase(), path, operationId: op.operationId ?? '' } },
    h('summary', null, h('span', { class: `method ${method}` }, method.toUpperCase()), ' ', h('code', { class: 'path' }, path), ' ',
      h('span', { class: 'op-summary' }, op.summary ?? ''), open ? h('span', { class: 'chip' }, 'no token') : null));
  let built = false;
  // The body is built when first opened: the document has dozens of operations.
  details.addEventListener('toggle', () => {
    if (!details.open || built) return;
    built = true;
    details.append(
      op.description ? h('p', { class: 'prose' }, op.description) : null,
      parameters.length ? h('div', null, h('h5', null, 'Parameters'), h('table', null,
        h('thead', null, h('tr', null, ['Name', 'In', 'Required', 'Schema', 'Description'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, parameters.map((p) => h('tr', null, h('td', null, h('code', null, p.name)), h('td', null, p.in), h('td', null, p.required ? 'yes' : 'no'),
          h('td', null, schemaTree(p.schema ?? {}, jump, 1)), h('td', null, p.description ?? '')))))) : null,
      body ? h('div', null, h('h5', null, `Request body${body.required ? ' (required)' : ''}`),
        Object.entries(body.content ?? {}).map(([type, media]) => h('div', null, h('code', null, type), ' ',
          media.schema?.$ref ? [schemaTree(media.schema, jump, 1), ': '] : null, schemaTree(resolve(media.schema ?? {}), jump, 1)))) : null,
      h('h5', null, 'Responses'),
      h('ul', { class: 'responses' }, Object.entries(op.responses ?? {}).map(([code, raw]) => {
        const response = resolve(raw);
        return h('li', null, h('code', null, code), ` ${response.description ?? ''} `,
          Object.entries(response.content ?? {}).map(([type, media]) => h('span', null, h('code', { class: 'muted' }, type), ' ', schemaTree(media.schema ?? {}, jump, 2))));
      })),
      tryIt(path, method, parameters, body, resolve));
  });
  return details;
}

/** A schema as nested text: type, format, enum, limits, description, properties. */
function schemaTree(schema, jump, depth) {
  if (schema.$ref) return jump(schema.$ref.split('/').at(-1));
  const facts = [];
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type) facts.push(type);
  if (schema.format) facts.push(`(${schema.format})`);
  if (schema.enum) facts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (schema.const !== undefined) facts.push(`= ${JSON.stringify(schema.const)}`);
  if (schema.pattern) facts.push(`pattern ${schema.pattern}`);
  for (const key of ['minimum', 'maximum', 'minLength', 'maxLength']) if (schema[key] !== undefined) facts.push(`${key} ${schema[key]}`);
  if (schema.default !== undefined) facts.push(`default ${JSON.stringify(schema.default)}`);
  const node = h('span', { class: 'schema-node' }, h('span', { class: 'type' }, facts.join(' ') || 'any'), schema.description ? h('span', { class: 'muted' }, ` — ${schema.description}`) : null);
  if (schema.items) node.append(' of ', schemaTree(schema.items, jump, depth + 1));
  if (schema.properties && depth < 6) {
    const required = new Set(schema.required ?? []);
    node.append(h('ul', { class: 'properties' }, Object.entries(schema.properties).map(([name, sub]) =>
      h('li', null, h('code', null, name), required.has(name) ? h('span', { class: 'required' }, ' required') : null, ': ', schemaTree(sub, jump, depth + 1)))));
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') node.append(' (values: ', schemaTree(schema.additionalProperties, jump, depth + 1), ')');
  return node;
}

/** An example value for a schema (its example, default, first enum value, or a placeholder). */
function example(schema, resolve, depth = 0) {
  const s = resolve(schema);
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'object' || s.properties) {
    if (depth > 4) return {};
    const required = s.required ?? Object.keys(s.properties ?? {});
    return Object.fromEntries(required.filter((k) => s.properties?.[k]).map((k) => [k, example(s.properties[k], resolve, depth + 1)]));
  }
  if (type === 'array') return [];
  if (type === 'integer' || type === 'number') return s.minimum ?? 0;
  if (type === 'boolean') return false;
  return '';
}

function tryIt(path, method, parameters, body, resolve) {
  const inputs = parameters.map((p) => {
    const schema = resolve(p.schema ?? {});
    const value = p.name === 'Idempotency-Key' ? newIdempotencyKey() : schema.example ?? '';
    return { p, input: h('input', { type: 'text', name: p.name, value: String(value), placeholder: p.required ? 'required' : '', size: 36, autocomplete: 'off' }) };
  });
  const json = body?.content?.['application/json'];
  const bodyInput = json ? h('textarea', { rows: 5, cols: 60, spellcheck: 'false', class: 'body' }) : null;
  if (bodyInput) bodyInput.value = JSON.stringify(example(json.schema ?? {}, resolve), null, 2);
  const output = h('div', { class: 'try-output' });
  const send = h('button', { type: 'submit' }, 'Send');
  const form = h('form', { class: 'try' }, h('h5', null, 'Try it'),
    inputs.map(({ p, input }) => h('label', null, h('code', null, p.name), ` (${p.in}) `, input)), bodyInput ? h('label', null, 'Body ', bodyInput) : null, send, output);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    const headers = { Accept: 'application/json, text/plain, */*' };
    for (const { p, input } of inputs) {
      const value = input.value.trim();
      if (!value) continue;
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(value));
      else if (p.in === 'query') query.set(p.name, value);
      else if (p.in === 'header') headers[p.name] = value;
    }
    if (session.token) headers.Authorization = `Bearer ${session.token}`;
    if (bodyInput) headers['Content-Type'] = 'application/json';
    const controller = new AbortController();
    send.disabled = true;
    replace(output, h('p', { class: 'muted' }, `${method.toUpperCase()} ${url}${query.size ? `?${query}` : ''} …`));
    try {
      const response = await fetch(`${url}${query.size ? `?${query}` : ''}`, {
        method: method.toUpperCase(), headers, body: bodyInput ? bodyInput.value : undefined, cache: 'no-store', credentials: 'omit', signal: controller.signal,
      });
      const text = await readSome(response, controller);
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: shown as it came */ }
      replace(output, h('p', null, h('strong', { class: response.ok ? 'ok' : 'bad' }, `${response.status} ${response.statusText}`), ' ',
        h('code', { class: 'muted' }, response.headers.get('content-type') ?? '')), h('pre', { class: 'response' }, shown));
    } catch (error) {
      replace(output, h('p', { class: 'error', role: 'alert' }, `The request failed: ${error.message}`));
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

/** The body, or for a stream (the events route) what arrives in 3 s; at most 64 KiB either way. */
async function readSome(response, controller) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
  const stop = streaming ? setTimeout(() => controller.abort(), 3000) : null;
  let text = '';
  try {
    while (text.length < 65_536) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } catch { /* cut off after 3 s */ } finally {
    clearTimeout(stop);
    reader.cancel().catch(() => {});
  }
  return text.length > 65_536 ? `${text.slice(0, 65_536)}\n… (cut)` : text;
}
