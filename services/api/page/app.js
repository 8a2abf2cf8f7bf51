// Sluice's page: SLO cards, the budget burn-down, the live tail and the reports. Plain modules, no framework.
const state = { key: localStorage.getItem('sluice-api-key') ?? '', paused: false, socket: undefined, prefix: '' };

const headers = () => (state.key ? { 'x-api-key': state.key } : {});
const withKey = (url) => (state.key ? `${url}${url.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(state.key)}` : url);
const percent = (share, digits = 3) => (share === null || share === undefined ? 'n/a' : `${(share * 100).toFixed(digits)} %`);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

// Every URL is relative to the page: at / it reaches SLUICE_NAMESPACE's routes, at /demo/ the demo's. The links
// the API gives out (`/demo/api/v1/reports/…`, the pages) are paths from its root, which a reverse proxy may serve
// under a prefix (`/sluice/`): the page puts back what stands in front of its own path.
const link = (path) => `${state.prefix}${path}`;

function prefixOf(who) {
  const own = who.views.find((view) => view.namespace === who.namespace)?.page ?? '/';
  return location.pathname.endsWith(own) ? location.pathname.slice(0, location.pathname.length - own.length) : '';
}
async function api(path) {
  const response = await fetch(new URL(path, location.href), { headers: headers() });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${(await response.json().catch(() => ({}))).message ?? ''}`);
  return response.json();
}

async function checkAuth() {
  const who = await api('api/v1/whoami');
  showNamespace(who);
  const form = document.getElementById('key-form');
  document.getElementById('auth-state').textContent = who.open ? 'open (local mode, no API keys)' : who.role ? `signed in: ${who.role}` : 'an API key is needed';
  form.hidden = who.open || who.role !== null;
  return who.open || who.role !== null;
}

/** Whose data the page shows, labelled; links to the other namespace's page (the local mode's demo). */
function showNamespace(who) {
  state.prefix = prefixOf(who);
  const badge = document.getElementById('namespace');
  badge.textContent = who.demo ? 'DEMO DATA' : `namespace: ${who.namespace}`;
  badge.classList.toggle('demo', who.demo);
  document.getElementById('demo-banner').hidden = !who.demo;
  document.getElementById('default-page').href = link(who.views.find((view) => !view.demo)?.page ?? '/');
  document.title = who.demo ? 'Sluice (demo data)' : 'Sluice';
  const others = who.views.filter((view) => view.namespace !== who.namespace);
  document.getElementById('views').replaceChildren(...others.map((view) => el('a', { href: link(view.page) }, view.demo ? 'see the demo data' : `your data (${view.namespace})`)));
}

function card(slo) {
  const left = slo.budget.allowed > 0 ? slo.budget.left / slo.budget.allowed : null;
  const fast = slo.burnRates[0];
  return el(
    'article',
    // Amber when the target is missed above the warning level (an old outage spent the budget); warning and critical win.
    { className: `card ${slo.status}${slo.met === false ? ' missed' : ''}` },
    el('h3', {}, slo.displayName),
    el('div', { className: 'status' }, slo.status === 'no_data' ? 'no data' : `${slo.status}${slo.met === false ? ' · target missed' : ''}`),
    el('div', { className: 'big' }, percent(slo.attainment)),
    el('div', { className: 'muted' }, `target ${percent(slo.target, 2)} over ${slo.window.days} days · ${slo.budget.good.toLocaleString()} / ${slo.budget.valid.toLocaleString()}`),
    el('div', {}, `budget left ${percent(left, 1)}`),
    el('div', { className: 'muted' }, `burn ${fast.long}: ${fast.longRate === null || fast.longRate === undefined ? 'n/a' : fast.longRate.toFixed(2)}`),
  );
}

async function loadSlos() {
  const { slos } = await api('api/v1/slos');
  document.getElementById('slos').replaceChildren(...slos.map(card));
  if (slos.length > 0) await burndown(slos[0]);
}

/** Budget left through the SLO's window, hour by hour: 100 % at the start, falling with each bad event. */
async function burndown(slo) {
  const to = new Date(slo.window.to);
  const from = new Date(Math.max(Date.parse(slo.window.from), to.getTime() - 30 * 86_400_000));
  const { points } = await api(`api/v1/slos/${encodeURIComponent(slo.name)}?from=${from.toISOString()}&to=${to.toISOString()}&step=1h`);
  const allowed = slo.budget.allowed;
  const svg = document.getElementById('burndown');
  const days = Math.round((to - from) / 86_400_000);
  if (slo.budget.valid === 0) {
    // No event to spend the budget on: no line, rather than one that says all of it is left.
    svg.replaceChildren();
    document.getElementById('burndown-caption').textContent = `${slo.displayName}: no valid events over the last ${days} days, so no error budget to draw`;
    return;
  }
  const w = 600, h = 180, left = 40, bottom = 20;
  let consumed = 0;
  const ys = points.map((p) => {
    consumed += p.valid - p.good;
    return allowed > 0 ? Math.max(-1, 1 - consumed / allowed) : 1;
  });
  const y = (v) => 10 + (1 - (v + 1) / 2) * (h - bottom - 10);
  const x = (i) => left + (i / Math.max(1, ys.length - 1)) * (w - left - 10);
  const path = ys.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  svg.innerHTML = `<line x1="${left}" x2="${w - 10}" y1="${y(0)}" y2="${y(0)}" stroke="#9e9e9e" stroke-dasharray="4 3"/>
    <text x="${left - 4}" y="${y(1) + 4}" font-size="10" text-anchor="end">100 %</text><text x="${left - 4}" y="${y(0) + 4}" font-size="10" text-anchor="end">0</text>
    <text x="${left - 4}" y="${y(-1) + 4}" font-size="10" text-anchor="end">-100 %</text>
    <path d="${path}" fill="none" stroke="${ys.at(-1) < 0 ? '#c62828' : '#1565c0'}" stroke-width="2"/>`;
  document.getElementById('burndown-caption').textContent = `${slo.displayName}: error budget left over the last ${days} days (${allowed.toFixed(1)} bad events allowed)`;
}

async function loadReports() {
  const { reports, timeZone } = await api('api/v1/reports');
  const list = document.getElementById('reports');
  if (reports.length === 0) {
    list.replaceChildren(el('li', { className: 'muted' }, 'No report issued yet (last month\u2019s is issued an hour after it ends).'));
    return;
  }
  list.replaceChildren(
    ...reports.map((r) =>
      el('li', {}, `${r.month} (${timeZone}, revision ${r.revision}): `, ...Object.entries(r.formats).flatMap(([format, url]) => [el('a', { href: withKey(link(url)), className: `report-${format}` }, format.toUpperCase()), ' '])),
    ),
  );
}

function tailLine(event) {
  const time = (event['@timestamp'] ?? '').slice(11, 23);
  const service = event.service?.name ?? '-';
  const level = event.log?.level ?? '';
  const status = event.http?.response?.status_code ?? '';
  const text = event.url?.original ? `${event.http?.request?.method ?? ''} ${event.url.original} ${status}` : (event.message ?? '');
  const tags = Array.isArray(event.tags) && event.tags.length > 0 ? ` [${event.tags.join(',')}]` : '';
  return `${time} ${service} ${level} ${text}${tags}`;
}

function addLine(text, className = '') {
  const list = document.getElementById('tail');
  list.append(el('li', { className }, text));
  while (list.children.length > 300) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

function currentFilter() {
  const form = document.getElementById('tail-filter');
  const split = (name) => form.elements[name].value.split(',').map((s) => s.trim()).filter(Boolean);
  const filter = { type: 'filter' };
  for (const name of ['service', 'level', 'tags']) if (split(name).length > 0) filter[name] = split(name);
  if (form.elements.text.value.trim()) filter.text = form.elements.text.value.trim();
  return filter;
}

function connectTail() {
  const url = new URL('api/v1/tail', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(withKey(url.href));
  state.socket = socket;
  const status = document.getElementById('tail-state');
  socket.addEventListener('open', () => {
    status.textContent = 'connected';
    socket.send(JSON.stringify(currentFilter()));
  });
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(message.data);
    if (data.type === 'event' && !state.paused) addLine(tailLine(data.event));
    else if (data.type === 'missed') addLine(`… ${data.count} event(s) missed (too fast for this client)`, 'missed');
    else if (data.type === 'error') addLine(`filter refused: ${data.message}`, 'error');
  });
  socket.addEventListener('close', (event) => {
    status.textContent = `disconnected${event.reason ? `: ${event.reason}` : ''}; reconnecting…`;
    setTimeout(connectTail, 3000);
  });
}

document.getElementById('tail-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  state.socket?.send(JSON.stringify(currentFilter()));
});
document.getElementById('pause').addEventListener('click', (event) => {
  state.paused = !state.paused;
  event.target.textContent = state.paused ? 'Resume' : 'Pause';
});
document.getElementById('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  state.key = document.getElementById('key').value;
  localStorage.setItem('sluice-api-key', state.key);
  await start();
});

async function start() {
  if (!(await checkAuth())) return;
  connectTail();
  await Promise.all([loadSlos(), loadReports()]).catch((error) => addLine(String(error), 'error'));
  setInterval(() => void loadSlos().catch(() => undefined), 30_000);
}

void start();
