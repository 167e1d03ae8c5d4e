// The ward preview page: pick a round, a level and a ward; see the ward
// outlines, water and main roads, the catchments coloured by school and
// the schools sized by seats and coloured by fill; click a school or a
// catchment for its figures; approve. Plain JavaScript over Leaflet, no
// tiles: every layer comes from the API, so the page works offline.
'use strict';
(function () {
  const TOKEN_KEY = 'catchment.token';
  const $ = (id) => document.getElementById(id);
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    viewer: null,
    rounds: [],
    round: '',
    level: '',
    ward: '',
    base: null,
    data: null,
    digest: '',
    selected: '',
  };

  // --- the map and its panes (drawing order, bottom to top) ---
  const map = L.map('map', { zoomSnap: 0.25, zoomDelta: 0.5, attributionControl: true, center: [21.03, 105.85], zoom: 10 });
  map.attributionControl.setPrefix('Leaflet');
  map.attributionControl.addAttribution('Catchments derived from the round; base layers from its data');
  [['land', 300], ['catch', 400], ['water', 450], ['roads', 460], ['wardlines', 470], ['schools', 600]].forEach(([name, z]) => {
    const p = map.createPane(name);
    p.style.zIndex = z;
    if (name !== 'catch' && name !== 'schools') p.style.pointerEvents = 'none';
  });
  const layers = { land: null, water: null, roads: null, wardlines: null, theward: null, catch: null, schools: null };
  const byId = {}; // school id -> {feature, polygon, marker, row}

  const legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () {
    const div = L.DomUtil.create('div', 'legend');
    const rows = [
      ['i', fillColor(1), 'school full'], ['i', fillColor(0.95), '90% full or more'], ['i', fillColor(0), 'seats left'],
      ['b', '#4a90d9', 'river'], ['b', '#553f2c', 'major road'], ['b', '#111', 'this ward'],
    ];
    rows.forEach(([tag, colour, label]) => {
      const line = document.createElement('div');
      const mark = document.createElement(tag);
      mark.style.background = colour;
      line.append(mark, document.createTextNode(label));
      div.append(line);
    });
    return div;
  };
  legend.addTo(map);

  // --- helpers ---
  function fillColor(fill) { return fill >= 1 ? '#d7301f' : fill >= 0.9 ? '#fc8d59' : '#1a9850'; }
  function pct(x) { return (100 * x).toFixed(1) + '%'; }
  function setState(s) { document.body.dataset.state = s; }
  function status(msg) { $('status').textContent = msg; }
  function clearError() { $('error').hidden = true; $('error').textContent = ''; }
  function remove(name) { if (layers[name]) { map.removeLayer(layers[name]); layers[name] = null; } }
  function option(value, label) { const o = document.createElement('option'); o.value = value; o.textContent = label; return o; }

  async function api(path, opts) {
    opts = opts || {};
    const headers = Object.assign({ Authorization: 'Bearer ' + state.token }, opts.headers || {});
    const res = await fetch('api/' + path, Object.assign({}, opts, { headers: headers }));
    if (!res.ok) {
      let msg = res.statusText;
      try { msg = (await res.json()).error || msg; } catch (e) { /* not JSON */ }
      const err = new Error(msg);
      err.status = res.status;
      throw err;
    }
    return res;
  }

  function showError(err) {
    if (err.status === 401) {
      signOut('Your access token was not accepted (401). Sign in again.');
      return;
    }
    const el = $('error');
    el.textContent = err.status === 403 ? 'Not allowed (403): ' + err.message
      : err.status ? 'Error ' + err.status + ': ' + err.message : 'Error: ' + err.message;
    el.hidden = false;
    setState(err.status === 403 ? 'forbidden' : 'error');
    status('');
  }

  // --- signing in and out ---
  function showLogin(message) {
    setState('login');
    $('login').hidden = false;
    $('login-message').textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }
  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = '';
    $('signout').hidden = true;
    $('viewer').textContent = '';
    showLogin(message);
  }
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.token = $('token').value.trim();
    if (!state.token) return;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    $('login').hidden = true;
    start();
  });
  $('signout').addEventListener('click', () => signOut(''));

  // --- loading ---
  async function start() {
    if (!state.token) { showLogin(''); return; }
    clearError();
    setState('loading');
    try {
      state.viewer = await (await api('me')).json();
      const v = state.viewer;
      $('viewer').textContent = v.role === 'ward' ? 'Ward ' + v.ward + ' official: ' + v.name : v.role + ': ' + v.name;
      $('signout').hidden = false;
      state.rounds = await (await api('rounds')).json();
      const sel = $('round');
      sel.replaceChildren();
      state.rounds.forEach((r) => sel.append(option(r.id, r.id + ' (' + r.year + ', ' + r.mode + (r.published ? ', published' : '') + ')')));
      if (state.rounds.length === 0) { status('No rounds to show yet.'); setState('ready'); return; }
      const params = new URLSearchParams(location.search);
      state.round = params.get('round') || state.rounds[0].id;
      state.level = params.get('level') || '';
      state.ward = params.has('ward') ? params.get('ward') : (v.role === 'ward' ? v.ward : '');
      sel.value = state.round;
      sel.disabled = false;
      await loadRound();
    } catch (err) {
      showError(err);
    }
  }

  async function loadRound() {
    const info = state.rounds.find((r) => r.id === state.round);
    if (!info) { showError(Object.assign(new Error('no such round: ' + state.round), { status: 404 })); return; }
    const lsel = $('level');
    lsel.replaceChildren();
    info.levels.forEach((l) => lsel.append(option(l, l)));
    if (!info.levels.includes(state.level)) state.level = info.levels.includes('grade1') ? 'grade1' : info.levels[0];
    lsel.value = state.level;
    lsel.disabled = false;
    status('Loading the base layers…');
    state.base = await (await api('base?round=' + encodeURIComponent(state.round))).json();
    drawBase();
    fillWards();
    await loadCatchments();
  }

  function fillWards() {
    const wsel = $('ward');
    wsel.replaceChildren();
    const v = state.viewer;
    const wards = (state.base.wards.features || []).map((f) => f.properties);
    if (v.role !== 'ward') wsel.append(option('', '(whole city)'));
    wards.forEach((w) => {
      if (v.role !== 'ward' || w.code === v.ward || w.code === state.ward) wsel.append(option(w.code, w.code + ' ' + w.name));
    });
    if (state.ward && !wards.some((w) => w.code === state.ward)) wsel.append(option(state.ward, state.ward));
    wsel.value = state.ward;
    wsel.disabled = false;
  }

  function drawBase() {
    ['land', 'water', 'roads', 'wardlines'].forEach(remove);
    const b = state.base;
    layers.land = L.geoJSON(b.boundary || b.wards, { pane: 'land', interactive: false, style: { color: '#999', weight: 1, fillColor: '#fff', fillOpacity: 1 } }).addTo(map);
    if (b.rivers) {
      layers.water = L.geoJSON(b.rivers, {
        pane: 'water', interactive: false,
        style: (f) => /Polygon/.test(f.geometry.type) ? { stroke: false, fillColor: '#4a90d9', fillOpacity: 0.55 } : { color: '#4a90d9', weight: 3, opacity: 0.9 },
      }).addTo(map);
    }
    if (b.roads) {
      layers.roads = L.geoJSON(b.roads, {
        pane: 'roads', interactive: false,
        style: (f) => {
          const c = (f.properties && (f.properties.road_class || f.properties.highway)) || '';
          const major = c === 'motorway' || c === 'trunk' || c === 'primary';
          return { color: major ? '#553f2c' : '#8a7a6a', weight: major ? 3 : 1.5, opacity: 0.9 };
        },
      }).addTo(map);
    }
    layers.wardlines = L.geoJSON(b.wards, { pane: 'wardlines', interactive: false, style: { color: '#666', weight: 1, dashArray: '4 3', fill: false } }).addTo(map);
    // No animation: a second fit (to the ward) must not be swallowed by a
    // zoom animation still running.
    const bounds = layers.land.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { animate: false });
  }

  function clearCatchments() {
    ['catch', 'schools', 'theward'].forEach(remove);
    Object.keys(byId).forEach((k) => delete byId[k]);
    state.data = null;
    state.selected = '';
    ['totals', 'details', 'schools', 'problems', 'approval', 'downloads'].forEach((id) => { $(id).hidden = true; });
    document.body.dataset.catchments = '0';
  }

  async function loadCatchments() {
    clearError();
    clearCatchments();
    setState('loading');
    const q = new URLSearchParams({ round: state.round, level: state.level });
    if (state.ward) q.set('ward', state.ward);
    history.replaceState(null, '', '?' + q.toString());
    status('Deriving the catchments (the first time for a round and level may take a few seconds)…');
    try {
      const res = await api('catchments?' + q.toString());
      state.digest = (res.headers.get('ETag') || '').replace(/"/g, '');
      state.data = await res.json();
    } catch (err) {
      showError(err);
      return;
    }
    drawCatchments();
    fillPanel();
    await loadApprovals();
    const n = state.data.features.length;
    status(n + ' school' + (n === 1 ? '' : 's') + ' of ' + state.level + (state.ward ? ' in ward ' + state.ward : ' in the city') + '. Click a school or a catchment for its figures.');
    setState('ready');
  }

  function drawCatchments() {
    const fc = state.data;
    const drawn = fc.features.filter((f) => f.geometry);
    layers.catch = L.geoJSON({ type: 'FeatureCollection', features: drawn }, {
      pane: 'catch',
      style: (f) => ({ className: 'catchment', fillColor: f.properties.color, fillOpacity: 0.75, color: '#404040', weight: 0.7, opacity: 0.8 }),
      onEachFeature: (f, layer) => {
        byId[f.properties.school_id] = { feature: f, polygon: layer };
        layer.on('click', () => select(f.properties.school_id));
      },
    }).addTo(map);
    document.body.dataset.catchments = String(drawn.length);
    layers.schools = L.layerGroup().addTo(map);
    const labels = state.ward !== '';
    fc.features.forEach((f) => {
      const p = f.properties;
      const r = 4 + 0.35 * Math.sqrt(p.seats);
      const m = L.circleMarker([p.school[1], p.school[0]], {
        pane: 'schools', radius: r, fillColor: fillColor(p.fill), fillOpacity: 1, color: '#111', weight: 1.2, className: 'school',
      });
      m.on('click', () => select(p.school_id));
      if (labels) m.bindTooltip(p.school_id + (p.contains_school ? '' : ' !'), { permanent: true, direction: 'right', offset: [r, 0], className: 'school-label' });
      m.addTo(layers.schools);
      const el = m.getElement();
      if (el) {
        el.setAttribute('data-school', p.school_id);
        el.setAttribute('tabindex', '0');
        el.setAttribute('role', 'button');
        el.setAttribute('aria-label', 'School ' + p.school_id + ': ' + p.seats + ' seats, ' + pct(p.fill) + ' full');
        el.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(p.school_id); } });
      }
      byId[p.school_id] = Object.assign(byId[p.school_id] || { feature: f }, { marker: m });
    });
    let bounds = layers.catch.getBounds();
    if (state.ward) {
      const w = (state.base.wards.features || []).filter((f) => f.properties.code === state.ward);
      layers.theward = L.geoJSON({ type: 'FeatureCollection', features: w }, { pane: 'wardlines', interactive: false, style: { color: '#111', weight: 3, fill: false } }).addTo(map);
      const wb = layers.theward.getBounds();
      if (wb.isValid()) bounds = bounds.isValid() ? bounds.extend(wb) : wb;
    }
    fc.features.forEach((f) => { bounds = bounds.isValid() ? bounds.extend([f.properties.school[1], f.properties.school[0]]) : L.latLngBounds([[f.properties.school[1], f.properties.school[0]]]); });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], animate: false });
  }

  function fillPanel() {
    const fc = state.data;
    const w = fc.ward;
    if (w) {
      $('totals-title').textContent = 'Ward ' + w.code + (w.name ? ' ' + w.name : '');
      $('totals').querySelector('[data-total=schools]').textContent = w.schools;
      $('totals').querySelector('[data-total=seats]').textContent = w.seats;
      $('totals').querySelector('[data-total=assigned]').textContent = w.assigned;
      $('totals').querySelector('[data-total=places_used]').textContent = w.places_used;
      $('totals').querySelector('[data-total=fill]').textContent = pct(w.fill);
      $('totals').hidden = false;
    }
    const list = $('school-list');
    list.replaceChildren();
    fc.features.forEach((f) => {
      const p = f.properties;
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = p.color;
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = p.school_id;
      btn.title = p.name;
      btn.addEventListener('click', () => select(p.school_id));
      td.append(sw, btn);
      tr.append(td);
      [p.seats, p.assigned, pct(p.fill)].forEach((x) => { const c = document.createElement('td'); c.textContent = x; tr.append(c); });
      tr.dataset.school = p.school_id;
      list.append(tr);
      if (byId[p.school_id]) byId[p.school_id].row = tr;
    });
    $('schools').hidden = fc.features.length === 0;
    const plist = $('problem-list');
    plist.replaceChildren();
    (fc.problems || []).forEach((p) => {
      const li = document.createElement('li');
      li.textContent = p.school_id + ' ' + p.level + ': ' + p.message;
      plist.append(li);
    });
    $('problems').hidden = (fc.problems || []).length === 0;
    $('downloads').hidden = !state.ward;
  }

  // select shows a school's figures and outlines its catchment.
  function select(id) {
    const s = byId[id];
    if (!s) return;
    const prev = byId[state.selected];
    if (prev) {
      if (prev.polygon) prev.polygon.setStyle({ weight: 0.7, color: '#404040' });
      if (prev.row) prev.row.classList.remove('selected');
    }
    state.selected = id;
    if (s.polygon) { s.polygon.setStyle({ weight: 3, color: '#000' }); s.polygon.bringToFront(); }
    if (s.row) s.row.classList.add('selected');
    const p = s.feature.properties;
    const c = p.cutoff || {};
    const values = {
      school_id: p.school_id, name: p.name, ward: p.ward, level: p.level, seats: p.seats, assigned: p.assigned,
      places_used: p.places_used, fill: pct(p.fill), classes: p.classes,
      cutoff_priority: p.cutoff ? (c.priority || '(none)') : '', cutoff_residence: c.residence || '',
      cutoff_distance_m: p.cutoff ? c.distance_m : '', cutoff_lottery: c.lottery || '',
      area_km2: p.area_km2, parts: p.parts, contains_school: p.contains_school ? 'yes' : 'no', crosses_river: p.crosses_river ? 'yes' : 'no',
    };
    Object.keys(values).forEach((k) => { $('details').querySelector('[data-field=' + k + ']').textContent = values[k]; });
    $('details-title').textContent = 'School ' + p.school_id;
    $('details').hidden = false;
    document.body.dataset.selected = id;
  }

  // --- approvals ---
  async function loadApprovals() {
    const v = state.viewer;
    const mayApprove = v.can_approve && state.ward !== '' && (v.role === 'office' || v.ward === state.ward);
    let approvals = [];
    try {
      approvals = await (await api('approvals?round=' + encodeURIComponent(state.round))).json();
    } catch (err) {
      showError(err);
      return;
    }
    const list = $('approval-list');
    list.replaceChildren();
    approvals.filter((a) => !state.ward || a.ward === state.ward).forEach((a) => {
      const li = document.createElement('li');
      li.textContent = a.level + ' of ward ' + a.ward + ' approved by ' + a.by + (a.note ? ': “' + a.note + '”' : '') + (a.digest ? ' (catchments ' + a.digest.slice(0, 12) + ')' : '');
      list.append(li);
    });
    if (list.children.length === 0) {
      const li = document.createElement('li');
      li.textContent = state.ward ? 'No approval recorded for this ward yet.' : 'Pick a ward to see or record its approvals.';
      list.append(li);
    }
    $('approve').textContent = 'Approve the ' + state.level + ' catchments of ward ' + state.ward;
    $('approve-form').hidden = !mayApprove;
    $('approval').hidden = false;
  }

  $('approve-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { round: state.round, ward: state.ward, level: state.level, note: $('note').value, digest: state.digest };
    $('approve').disabled = true;
    try {
      await api('approve', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      $('note').value = '';
      status('Approval recorded for the ' + state.level + ' catchments of ward ' + state.ward + '.');
      await loadApprovals();
      document.body.dataset.approved = state.ward + '/' + state.level;
    } catch (err) {
      showError(err);
    } finally {
      $('approve').disabled = false;
    }
  });

  // --- downloads (fetched with the token, saved from a blob) ---
  async function download(path, name) {
    try {
      const blob = await (await api(path)).blob();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    } catch (err) {
      showError(err);
    }
  }
  function query() { return new URLSearchParams({ round: state.round, level: state.level, ward: state.ward }).toString(); }
  $('download-png').addEventListener('click', () => download('render?' + query(), 'ward-' + state.ward + '-' + state.level + '.png'));
  $('download-geojson').addEventListener('click', () => download('catchments?' + query(), 'catchments-' + state.ward + '-' + state.level + '.geojson'));

  // --- the pickers ---
  $('round').addEventListener('change', async (ev) => {
    state.round = ev.target.value;
    try { await loadRound(); } catch (err) { showError(err); }
  });
  $('level').addEventListener('change', (ev) => { state.level = ev.target.value; loadCatchments(); });
  $('ward').addEventListener('change', (ev) => { state.ward = ev.target.value; loadCatchments(); });

  start();
})();
