// The simulator dashboard: plain DOM, no build. State comes from GET /api/stream (server-sent
// events): a full `state` first, then `subscription`, `delivery`, `counts`, `vaults`, `deadLetters`
// and `annotations` updates. Everything from the wire is written with textContent, never as HTML.

const state = {
  now: 0,
  timeScale: 1,
  subscriptions: new Map(),
  deliveries: new Map(),
  deadLetters: [],
  counts: {},
  vaults: [],
  annotations: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'title') node.title = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const badge = (text) => el('span', { class: `badge ${text}` }, text);
const time = (ms) =>
  typeof ms === 'number'
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '';
const shortType = (type) => String(type).replace(/^Microsoft\.(KeyVault|EventGrid)\./, '');

function renderCounts() {
  const c = state.counts;
  const items = [
    ['published', c.published],
    ['sent', c.sent],
    ['acknowledged', c.acknowledged],
    ['dead-lettered', c.deadLettered],
    ['dropped', c.dropped],
    ['pending', c.pending],
    ['filtered out', c.filteredOut],
    ['requests', c.requests],
    ['retries', c.retries],
    ['duplicates', c.duplicates],
  ];
  $('counts').replaceChildren(
    ...items.map(([label, value]) =>
      el('div', { class: 'count', 'data-count': label }, el('b', {}, value ?? 0), el('span', {}, label)),
    ),
  );
}

function renderSubscriptions() {
  const rows = [...state.subscriptions.values()].map((s) =>
    el(
      'tr',
      { 'data-subscription': s.name },
      el('td', {}, s.name),
      el('td', { class: 'mono' }, s.endpoint),
      el('td', {}, s.options.schema),
      el('td', {}, s.options.validation),
      el('td', {}, badge(s.state)),
      el(
        'td',
        { class: 'muted' },
        s.failureReason ??
          (s.validatedVia
            ? `via ${s.validatedVia}${s.validationUrlFetched ? ' (validationUrl fetched)' : ''}`
            : ''),
      ),
    ),
  );
  $('subscriptions').replaceChildren(...rows);
}

function attemptChip(attempt) {
  const ok = attempt.status >= 200 && attempt.status <= 204;
  const classes = `chip ${ok ? 'ok' : 'bad'}${attempt.duplicate ? ' dup' : ''}`;
  const title = `attempt ${attempt.number} (aeg-delivery-count ${attempt.deliveryCount}) at ${time(attempt.time)}: ${attempt.outcome}${attempt.duplicate ? ', deliberate duplicate' : ''}`;
  return el(
    'span',
    { class: classes, title, 'data-attempt': attempt.result },
    `${attempt.result} · ${Math.round(attempt.latencyMs)} ms`,
  );
}

function renderDeliveries() {
  const list = [...state.deliveries.values()].sort(
    (a, b) => b.publishTime - a.publishTime || (a.id < b.id ? 1 : -1),
  );
  const rows = list.slice(0, 200).map((d) => {
    const more = d.eventIds.length > 1 ? ` (+${d.eventIds.length - 1})` : '';
    let detail = '';
    if (d.state === 'retrying' && typeof d.nextAttemptAt === 'number')
      detail = `next ${time(d.nextAttemptAt)}`;
    if (d.deadLetterReason) detail = d.deadLetterReason;
    if (d.error) detail = d.error;
    return el(
      'tr',
      { 'data-delivery': d.id, 'data-state': d.state },
      el('td', { class: 'mono' }, time(d.publishTime)),
      el('td', {}, d.subscription),
      el('td', { title: d.eventIds.join(', ') }, `${shortType(d.eventTypes[0] ?? '')}${more}`),
      el('td', {}, d.subjects[0] ?? ''),
      el('td', {}, ...d.attempts.map(attemptChip)),
      el('td', {}, badge(d.state), detail ? el('div', { class: 'muted' }, detail) : null),
    );
  });
  $('deliveries').replaceChildren(...rows);
  $('deliveries-empty').classList.toggle('hidden', rows.length > 0);
}

function renderDeadLetters() {
  const rows = [...state.deadLetters]
    .reverse()
    .map((r) =>
      el(
        'tr',
        {},
        el(
          'td',
          { class: 'mono', title: String(r.id) },
          `${shortType(r.eventType ?? r.type ?? '')} ${r.subject ?? ''}`,
        ),
        el('td', {}, r.deadLetterReason ?? r.deadletterreason ?? ''),
        el('td', {}, r.deliveryAttempts ?? r.deliveryattempts ?? ''),
        el('td', {}, r.lastDeliveryOutcome ?? r.lastdeliveryoutcome ?? ''),
        el('td', {}, r.lastHttpStatusCode ?? r.lasthttpstatuscode ?? ''),
        el('td', { class: 'mono' }, r.publishTime ?? r.publishtime ?? ''),
      ),
    );
  $('dead-letters').replaceChildren(...rows);
}

function renderVaults() {
  const rows = [];
  for (const vault of state.vaults) {
    if (vault.secrets.length === 0)
      rows.push(
        el('tr', {}, el('td', {}, vault.name), el('td', { class: 'muted', colspan: '4' }, 'no secrets')),
      );
    for (const secret of vault.secrets) {
      const current = secret.versions[0];
      rows.push(
        el(
          'tr',
          { 'data-secret': `${vault.name}/${secret.name}` },
          el('td', {}, vault.name),
          el('td', {}, secret.name),
          el('td', {}, secret.versions.length),
          el('td', { class: 'mono' }, current?.version ?? ''),
          el('td', { class: 'mono' }, current?.expires ? time(current.expires) : 'never'),
        ),
      );
    }
  }
  $('vaults').replaceChildren(...rows);
  $('vault-names').replaceChildren(...state.vaults.map((vault) => el('option', { value: vault.name })));
}

function renderAnnotations() {
  const attached = Array.isArray(state.annotations);
  $('annotations-off').classList.toggle('hidden', attached);
  const rows = (state.annotations ?? []).map((es) =>
    el(
      'tr',
      { 'data-external-secret': es.ref },
      el('td', {}, es.ref),
      el('td', { class: 'mono' }, es.annotations['reloader/secret-version'] ?? '—'),
      el('td', { class: 'mono' }, es.annotations['reloader/event-id'] ?? '—'),
      el('td', { class: 'mono' }, es.annotations['reloader/last-rotated'] ?? '—'),
      el('td', {}, es.annotations['reloader/trigger-source'] ?? ''),
    ),
  );
  $('annotations').replaceChildren(...rows);
}

function renderClock() {
  $('clock').textContent = state.now ? `clock ${time(state.now)}` : '';
  $('scale').textContent = state.timeScale === 1 ? 'real time' : `time-scale ${state.timeScale}`;
}

function renderAll() {
  renderClock();
  renderCounts();
  renderSubscriptions();
  renderDeliveries();
  renderDeadLetters();
  renderVaults();
  renderAnnotations();
}

function applyState(snapshot) {
  state.now = snapshot.now;
  state.timeScale = snapshot.timeScale;
  state.subscriptions = new Map(snapshot.subscriptions.map((s) => [s.name, s]));
  state.deliveries = new Map(snapshot.deliveries.map((d) => [d.id, d]));
  state.deadLetters = snapshot.deadLetters;
  state.counts = snapshot.counts;
  state.vaults = snapshot.vaults;
  state.annotations = snapshot.annotations;
  renderAll();
}

function connect() {
  const source = new EventSource('/api/stream');
  const live = $('live');
  source.onopen = () => {
    live.textContent = 'live';
    live.className = 'badge on';
  };
  source.onerror = () => {
    live.textContent = 'reconnecting';
    live.className = 'badge off';
  };
  const on = (type, handler) => source.addEventListener(type, (message) => handler(JSON.parse(message.data)));
  on('state', applyState);
  on('subscription', (s) => {
    state.subscriptions.set(s.name, s);
    renderSubscriptions();
  });
  on('delivery', (d) => {
    state.deliveries.set(d.id, d);
    state.now = Math.max(state.now, d.attempts.at(-1)?.time ?? d.publishTime);
    renderDeliveries();
    renderClock();
  });
  on('counts', (counts) => {
    state.counts = counts;
    renderCounts();
  });
  on('vaults', (vaults) => {
    state.vaults = vaults;
    renderVaults();
  });
  on('deadLetters', (records) => {
    state.deadLetters = records;
    renderDeadLetters();
  });
  on('annotations', (annotations) => {
    state.annotations = annotations;
    renderAnnotations();
  });
}

$('rotate').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { vault: form.get('vault'), secret: form.get('secret') };
  const days = form.get('expiresInDays');
  if (days) body.expiresInDays = Number(days);
  const output = $('rotate-result');
  output.className = '';
  output.textContent = 'rotating…';
  try {
    const response = await fetch('/api/rotate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error?.message ?? `HTTP ${response.status}`);
    output.textContent = `${answer.vault}/${answer.secret} is now version ${answer.version} (event ${answer.eventId})`;
  } catch (error) {
    output.className = 'error';
    output.textContent = `rotation failed: ${error.message}`;
  }
});

connect();
