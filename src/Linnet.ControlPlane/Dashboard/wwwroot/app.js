// Linnet's dashboard: plain JavaScript, no build step, nothing loaded from elsewhere. Every call goes to this
// control plane's API with the session cookie and the session's CSRF token; every value from the API is put on
// the page as text (textContent), never as markup.
'use strict';

(() => {
  const csrf = document.querySelector('meta[name="linnet-csrf"]').content;
  const view = document.getElementById('view');
  const status = document.getElementById('status');
  const windowSelect = document.getElementById('window');
  const refreshMs = 5000;

  // The page's views, by the first part of the location hash. A view (as image-update approvals below) registers
  // itself here and adds a link to #nav: views.name = { title, render(args, ctx) }.
  const views = {};
  let current = { timer: null, abort: null };

  // ---- helpers ---------------------------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  class SignedOut extends Error {}

  // path: under /api/v1/, or absolute (Keel's /v1/approvals).
  async function api(path, params, init) {
    const url = new URL(path.startsWith('/') ? path : '/api/v1/' + path, location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
    }
    const res = await fetch(url, Object.assign({ headers: { 'X-Linnet-Csrf': csrf, 'Accept': 'application/json' }, credentials: 'same-origin', cache: 'no-store' }, init || {}));
    if (res.status === 401) throw new SignedOut('signed out');
    return res;
  }

  async function apiJson(path, params, signal) {
    const res = await api(path, params, { signal });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || res.statusText);
    return body;
  }

  const pct = r => r === null || r === undefined ? '-' : (r * 100).toFixed(2) + '%';
  const rps = r => (r || 0).toFixed(2) + ' rps';
  const ms = v => v === null || v === undefined ? '-' : (v >= 100 ? Math.round(v) : +v.toFixed(2)) + ' ms';
  const micros = m => m < 1000 ? m + 'µs' : m < 1e6 ? Math.floor(m / 1000) + 'ms' : (m / 1e6).toFixed(3).replace(/\.?0+$/, '') + 's';
  const successClass = r => r === null || r === undefined ? '' : r >= 0.95 ? 'ok' : 'bad';

  function table(columns, rows, testid) {
    return el('table', { 'data-testid': testid },
      el('thead', null, el('tr', null, columns.map(c => el('th', { class: c.num ? 'num' : '' }, c.title)))),
      // A live view passes its own tbody (it adds rows as events arrive).
      rows instanceof HTMLTableSectionElement ? rows : el('tbody', null, rows));
  }

  function statColumns(first) {
    return [{ title: first }, { title: 'Meshed', num: true }, { title: 'Success', num: true }, { title: 'RPS', num: true },
      { title: 'P50', num: true }, { title: 'P95', num: true }, { title: 'P99', num: true }, { title: 'TCP', num: true }];
  }

  function statCells(row, name, meshed) {
    return [
      el('td', { 'data-col': 'name' }, name),
      el('td', { class: 'num', 'data-col': 'meshed' }, meshed ? `${row.meshedPods}/${row.pods}` : '-'),
      el('td', { class: 'num ' + successClass(row.successRate), 'data-col': 'success' }, pct(row.successRate)),
      el('td', { class: 'num', 'data-col': 'rps' }, rps(row.rps)),
      el('td', { class: 'num', 'data-col': 'p50' }, ms(row.latencyP50Ms)),
      el('td', { class: 'num', 'data-col': 'p95' }, ms(row.latencyP95Ms)),
      el('td', { class: 'num', 'data-col': 'p99' }, ms(row.latencyP99Ms)),
      el('td', { class: 'num', 'data-col': 'tcp' }, meshed ? String(row.tcpConnections ?? 0) : '-'),
    ];
  }

  function workloadLink(ns, name) {
    return el('a', { href: `#/workload/${encodeURIComponent(ns)}/${encodeURIComponent(name)}` }, `${ns}/${name}`);
  }

  function showError(e) {
    if (e instanceof SignedOut) {
      view.replaceChildren(el('p', { class: 'error', 'data-testid': 'signed-out' }, 'Signed out. Run ', el('code', null, 'linnet dashboard'), ' and open the URL it prints.'));
      stop();
      return;
    }
    if (e && e.name === 'AbortError') return;
    status.textContent = 'Error: ' + (e && e.message ? e.message : e);
    status.className = 'error';
  }

  function ok(text) {
    status.textContent = text;
    status.className = 'muted';
  }

  function stop() {
    if (current.timer) clearInterval(current.timer);
    if (current.abort) current.abort.abort();
    current = { timer: null, abort: null };
  }

  // Runs load() now and every refreshMs while the view is shown. load() fetches and returns a draw function;
  // it is called only when what was fetched differs from the last time, so an unchanged view is left alone
  // (no flicker, a row or node under the pointer stays the same element).
  function every(load) {
    let last = null;
    const run = () => load().then(([data, draw]) => {
      const key = JSON.stringify(data);
      if (key !== last) {
        last = key;
        draw();
      }
      ok('Updated ' + new Date().toLocaleTimeString());
    }, showError);
    run();
    current.timer = setInterval(run, refreshMs);
  }

  // ---- overview: namespaces and workloads ----------------------------------------------------------------------

  views.overview = {
    render() {
      const filter = el('input', { type: 'search', placeholder: 'Filter workloads', 'aria-label': 'Filter workloads', 'data-testid': 'workload-filter' });
      const nsBox = el('div');
      const wlBox = el('div');
      let last = [];
      const draw = () => {
        const f = filter.value.trim().toLowerCase();
        const rows = last.filter(r => !f || `${r.namespace}/${r.name}`.includes(f));
        wlBox.replaceChildren(table(statColumns('Workload'), rows.map(r =>
          el('tr', { 'data-workload': `${r.namespace}/${r.name}` }, statCells(r, workloadLink(r.namespace, r.name), true))), 'workloads'),
        el('p', { class: 'muted', 'data-testid': 'workload-count' }, `${rows.length} of ${last.length} workloads`));
      };
      filter.addEventListener('input', draw);
      view.replaceChildren(el('h2', null, 'Namespaces'), nsBox, el('h2', null, 'Workloads'), el('div', { class: 'toolbar' }, filter), wlBox);
      every(async () => {
        const w = windowSelect.value;
        const [ns, wl] = await Promise.all([apiJson('stat', { resource: 'namespaces', window: w }), apiJson('stat', { resource: 'workloads', window: w })]);
        return [[ns, wl], () => {
          nsBox.replaceChildren(table(statColumns('Namespace'), ns.rows.map(r => el('tr', { 'data-namespace': r.name }, statCells(r, r.name, true))), 'namespaces'));
          last = wl.rows;
          draw();
        }];
      });
    },
  };

  // ---- call graph ---------------------------------------------------------------------------------------------

  // Columns by longest path from a node without callers (cycles cut), rows in order within a column.
  function layout(nodes, edges) {
    const depth = new Map(nodes.map(n => [n, 0]));
    for (let pass = 0; pass < nodes.length; pass++) {
      let changed = false;
      for (const e of edges) {
        if (e.from !== e.to && depth.get(e.to) < depth.get(e.from) + 1 && depth.get(e.from) + 1 < nodes.length) {
          depth.set(e.to, depth.get(e.from) + 1);
          changed = true;
        }
      }
      if (!changed) break;
    }
    const layers = [];
    for (const n of nodes) (layers[depth.get(n)] ||= []).push(n);
    // A layer taller than maxRows wraps into several columns, so that a mesh of hundreds of workloads stays a
    // readable rectangle rather than one column thousands of pixels tall.
    const maxRows = Math.max(6, Math.ceil(Math.sqrt(nodes.length * 1.5)));
    const columns = [];
    for (const layer of layers) {
      for (let i = 0; i < (layer || []).length; i += maxRows) columns.push(layer.slice(i, i + maxRows));
    }
    const pos = new Map();
    const colWidth = 230, rowHeight = 80;
    columns.forEach((col, i) => col.forEach((n, j) => pos.set(n, { x: 110 + i * colWidth, y: 60 + j * rowHeight })));
    const width = 220 + Math.max(0, columns.length - 1) * colWidth;
    const height = 120 + Math.max(0, ...columns.map(c => c.length - 1)) * rowHeight;
    return { pos, width, height };
  }

  function drawGraph(edges, onNode) {
    const key = (ns, n) => `${ns}/${n}`;
    const list = edges.map(e => ({ from: key(e.srcNamespace, e.src), to: key(e.dstNamespace, e.dst), secured: e.secured, requests: e.requests }));
    const nodes = [...new Set(list.flatMap(e => [e.from, e.to]))].sort();
    const { pos, width, height } = layout(nodes, list);
    const root = svg('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, 'data-testid': 'graph', role: 'img', 'aria-label': 'Call graph' });
    root.append(svg('defs', null,
      svg('marker', { id: 'arrow-ok', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#12805c' })),
      svg('marker', { id: 'arrow-bad', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#c4320a' }))));
    const r = 26;
    for (const e of list) {
      const a = pos.get(e.from), b = pos.get(e.to);
      const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
      const x1 = a.x + dx / len * r, y1 = a.y + dy / len * r, x2 = b.x - dx / len * r, y2 = b.y - dy / len * r;
      const cls = 'edge ' + (e.secured ? 'secured' : 'unsecured');
      root.append(svg('g', { 'data-edge': `${e.from}->${e.to}`, 'data-secured': e.secured },
        svg('line', { class: cls, x1, y1, x2, y2, 'marker-end': `url(#arrow-${e.secured ? 'ok' : 'bad'})` }),
        svg('text', { class: 'edge-label', x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle' }, `${e.requests} req${e.secured ? ' 🔒' : ''}`)));
    }
    for (const n of nodes) {
      const p = pos.get(n);
      root.append(svg('g', { class: 'node', 'data-node': n, transform: `translate(${p.x},${p.y})`, onclick: () => onNode(n) },
        svg('circle', { r }), svg('text', { y: r + 16, 'text-anchor': 'middle' }, n)));
    }
    return root;
  }

  function edgeTable(edges) {
    return table([{ title: 'Source' }, { title: 'Destination' }, { title: 'Secured' }, { title: 'Client ID' }, { title: 'Server ID' }, { title: 'Requests', num: true }],
      edges.map(e => el('tr', { 'data-edge': `${e.srcNamespace}/${e.src}->${e.dstNamespace}/${e.dst}` },
        el('td', null, workloadLink(e.srcNamespace, e.src)), el('td', null, workloadLink(e.dstNamespace, e.dst)),
        el('td', { class: e.secured ? 'ok' : 'bad', 'data-col': 'secured' }, e.secured ? '√' : '×'),
        el('td', null, e.clientId || '-'), el('td', null, e.serverId || '-'), el('td', { class: 'num', 'data-col': 'requests' }, String(e.requests)))), 'edges');
  }

  views.graph = {
    render() {
      const box = el('div');
      const tableBox = el('div');
      view.replaceChildren(el('h2', null, 'Who calls whom'),
        el('p', { class: 'legend muted' }, el('span', { class: 'ok' }, '── secured (mTLS)'), el('span', { class: 'bad' }, '- - unsecured')), box, el('h2', null, 'Edges'), tableBox);
      every(async () => {
        const body = await apiJson('edges', { window: windowSelect.value });
        return [body, () => {
          box.replaceChildren(body.edges.length ? drawGraph(body.edges, n => { location.hash = '#/workload/' + n.split('/').map(encodeURIComponent).join('/'); })
            : el('p', { class: 'muted', 'data-testid': 'no-edges' }, 'No traffic between workloads in this window.'));
          tableBox.replaceChildren(edgeTable(body.edges));
        }];
      });
    },
  };

  // ---- workload detail ----------------------------------------------------------------------------------------

  views.workload = {
    render([ns, name]) {
      const ref = `${ns}/${name}`;
      const boxes = { self: el('div'), inbound: el('div'), outbound: el('div'), edges: el('div'), routes: el('div') };
      view.replaceChildren(el('h2', { 'data-testid': 'workload-title' }, `Workload ${ref}`), boxes.self,
        el('h2', null, 'Inbound (by caller)'), boxes.inbound, el('h2', null, 'Outbound (by destination)'), boxes.outbound,
        el('h2', null, 'Edges'), boxes.edges, el('h2', null, 'Routes'), boxes.routes,
        el('p', null, el('a', { href: `#/tap?namespace=${encodeURIComponent(ns)}&resource=deploy&name=${encodeURIComponent(name)}` }, 'Tap this workload')));
      every(async () => {
        const w = windowSelect.value;
        const [self, inbound, outbound, edges, routes] = await Promise.all([
          apiJson('stat', { resource: 'workloads', namespace: ns, name, window: w }),
          apiJson('stat', { resource: 'workloads', to: ref, window: w }),
          apiJson('stat', { resource: 'workloads', from: ref, window: w }),
          apiJson('edges', { window: w }),
          apiJson('routes', { namespace: ns, workload: name, window: w }),
        ]);
        return [[self, inbound, outbound, edges, routes], () => {
        boxes.self.replaceChildren(table(statColumns('Workload'), self.rows.map(r => el('tr', null, statCells(r, `${r.namespace}/${r.name}`, true))), 'workload-stat'));
        boxes.inbound.replaceChildren(table(statColumns('From'), inbound.rows.map(r => el('tr', { 'data-workload': `${r.namespace}/${r.name}` }, statCells(r, workloadLink(r.namespace, r.name), false))), 'inbound'));
        boxes.outbound.replaceChildren(table(statColumns('To'), outbound.rows.map(r => el('tr', { 'data-workload': `${r.namespace}/${r.name}` }, statCells(r, workloadLink(r.namespace, r.name), false))), 'outbound'));
        boxes.edges.replaceChildren(edgeTable(edges.edges.filter(e => `${e.srcNamespace}/${e.src}` === ref || `${e.dstNamespace}/${e.dst}` === ref)));
        boxes.routes.replaceChildren(table([{ title: 'Route' }, { title: 'Kind' }, { title: 'Parent' }, { title: 'Success', num: true }, { title: 'RPS', num: true }, { title: 'Requests', num: true }],
          routes.routes.map(r => el('tr', { 'data-route': r.route },
            el('td', null, r.route || '[default]'), el('td', null, r.kind), el('td', null, r.parent),
            el('td', { class: 'num ' + successClass(r.successRate) }, pct(r.successRate)), el('td', { class: 'num' }, rps(r.rps)), el('td', { class: 'num', 'data-col': 'requests' }, String(r.requests)))), 'routes'));
        }];
      });
    },
  };

  // ---- tap and top: one form, one stream --------------------------------------------------------------------

  const tapFields = ['namespace', 'resource', 'name', 'to', 'method', 'authority', 'path', 'maxRps'];

  function tapForm(params, onStart, onStop) {
    const inputs = {
      namespace: el('input', { name: 'namespace', value: params.get('namespace') || 'default', size: 10 }),
      resource: el('select', { name: 'resource' }, ['deploy', 'po', 'ns'].map(v => el('option', { value: v, selected: params.get('resource') === v }, v))),
      name: el('input', { name: 'name', value: params.get('name') || '', size: 14, placeholder: 'web' }),
      to: el('input', { name: 'to', value: params.get('to') || '', size: 12, placeholder: 'deploy name' }),
      method: el('input', { name: 'method', value: params.get('method') || '', size: 6, placeholder: 'GET' }),
      authority: el('input', { name: 'authority', value: params.get('authority') || '', size: 14 }),
      path: el('input', { name: 'path', value: params.get('path') || '', size: 12, placeholder: '/prefix' }),
      maxRps: el('input', { name: 'maxRps', value: params.get('maxRps') || '100', size: 5 }),
    };
    const start = el('button', { type: 'submit', 'data-testid': 'tap-start' }, 'Start');
    const stopButton = el('button', { type: 'button', 'data-testid': 'tap-stop', disabled: true }, 'Stop');
    const form = el('form', { class: 'toolbar', 'data-testid': 'tap-form' },
      tapFields.map(f => el('label', null, f, inputs[f])), start, stopButton);
    form.addEventListener('submit', ev => {
      ev.preventDefault();
      const q = {};
      for (const f of tapFields) q[f] = inputs[f].value.trim();
      start.disabled = true;
      stopButton.disabled = false;
      onStart(q).finally(() => { start.disabled = false; stopButton.disabled = true; });
    });
    stopButton.addEventListener('click', () => onStop());
    return form;
  }

  // Reads /api/v1/tap's newline-delimited JSON until stopped; calls onLine for each object.
  async function tapStream(q, onLine) {
    stopStream();
    const abort = new AbortController();
    current.abort = abort;
    const res = await api('tap', q, { signal: abort.signal });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body.error || res.statusText);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) onLine(JSON.parse(line));
        }
      }
    } finally {
      reader.releaseLock();
    }
  }

  function stopStream() {
    if (current.abort) current.abort.abort();
    current.abort = null;
  }

  const peer = (meta, address) => (meta && (meta.pod || meta.deployment)) || address || '';

  function runTap(q, onEvent) {
    ok('Starting tap…');
    return tapStream(q, line => {
      if (line.type === 'started') ok(`Tapping ${line.target}: ${line.proxies.length} proxies` + (line.pending.length ? `, ${line.pending.length} not answering` : ''));
      else if (line.type === 'event') onEvent(line);
    }).then(() => ok('Tap ended.'), showError);
  }

  views.tap = {
    render(_, params) {
      const maxRows = 500;
      const events = [];
      const filter = el('input', { type: 'search', placeholder: 'Filter rows (any text)', 'aria-label': 'Filter tap rows', 'data-testid': 'tap-filter' });
      const body = el('tbody');
      const detail = el('div', { 'data-testid': 'tap-detail' }, el('p', { class: 'muted' }, 'Select a request to see its headers.'));
      // The route rule the request matched (Linkerd's rt_route), as namespace/name; empty when no route chose it.
      const routeOf = e => (e.routeMeta && e.routeMeta.route) ? (e.routeMeta.namespace ? `${e.routeMeta.namespace}/${e.routeMeta.route}` : e.routeMeta.route) : '';
      const text = e => [e.direction, peer(e.sourceMeta, e.source), peer(e.destinationMeta, e.destination), e.method, e.authority, e.path, routeOf(e), String(e.status)].join(' ').toLowerCase();
      const matches = e => !filter.value.trim() || text(e).includes(filter.value.trim().toLowerCase());
      const row = e => {
        const tr = el('tr', { class: 'clickable', 'data-path': e.path, 'data-status': e.status },
          el('td', null, new Date(Number(e.timestampMs)).toLocaleTimeString()), el('td', null, e.direction),
          el('td', null, peer(e.sourceMeta, e.source)), el('td', null, peer(e.destinationMeta, e.destination)),
          el('td', { class: e.tls ? 'ok' : 'bad' }, e.tls ? 'mTLS' : 'plain'), el('td', null, e.method), el('td', null, e.authority),
          el('td', { 'data-col': 'path' }, e.path), el('td', { 'data-col': 'route' }, routeOf(e)),
          el('td', { class: 'num ' + (e.status < 500 ? 'ok' : 'bad'), 'data-col': 'status' }, String(e.status)),
          el('td', { class: 'num' }, micros(Number(e.responseEndMicros))));
        tr.addEventListener('click', () => {
          for (const s of body.querySelectorAll('tr.selected')) s.classList.remove('selected');
          tr.classList.add('selected');
          showDetail(e);
        });
        return tr;
      };
      const headerTable = (title, headers, testid) => [el('h2', null, title), table([{ title: 'Name' }, { title: 'Value' }],
        (headers || []).map(h => el('tr', { 'data-header': h.name }, el('td', null, h.name), el('td', { class: h.redacted ? 'muted' : '' }, h.value))), testid)];
      const showDetail = e => detail.replaceChildren(...[
        el('h2', null, `${e.method} ${e.authority}${e.path} → ${e.status}`),
        el('p', null, `${e.direction} · ${e.tls ? 'mTLS' : 'plaintext'} · client ${e.clientId || '-'} · server ${e.serverId || '-'}` + (e.grpcStatus !== undefined ? ` · grpc-status ${e.grpcStatus}` : '')),
        el('p', { 'data-testid': 'tap-route' }, routeOf(e) ? `route ${routeOf(e)} (${e.routeMeta.kind})` : 'no route'),
        headerTable('Request headers', e.requestHeaders, 'request-headers'), headerTable('Response headers', e.responseHeaders, 'response-headers'),
        (e.trailers || []).length ? headerTable('Trailers', e.trailers, 'trailers') : [],
      ].flat());
      const redraw = () => body.replaceChildren(...events.filter(matches).map(row));
      filter.addEventListener('input', redraw);
      const form = tapForm(params, q => runTap(q, e => {
        events.unshift(e);
        if (events.length > maxRows) events.pop();
        if (matches(e)) {
          body.prepend(row(e));
          while (body.children.length > maxRows) body.lastChild.remove();
        }
      }), stopStream);
      view.replaceChildren(el('h2', null, 'Live tap'), form, el('div', { class: 'toolbar' }, filter),
        el('div', { class: 'split' },
          el('div', null, table([{ title: 'Time' }, { title: 'Dir' }, { title: 'Source' }, { title: 'Destination' }, { title: 'TLS' }, { title: 'Method' }, { title: 'Authority' }, { title: 'Path' }, { title: 'Route' }, { title: 'Status', num: true }, { title: 'Latency', num: true }], body, 'tap-rows')),
          detail));
      if (params.get('name') || params.get('resource') === 'ns') form.requestSubmit();
    },
  };

  views.top = {
    render(_, params) {
      const rows = new Map();
      const body = el('tbody');
      const draw = () => body.replaceChildren(...[...rows.values()]
        .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source) || a.destination.localeCompare(b.destination) || a.path.localeCompare(b.path))
        .slice(0, 100)
        .map(r => el('tr', { 'data-top': `${r.source} ${r.destination} ${r.method} ${r.path}` },
          el('td', null, r.source), el('td', null, r.destination), el('td', null, r.method), el('td', { 'data-col': 'path' }, r.path),
          el('td', { class: 'num', 'data-col': 'count' }, String(r.count)), el('td', { class: 'num' }, micros(r.best)), el('td', { class: 'num' }, micros(r.worst)),
          el('td', { class: 'num' }, micros(r.last)), el('td', { class: 'num ' + successClass(r.ok / r.count), 'data-col': 'success' }, pct(r.ok / r.count)))));
      const form = tapForm(params, q => { rows.clear(); draw(); return runTap(q, e => {
        // Linkerd's top: a request is one row per source, destination, method and path (without the query);
        // success is a status below 500 and, for gRPC, OK; latencies run to the response's end.
        const path = (e.path || '').split('?')[0];
        const source = peer(e.sourceMeta, e.source), destination = peer(e.destinationMeta, e.destination);
        const k = [source, destination, e.method, path].join('\u0000');
        const latency = Number(e.responseEndMicros);
        const r = rows.get(k) || { source, destination, method: e.method, path, count: 0, ok: 0, best: Infinity, worst: 0, last: 0 };
        r.count++;
        if (e.status > 0 && e.status < 500 && (e.grpcStatus === undefined || e.grpcStatus === 0) && e.endOfStream !== false) r.ok++;
        r.best = Math.min(r.best, latency);
        r.worst = Math.max(r.worst, latency);
        r.last = latency;
        rows.set(k, r);
        draw();
      }); }, stopStream);
      view.replaceChildren(el('h2', null, 'Top'), form,
        table([{ title: 'Source' }, { title: 'Destination' }, { title: 'Method' }, { title: 'Path' }, { title: 'Count', num: true }, { title: 'Best', num: true }, { title: 'Worst', num: true }, { title: 'Last', num: true }, { title: 'Success Rate', num: true }], body, 'top-rows'));
      if (params.get('name') || params.get('resource') === 'ns') form.requestSubmit();
    },
  };

  // ---- rollouts ------------------------------------------------------------------------------------------------

  views.rollouts = {
    render() {
      const box = el('div');
      view.replaceChildren(el('h2', null, 'Rollouts (Canary)'), box);
      every(async () => {
        const body = await apiJson('resources', { kind: 'Canary' });
        return [body.items, () => body.items.length ? drawRollouts(body.items) : box.replaceChildren(el('p', { class: 'muted', 'data-testid': 'no-rollouts' }, 'No Canary resources.'))];
      });
      const drawRollouts = items => {
        box.replaceChildren(...items.map(c => {
          const s = c.status || {};
          const metrics = s.metrics || [];
          const events = (s.events || []).slice(-5);
          return el('section', { 'data-canary': `${c.metadata.namespace}/${c.metadata.name}` },
            el('h2', null, `${c.metadata.namespace}/${c.metadata.name} → ${(c.spec && c.spec.targetRef && c.spec.targetRef.name) || ''}`),
            table([{ title: 'Phase' }, { title: 'Canary weight', num: true }, { title: 'Failed checks', num: true }, { title: 'Iterations', num: true }, { title: 'Last transition' }],
              [el('tr', null, el('td', { 'data-col': 'phase' }, s.phase || 'Initializing'), el('td', { class: 'num', 'data-col': 'weight' }, String(s.canaryWeight ?? 0)),
                el('td', { class: 'num', 'data-col': 'failed' }, String(s.failedChecks ?? 0)), el('td', { class: 'num' }, String(s.iterations ?? 0)), el('td', null, s.lastTransitionTime || '-'))], 'canary-status'),
            metrics.length ? table([{ title: 'Metric' }, { title: 'Value', num: true }, { title: 'Min', num: true }, { title: 'Max', num: true }, { title: 'Passed' }],
              metrics.map(m => el('tr', { 'data-metric': m.name }, el('td', null, m.name), el('td', { class: 'num' }, m.value ?? '-'), el('td', { class: 'num' }, m.min ?? '-'), el('td', { class: 'num' }, m.max ?? '-'),
                el('td', { class: m.passed ? 'ok' : 'bad' }, m.passed ? 'yes' : 'no'))), 'canary-metrics') : null,
            events.length ? el('ul', null, events.map(e => el('li', null, `${e.at} ${e.type}: ${e.message}`))) : null);
        }));
      };
    },
  };

  // ---- approvals: image updates waiting for votes (Keel's /v1/approvals) ------------------------------------------

  views.approvals = {
    render() {
      const box = el('div');
      const decided = el('div');
      const result = el('p', { 'data-testid': 'approval-result', class: 'muted' });
      view.replaceChildren(el('h2', null, 'Image update approvals'), result, box, el('h2', null, 'Decided'), decided);
      let refresh = () => {};
      // A vote is cast as this session's identity (the admin); the control plane refuses what it must (409 twice, ...).
      const vote = async (a, action, button) => {
        button.disabled = true;
        try {
          const res = await api('/v1/approvals', null, { method: 'POST', headers: { 'X-Linnet-Csrf': csrf, 'Accept': 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify({ identifier: a.identifier, action }) });
          const body = await res.json();
          if (!res.ok) throw new Error(body.error || res.statusText);
          result.textContent = `${action === 'approve' ? 'Approved' : 'Rejected'} ${a.identifier}: ${body.state} (${body.votesReceived}/${body.votesRequired})`;
          refresh();
        } catch (e) {
          button.disabled = false;
          showError(e);
        }
      };
      const row = (a, pending) => el('tr', { 'data-approval': a.identifier },
        el('td', { 'data-col': 'workload' }, `${a.namespace}/${a.workload}`),
        el('td', { 'data-col': 'update' }, `${a.currentImage} → ${a.newImage}`),
        el('td', { class: 'num', 'data-col': 'votes' }, `${a.votesReceived}/${a.votesRequired}`),
        el('td', { 'data-col': 'voters' }, Object.keys(a.voters || {}).join(', ') || '-'),
        pending ? el('td', { 'data-col': 'deadline' }, a.deadline) : el('td', { 'data-col': 'state', class: a.state === 'applied' ? 'ok' : 'bad' }, a.state + (a.reason ? `: ${a.reason}` : '')),
        pending ? el('td', null,
          el('button', { type: 'button', 'data-action': 'approve', onclick: e => vote(a, 'approve', e.currentTarget) }, 'Approve'), ' ',
          el('button', { type: 'button', 'data-action': 'reject', onclick: e => vote(a, 'reject', e.currentTarget) }, 'Reject')) : null);
      const columns = last => [{ title: 'Workload' }, { title: 'Update' }, { title: 'Votes', num: true }, { title: 'Voters' }, { title: last }];
      const draw = list => {
        const pending = list.filter(a => a.state === 'pending');
        const done = list.filter(a => a.state !== 'pending');
        box.replaceChildren(pending.length
          ? table([...columns('Deadline'), { title: '' }], pending.map(a => row(a, true)), 'approvals-pending')
          : el('p', { class: 'muted', 'data-testid': 'no-approvals' }, 'No update waits for approval.'));
        decided.replaceChildren(done.length ? table(columns('State'), done.map(a => row(a, false)), 'approvals-decided') : el('p', { class: 'muted' }, 'None.'));
      };
      refresh = () => api('/v1/approvals').then(async res => {
        const body = await res.json();
        if (!res.ok) throw new Error(body.error || res.statusText);
        draw(body);
      }).catch(showError);
      every(async () => {
        const res = await api('/v1/approvals');
        const body = await res.json();
        if (!res.ok) throw new Error(body.error || res.statusText);
        return [body, () => draw(body)];
      });
    },
  };

  // ---- routing -------------------------------------------------------------------------------------------------

  function route() {
    stop();
    status.textContent = '';
    const hash = location.hash.replace(/^#\/?/, '');
    const [path, query] = hash.split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const name = parts[0] || 'overview';
    const v = views[name] || views.overview;
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === name);
    try {
      v.render(parts.slice(1), new URLSearchParams(query || ''));
    } catch (e) {
      showError(e);
    }
  }

  window.addEventListener('hashchange', route);
  windowSelect.addEventListener('change', route);
  document.getElementById('logout').addEventListener('click', async () => {
    stop();
    await fetch('/dashboard/logout', { method: 'POST', headers: { 'X-Linnet-Csrf': csrf }, credentials: 'same-origin' });
    view.replaceChildren(el('p', { 'data-testid': 'signed-out' }, 'Signed out.'));
  });
  route();
})();
