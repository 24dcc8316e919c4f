// gatherd console: reads the node's own API (blocking queries keep each page live) and writes through it with
// the operator's token. No framework and no build step: DOM nodes are built with h(), which sets text, never
// HTML, so input IDs and errors cannot inject markup.
'use strict';

const TOKEN_KEY = 'gatherd.token';
const WAIT = '30s'; // how long one blocking read may wait for a change
const state = {role: null, abort: null};

class AuthError extends Error {}

function h(tag, attrs, ...kids) {
  const el = document.createElementNS(tag === 'svg' || attrs?.svg ? 'http://www.w3.org/2000/svg' : 'http://www.w3.org/1999/xhtml', tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'svg' || v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid !== null && kid !== undefined && kid !== false) el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}

function s(tag, attrs, ...kids) { return h(tag, {...attrs, svg: true}, ...kids); }

function sleep(ms, signal) {
  return new Promise(resolve => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, {once: true});
  });
}

function flash(msg, ok) {
  const el = document.getElementById('flash');
  el.textContent = msg;
  el.className = ok ? 'ok' : 'err';
  el.hidden = !msg;
}

// api sends one request with the tab's token; it answers {data, res, index} or throws an Error carrying the
// API's {"error", "field"}.
async function api(path, {method = 'GET', body, type, signal} = {}) {
  const headers = {};
  const tok = sessionStorage.getItem(TOKEN_KEY);
  if (tok) headers.Authorization = 'Bearer ' + tok;
  if (type) headers['Content-Type'] = type;
  const res = await fetch(path, {method, headers, body, signal, cache: 'no-store'});
  if (res.status === 401) {
    showLogin(tok ? 'That token was refused.' : 'This cluster\'s API needs a token.');
    throw new AuthError('token needed');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = {error: text}; }
  }
  if (!res.ok) {
    const e = new Error((data && data.error) || res.statusText);
    e.field = data && data.field;
    throw e;
  }
  return {data, res, index: res.headers.get('X-Gatherd-Index') || ''};
}

// watch keeps one blocking read of path open until signal aborts, calling render with every answer.
async function watch(signal, path, render, wait = WAIT) {
  let index = '';
  while (!signal.aborted) {
    const started = Date.now();
    const sep = path.includes('?') ? '&' : '?';
    try {
      const r = await api(index ? `${path}${sep}index=${index}&wait=${wait}` : path, {signal});
      if (signal.aborted) return;
      const same = r.index === index;
      index = r.index;
      setLive(true);
      render(r.data, r.res);
      if (same && Date.now() - started < 200) await sleep(1000, signal); // never spin on a server that does not block
    } catch (e) {
      if (signal.aborted || e instanceof AuthError) return;
      setLive(false);
      index = '';
      await sleep(1000, signal);
    }
  }
}

function setLive(ok) {
  const el = document.getElementById('live');
  el.className = ok ? 'live' : 'live down';
  el.textContent = ok ? 'live' : 'reconnecting';
}

function showLogin(why) {
  document.getElementById('login-why').textContent = why + ' It stays in this tab only (session storage).';
  document.getElementById('login').hidden = false;
  document.getElementById('main').hidden = true;
}

function canWrite() { return state.role === 'write' || state.role === 'open'; }

function writeButton(label, attrs, onclick) {
  return h('button', {type: 'button', ...attrs, disabled: !canWrite() || attrs.disabled, title: canWrite() ? undefined : 'needs a write token', onclick}, label);
}

async function act(what, fn) {
  try {
    await fn();
    flash(what + ': done', true);
  } catch (e) {
    if (!(e instanceof AuthError)) flash(what + ': ' + e.message + (e.field ? ` (${e.field})` : ''));
  }
}

function ago(t) {
  if (!t) return '-';
  const d = (Date.now() - new Date(t).getTime()) / 1000;
  if (d < 0) return 'in ' + span(-d);
  return span(d) + ' ago';
}

function span(sec) {
  if (sec < 1) return Math.round(sec * 1000) + ' ms';
  if (sec < 90) return Math.round(sec) + ' s';
  if (sec < 5400) return Math.round(sec / 60) + ' min';
  return Math.round(sec / 3600) + ' h';
}

function clock(t) { return t ? new Date(t).toLocaleTimeString() : '-'; }

// ---- cluster -------------------------------------------------------------------------------------------------

function clusterPage(main, signal) {
  const view = {status: null, assignments: null, nodes: null};
  const summary = h('div', {id: 'summary', class: 'cards'});
  const warn = h('div', {id: 'warnings'});
  const table = h('table', {id: 'nodes'});
  main.append(h('h1', null, 'Cluster'), warn, summary, table);
  const draw = () => {
    const st = view.status;
    if (!st) return;
    const counts = {};
    for (const [node, ids] of Object.entries(view.assignments?.nodes || {})) counts[node] = ids.length;
    const load = view.assignments?.load;
    const info = {};
    for (const n of view.nodes?.nodes || []) info[n.id] = n;
    summary.replaceChildren(
      card('leader', st.leader_id || 'none', 'leader'),
      card('raft term', st.term, 'term'),
      card('commit / applied', `${st.commit_index} / ${st.applied_index}`, 'index'),
      card('placement generation', st.generation, 'generation'),
      card('inputs', st.inputs, 'inputs'),
      card('unassigned', view.assignments ? view.assignments.unassigned.length : '-', 'unassigned'),
      card('answered by', st.node_id, 'self'));
    const missing = st.members.filter(m => m.raft === 'voter' && m.status !== 'alive');
    warn.replaceChildren(...missing.map(m => h('p', {class: 'warning'}, `Voter ${m.id} is ${m.status}: one more voter lost could cost the quorum.`)),
      st.leader_id ? '' : h('p', {class: 'warning'}, 'No leader: writes wait until one is elected.'));
    table.replaceChildren(
      h('thead', null, h('tr', null, ['node', 'role', 'gossip', 'state', 'ready', 'fenced', 'inputs', load ? 'load' : null, 'running', 'version', ''].filter(x => x !== null).map(c => h('th', null, c)))),
      h('tbody', null, st.members.map(m => {
        const n = info[m.id];
        const role = m.id === st.leader_id ? 'leader' : m.raft === 'voter' ? 'voter' : m.raft === 'nonvoter' ? 'non-voter' : m.raft;
        const draining = m.state === 'draining';
        return h('tr', {dataset: {node: m.id}, class: m.status !== 'alive' ? 'bad' : draining ? 'draining' : ''},
          h('td', {class: 'id'}, m.id),
          h('td', {class: 'role'}, role),
          h('td', {class: 'gossip'}, m.status === 'dead' ? 'failed' : m.status),
          h('td', {class: 'state'}, m.state + (m.stopping ? ' (stopping)' : '')),
          h('td', {class: 'ready', title: n?.not_ready || ''}, n ? (n.ready ? 'ready' : 'not ready: ' + (n.not_ready || n.error)) : m.status === 'alive' ? '…' : '-'),
          h('td', {class: 'fenced'}, n ? (n.fenced ? 'fenced' : 'no') : '-'),
          h('td', {class: 'inputs'}, h('a', {href: '#/inputs?node=' + encodeURIComponent(m.id)}, counts[m.id] || 0)),
          load ? h('td', {class: 'load'}, load[m.id] !== undefined ? load[m.id].toFixed(3) : '-') : null,
          h('td', {class: 'running'}, n ? n.running : '-'),
          h('td', {class: 'version'}, n?.version || '-'),
          h('td', null, draining
            ? writeButton('Undrain', {class: 'undrain'}, () => act('undrain ' + m.id, () => api(`/v1/nodes/${encodeURIComponent(m.id)}/drain`, {method: 'DELETE'})))
            : writeButton('Drain', {class: 'drain', disabled: m.status !== 'alive'}, () => {
              if (confirm(`Move every input off ${m.id}?`)) act('drain ' + m.id, () => api(`/v1/nodes/${encodeURIComponent(m.id)}/drain`, {method: 'POST'}));
            })));
      })));
  };
  // Each node's own account (/v1/nodes asks every node) follows status changes, at most once a second.
  let nodesTimer = 0, nodesAt = 0;
  const refreshNodes = () => {
    if (nodesTimer) return;
    nodesTimer = setTimeout(async () => {
      nodesAt = Date.now();
      try {
        const r = await api('/v1/nodes', {signal});
        view.nodes = r.data;
        draw();
      } catch { /* the status still shows */ }
      nodesTimer = 0;
    }, Math.max(0, nodesAt + 1000 - Date.now()));
  };
  watch(signal, '/v1/status', st => { view.status = st; draw(); refreshNodes(); });
  watch(signal, '/v1/assignments', a => { view.assignments = a; draw(); });
}

function card(label, value, id) {
  return h('div', {class: 'card', id: 'card-' + id}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value));
}

// ---- inputs --------------------------------------------------------------------------------------------------

const PER_PAGE = 100;
const FILTERS = ['q', 'group', 'source', 'plugin', 'node', 'state'];

function inputsPage(main, signal, _, params) {
  const fields = {};
  const form = h('form', {id: 'filters', class: 'filters', onsubmit: e => e.preventDefault()},
    FILTERS.map(f => {
      const attrs = {id: 'filter-' + f, name: f, value: params.get(f) || '', 'aria-label': f === 'q' ? 'search IDs' : f, title: f === 'q' ? 'IDs containing this' : f};
      fields[f] = f === 'state'
        ? h('select', attrs, ['', 'running', 'starting', 'failed', 'ended', 'unassigned', 'unknown'].map(v => h('option', {value: v, selected: v === (params.get(f) || '')}, v || 'any state')))
        : h('input', {...attrs, type: 'search', placeholder: f === 'q' ? 'search IDs' : f});
      return fields[f];
    }));
  const count = h('p', {id: 'count'}, 'loading…');
  const table = h('table', {id: 'inputs'});
  const pager = h('div', {class: 'pager'});
  main.append(h('h1', null, 'Inputs'), form, count, table, pager);
  let pageStart = '';
  let inner = null;
  const restart = () => {
    if (inner) inner.abort();
    inner = new AbortController();
    signal.addEventListener('abort', () => inner.abort(), {once: true});
    const q = new URLSearchParams({per_page: PER_PAGE, status: 'true'});
    const shown = new URLSearchParams();
    for (const f of FILTERS) {
      const v = fields[f].value.trim();
      if (v) { q.set(f, v); shown.set(f, v); }
    }
    if (pageStart) q.set('next_token', pageStart);
    history.replaceState(null, '', '#/inputs' + (shown.toString() ? '?' + shown : ''));
    const started = performance.now();
    let first = true;
    watch(inner.signal, '/v1/inputs?' + q, (list, res) => {
      const total = res.headers.get('X-Total-Count');
      const next = res.headers.get('X-Next-Token');
      count.textContent = `${total} input${total === '1' ? '' : 's'} match` + (pageStart ? ` (from ${pageStart})` : '');
      count.dataset.total = total;
      count.dataset.query = q.toString(); // which filters the shown answer is for
      if (first) { count.dataset.ms = Math.round(performance.now() - started); first = false; }
      drawInputs(table, list.inputs);
      pager.replaceChildren(
        pageStart ? h('button', {type: 'button', id: 'first-page', onclick: () => { pageStart = ''; restart(); }}, 'First page') : '',
        next ? h('button', {type: 'button', id: 'next-page', onclick: () => { pageStart = next; restart(); }}, 'Next page') : '');
    }, '10s'); // runtime counters change without raft changes: refresh them at least every 10 s
  };
  let timer = 0;
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { pageStart = ''; restart(); }, 150);
  });
  restart();
}

function drawInputs(table, inputs) {
  table.replaceChildren(
    h('thead', null, h('tr', null, ['input', 'plugin', 'group', 'owner', 'interval', 'state', 'last gather', 'took', 'gathers', 'errors', 'overruns', 'next slot', 'last error', ''].map(c => h('th', null, c)))),
    h('tbody', null, inputs.map(inp => {
      const st = inp.status;
      const state = !inp.node ? 'unassigned' : st ? st.state : 'unknown';
      return h('tr', {dataset: {input: inp.id}, class: state === 'failed' || st?.last_error ? 'bad' : ''},
        h('td', {class: 'id'}, h('a', {href: '#/input/' + encodeURIComponent(inp.id)}, inp.id)),
        h('td', null, inp.plugin),
        h('td', null, inp.group || ''),
        h('td', {class: 'owner', title: inp.reason ? 'because: ' + inp.reason : ''}, inp.node || `- (${inp.reason || 'unassigned'})`),
        h('td', null, inp.interval),
        h('td', {class: 'state'}, state),
        h('td', {title: st?.last_gather || ''}, ago(st?.last_gather)),
        h('td', null, st?.last_duration || '-'),
        h('td', null, st ? st.gathers : '-'),
        h('td', null, st ? st.errors : '-'),
        h('td', null, st ? st.overruns : '-'),
        h('td', {title: inp.next_slot || ''}, clock(inp.next_slot)),
        h('td', {class: 'error'}, st?.last_error || ''),
        h('td', null, deleteButton(inp.id)));
    })));
}

function deleteButton(id, after) {
  return writeButton('Delete', {class: 'delete'}, () => {
    if (confirm(`Delete input ${id}?`)) act('delete ' + id, async () => { await api('/v1/inputs/' + encodeURIComponent(id), {method: 'DELETE'}); after?.(); });
  });
}

// ---- one input -----------------------------------------------------------------------------------------------

function inputPage(main, signal, id) {
  const body = h('div', {id: 'input-detail'}, 'loading…');
  main.append(h('h1', null, 'Input ', h('code', null, id)), body);
  watch(signal, '/v1/inputs/' + encodeURIComponent(id), inp => {
    const st = inp.status || {};
    const row = (k, v) => h('tr', null, h('th', null, k), h('td', null, v ?? '-'));
    body.replaceChildren(
      h('table', {class: 'kv'}, h('tbody', null,
        row('plugin', inp.plugin), row('owner', inp.node || '(none)'), row('why there', inp.reason),
        row('interval', inp.interval), row('timeout', inp.timeout), row('group', inp.group), row('source', inp.source),
        row('version', inp.version), row('generation', inp.generation), row('state', st.state),
        row('last gather', st.last_gather ? `${clock(st.last_gather)} (${ago(st.last_gather)})` : '-'),
        row('last duration', st.last_duration), row('gathers', st.gathers), row('errors', st.errors),
        row('overruns', st.overruns), row('skipped', st.skipped), row('last error', st.last_error),
        row('next slot', clock(inp.next_slot)))),
      h('h2', null, 'Moves'),
      h('table', {id: 'moves'},
        h('thead', null, h('tr', null, ['when', 'generation', 'from', 'to', 'why'].map(c => h('th', null, c)))),
        h('tbody', null, (inp.moves || []).map(m => h('tr', null,
          h('td', null, clock(m.at)), h('td', null, m.generation), h('td', null, m.from || '(new)'),
          h('td', null, m.to || '(none)'), h('td', {class: 'reason'}, m.reason || ''))))),
      h('h2', null, 'Config'),
      h('pre', null, JSON.stringify(inp.config || {}, null, 2)),
      deleteButton(inp.id, () => { location.hash = '#/inputs'; }));
  }, '10s'); // the owner's counters change without raft changes
}

// ---- activity ------------------------------------------------------------------------------------------------

const COLORS = ['#2f6fdf', '#d9482b', '#2a9d55', '#9b51e0', '#e0a800', '#17a2b8', '#6c757d', '#e83e8c'];

function activityPage(main, signal) {
  const charts = h('div', {class: 'charts'});
  const timeline = h('ol', {id: 'timeline'});
  main.append(h('h1', null, 'Activity'), charts, h('h2', null, 'Timeline'), timeline);
  const view = {history: null, events: null};
  const draw = () => {
    const items = [];
    for (const g of view.history?.generations || []) items.push({at: g.at, el: generationItem(g)});
    for (const e of view.events?.events || []) {
      items.push({at: e.at, el: h('li', {class: 'event ' + e.kind}, h('time', null, clock(e.at)), h('b', null, e.kind.replace('_', ' ')), ' ', e.node || '', ': ', e.detail || '')});
    }
    items.sort((a, b) => new Date(b.at || 0) - new Date(a.at || 0));
    timeline.replaceChildren(...items.map(i => i.el));
  };
  watch(signal, '/v1/history?limit=100&moves=50', v => { view.history = v; draw(); });
  watch(signal, '/v1/events?limit=200', v => { view.events = v; draw(); });
  (async () => {
    while (!signal.aborted) {
      try {
        const r = await api('/v1/series', {signal});
        charts.replaceChildren(
          chart('Gathers per second, per node (last hour)', r.data.nodes, p => p.gathers / p.seconds, 'chart-gathers'),
          chart('Errors per 10 s, per node (last hour)', r.data.nodes, p => p.errors, 'chart-errors'));
      } catch (e) {
        if (e instanceof AuthError) return;
      }
      await sleep(10000, signal);
    }
  })();
}

function generationItem(g) {
  const reasons = Object.entries(g.reasons).map(([r, n]) => `${n} ${r || 'unknown'}`).join(', ');
  const moves = g.moves.map(m => h('li', null, h('a', {href: '#/input/' + encodeURIComponent(m.input)}, m.input), `: ${m.from || '(new)'} → ${m.to || '(none)'} (${m.reason || '?'})`));
  return h('li', {class: 'generation', dataset: {generation: g.generation}},
    h('time', null, clock(g.at)), h('b', null, 'generation ' + g.generation), ` moved ${g.total} input${g.total === 1 ? '' : 's'}: ${reasons}`,
    h('details', null, h('summary', null, g.total > moves.length ? `first ${moves.length}` : 'which'), h('ul', null, moves)));
}

// chart draws one line per node of value(point) over the last hour, as inline SVG.
function chart(title, nodes, value, id) {
  const W = 640, H = 180, L = 48, B = 20, now = Date.now(), from = now - 3600e3;
  let max = 0;
  for (const n of nodes) for (const p of n.points) max = Math.max(max, value(p) || 0);
  max = max > 0 ? max * 1.1 : 1;
  const x = t => L + (new Date(t).getTime() - from) / 3600e3 * (W - L - 8);
  const y = v => 8 + (H - B - 8) * (1 - v / max);
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', id, role: 'img', 'aria-label': title},
    s('line', {x1: L, y1: H - B, x2: W - 8, y2: H - B, stroke: '#999'}),
    s('text', {x: L - 4, y: 14, 'text-anchor': 'end', 'font-size': 11}, fmt(max)),
    s('text', {x: L - 4, y: H - B, 'text-anchor': 'end', 'font-size': 11}, '0'),
    s('text', {x: L, y: H - 4, 'font-size': 11}, '-60 min'),
    s('text', {x: W - 8, y: H - 4, 'text-anchor': 'end', 'font-size': 11}, 'now'),
    nodes.map((n, i) => s('polyline', {fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 2, dataset: {node: n.node},
      points: n.points.filter(p => new Date(p.at).getTime() >= from).map(p => `${x(p.at).toFixed(1)},${y(value(p) || 0).toFixed(1)}`).join(' ')})));
  const legend = h('div', {class: 'legend'}, nodes.map((n, i) => h('span', {class: 'swatch-' + (i % COLORS.length)}, '■ ', n.node + (n.error ? ' (not answering)' : ''))));
  return h('figure', null, h('figcaption', null, title), svg, legend);
}

function fmt(v) { return v >= 100 ? Math.round(v) : v.toFixed(v >= 10 ? 1 : 2); }

// ---- apply ---------------------------------------------------------------------------------------------------

function applyPage(main) {
  const toml = h('textarea', {id: 'toml', rows: 14, spellcheck: 'false', placeholder: '[[inputs.http_response]]\n  urls = ["http://10.0.0.1/health"]\n  interval = "30s"'});
  const source = h('input', {id: 'source', value: 'console', title: 'the source these inputs belong to'});
  const prune = h('input', {id: 'prune', type: 'checkbox'});
  const plan = h('div', {id: 'plan'});
  const applyBtn = writeButton('Apply', {id: 'apply', class: 'primary'}, () => run(false));
  applyBtn.disabled = true;
  const planBtn = writeButton('Plan (dry run)', {id: 'dry-run'}, () => run(true));
  // Apply only what the plan on screen shows: any change asks for a new plan.
  for (const el of [toml, source, prune]) el.addEventListener('input', () => { applyBtn.disabled = true; });
  main.append(h('h1', null, 'Apply Telegraf TOML'),
    h('p', null, 'Paste [[inputs.*]] tables. A table with several targets becomes one input per target. Plan first: nothing changes until Apply.'),
    toml, h('div', {class: 'row'}, h('label', null, 'source ', source), h('label', null, prune, ' prune: delete this source\'s inputs missing from the text'), planBtn, applyBtn), plan);
  async function run(dry) {
    const q = new URLSearchParams({source: source.value.trim() || 'console'});
    if (prune.checked) q.set('prune', 'true');
    if (dry) q.set('dry_run', 'true');
    try {
      const r = await api('/v1/inputs?' + q, {method: 'POST', body: toml.value, type: 'application/toml'});
      const res = r.data;
      const list = (label, ids) => h('div', {class: 'plan-' + label}, h('h3', null, `${label}: ${ids.length}`),
        h('ul', null, ids.slice(0, 200).map(id => h('li', null, dry ? id : h('a', {href: '#/input/' + encodeURIComponent(id)}, id)))),
        ids.length > 200 ? h('p', null, `and ${ids.length - 200} more`) : '');
      plan.replaceChildren(h('h2', {id: dry ? 'plan-title' : 'applied-title'}, dry ? 'Plan (nothing changed yet)' : `Applied at index ${res.index}`),
        list('created', res.created), list('updated', res.updated), list('deleted', res.deleted),
        h('p', {class: 'plan-unchanged'}, `unchanged: ${res.unchanged}`),
        dry ? '' : h('a', {href: '#/inputs?source=' + encodeURIComponent(q.get('source')), id: 'see-inputs'}, 'See these inputs'));
      applyBtn.disabled = !dry || !canWrite();
      flash(dry ? '' : 'applied', true);
    } catch (e) {
      if (e instanceof AuthError) return;
      plan.replaceChildren(h('p', {class: 'error', id: 'plan-error'}, e.message + (e.field ? ` (at ${e.field})` : '')));
      applyBtn.disabled = true;
    }
  }
}

// ---- shell ---------------------------------------------------------------------------------------------------

const PAGES = {cluster: clusterPage, inputs: inputsPage, input: inputPage, activity: activityPage, apply: applyPage};

function route() {
  if (state.abort) state.abort.abort();
  state.abort = new AbortController();
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/');
  const page = PAGES[name] ? name : 'cluster';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === (page === 'input' ? 'inputs' : page));
  const main = document.getElementById('main');
  main.replaceChildren();
  main.dataset.page = page;
  flash('');
  PAGES[page](main, state.abort.signal, decodeURIComponent(rest.join('/')), new URLSearchParams(query || ''));
}

async function start() {
  try {
    const r = await api('/v1/auth');
    state.role = r.data.role;
  } catch (e) {
    if (!(e instanceof AuthError)) flash('cannot reach the API: ' + e.message);
    return;
  }
  document.getElementById('login').hidden = true;
  document.getElementById('main').hidden = false;
  document.body.dataset.role = state.role;
  document.getElementById('whoami').textContent = state.role === 'open' ? 'open API' : state.role + ' token';
  document.getElementById('forget').hidden = state.role === 'open';
  route();
}

document.getElementById('login-form').addEventListener('submit', e => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
  document.getElementById('token').value = '';
  start();
});
document.getElementById('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.abort) state.abort.abort();
  showLogin('Token forgotten.');
});
window.addEventListener('hashchange', () => { if (state.role) route(); });
start();
