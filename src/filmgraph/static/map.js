/* filmgraph network map. All text from the data is put on screen with textContent; no
   innerHTML, no eval, no requests. window.filmgraphMap exposes the network for tests. */
(function () {
  'use strict';

  var DATA = JSON.parse(document.getElementById('fg-data').textContent);
  var META = DATA.meta;
  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","Hiragino Sans GB",' +
             '"WenQuanYi Micro Hei","Segoe UI",system-ui,sans-serif';

  var UI = {
    zh: {
      search: '搜索', searchPlaceholder: '搜索名称（中文、English、Русский）', language: '语言', reset: '重置',
      export: '导出 PNG', howto: '如何阅读本图', types: '类型（勾选以显示）', all: '全部', none: '全不选',
      country: '国家', allCountries: '全部国家', dates: '日期范围', from: '从', to: '至',
      dateHint: '只隐藏日期在范围外的活动；没有日期的实体始终显示。',
      lines: '连线', solidLine: '关系（原文所述）', dashedLine: '推断的关系；虚线边框的点 = 推断的实体', sizeHint: '点的大小 = 连接数量。',
      edgeHint: '连线较多：选中一个点后显示其连线的名称。',
      counts: '显示 {0} / {1} 个节点，{2} / {3} 条连线',
      truncated: '本视图共有 {0} 个节点，为保持清晰只显示连接最多的 {1} 个；另有 {2} 个未显示。可用 ego 或 path 视图查看局部。',
      empty: '此视图中没有可显示的内容。',
      placeholder: '点击图中的点或连线，这里会显示它的名称、类型、国家、日期、关联和原文依据。',
      names: '名称', type: '类型', countryOf: '国家', datesOf: '日期', connections: '关联', evidence: '原文依据',
      sources: '来源', iri: '标识符', noQuotes: '（没有原文摘录）', inferred: '推断', close: '关闭',
      hiddenBy: '此项目前被筛选条件隐藏。', relation: '关系', fromTo: '从 → 到', noResults: '没有找到',
      exported: '已导出 PNG 图片。', lang_zh: '中文', lang_en: '英文', lang_ru: '俄文', lang_kk: '哈萨克文',
      lang_: '名称', outgoing: '→', incoming: '←', link: '连线', connectionsCount: '{0} 条'
    },
    en: {
      search: 'Search', searchPlaceholder: 'Search names (中文, English, Русский)', language: 'Language', reset: 'Reset',
      export: 'Export PNG', howto: 'How to read this map', types: 'Types (tick to show)', all: 'all', none: 'none',
      country: 'Country', allCountries: 'All countries', dates: 'Date range', from: 'From', to: 'To',
      dateHint: 'Hides only events dated outside the range; undated entities always show.',
      lines: 'Lines', solidLine: 'relationship (stated in the source)', dashedLine: 'inferred relationship; a dashed outline marks an inferred entity',
      sizeHint: 'Dot size = number of links.',
      edgeHint: 'Many links: their names show around the selected dot.',
      counts: 'Showing {0} / {1} nodes, {2} / {3} links',
      truncated: 'This view has {0} nodes; to stay readable only the {1} most connected are drawn and {2} are left out. Use the ego or path view for a close-up.',
      empty: 'There is nothing to show in this view.',
      placeholder: 'Click a dot or a line to see its names, type, country, dates, links and the source quotes behind it.',
      names: 'Names', type: 'Type', countryOf: 'Country', datesOf: 'Dates', connections: 'Links', evidence: 'Source quotes',
      sources: 'Sources', iri: 'Identifier', noQuotes: '(no source quote)', inferred: 'inferred', close: 'Close',
      hiddenBy: 'This item is hidden by the current filters.', relation: 'Relationship', fromTo: 'From → to',
      noResults: 'Nothing found', exported: 'PNG exported.', lang_zh: 'Chinese', lang_en: 'English',
      lang_ru: 'Russian', lang_kk: 'Kazakh', lang_: 'Name', outgoing: '→', incoming: '←', link: 'Link',
      connectionsCount: '{0}'
    }
  };

  var state = {
    lang: META.lang === 'en' ? 'en' : 'zh',
    selected: null, selectedEdge: null,
    kinds: Object.keys(DATA.kinds), country: '', from: '', to: '',
    visibleNodes: DATA.nodes.length, visibleEdges: DATA.edges.length,
    lastExport: null, searchResults: []
  };

  var nodeById = new Map();
  DATA.nodes.forEach(function (n) { nodeById.set(n.id, n); });
  var edgeById = new Map();
  var edgesOf = new Map();
  DATA.nodes.forEach(function (n) { edgesOf.set(n.id, []); });
  DATA.edges.forEach(function (e) {
    edgeById.set(e.id, e);
    edgesOf.get(e.from).push(e);
    if (e.to !== e.from) { edgesOf.get(e.to).push(e); }
  });
  var manyEdges = DATA.edges.length > META.edgeLabelLimit || !!META.geo;

  function t(key) { var s = UI[state.lang][key]; return s === undefined ? key : s; }
  function fmt(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    return t(key).replace(/\{(\d)\}/g, function (_, i) { return String(args[+i]); });
  }
  function other(lang) { return lang === 'zh' ? 'en' : 'zh'; }
  function tail(iri) { var m = /[^\/#]*$/.exec(iri); return m && m[0] ? decodeURIComponentSafe(m[0]) : iri; }
  function decodeURIComponentSafe(s) { try { return decodeURIComponent(s); } catch (e) { return s; } }
  function pick(labels, lang) {
    if (!labels) { return ''; }
    return labels[lang] || labels[other(lang)] || labels[''] || labels.ru || labels.kk ||
      labels[Object.keys(labels).sort()[0]] || '';
  }
  function nodeLabel(n, lang) { return pick(n.labels, lang || state.lang) || tail(n.id); }
  function edgeLabel(e, lang) { return pick(e.labels, lang || state.lang) || tail(e.predicate); }
  function kindName(kind) { var k = DATA.kinds[kind]; return k ? k[state.lang] : kind; }
  function countryName(iri) { return pick(DATA.countries[iri], state.lang) || tail(iri); }
  function sourceName(iri) { var l = pick((DATA.sources || {})[iri], state.lang); return l ? l + ' — ' + iri : iri; }

  /* ---- DOM helpers: text only ---- */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  var SVGNS = 'http://www.w3.org/2000/svg';
  function shapeIcon(kind, size) {
    var k = DATA.kinds[kind] || { color: '#bbb', shape: 'dot' };
    var s = size || 14, h = s / 2;
    var svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('width', s); svg.setAttribute('height', s); svg.setAttribute('viewBox', '0 0 ' + s + ' ' + s);
    var p;
    function poly(points) { p = document.createElementNS(SVGNS, 'polygon'); p.setAttribute('points', points); }
    if (k.shape === 'square') { p = document.createElementNS(SVGNS, 'rect'); p.setAttribute('x', 1.5); p.setAttribute('y', 1.5); p.setAttribute('width', s - 3); p.setAttribute('height', s - 3); }
    else if (k.shape === 'triangle') { poly(h + ',1 ' + (s - 1) + ',' + (s - 1.5) + ' 1,' + (s - 1.5)); }
    else if (k.shape === 'triangleDown') { poly('1,1.5 ' + (s - 1) + ',1.5 ' + h + ',' + (s - 1)); }
    else if (k.shape === 'diamond') { poly(h + ',0.5 ' + (s - 0.5) + ',' + h + ' ' + h + ',' + (s - 0.5) + ' 0.5,' + h); }
    else if (k.shape === 'hexagon') {
      var pts = [];
      for (var i = 0; i < 6; i++) { var a = Math.PI / 3 * i; pts.push((h + (h - 1) * Math.cos(a)).toFixed(2) + ',' + (h + (h - 1) * Math.sin(a)).toFixed(2)); }
      poly(pts.join(' '));
    } else if (k.shape === 'star') {
      var st = [];
      for (var j = 0; j < 10; j++) { var r = j % 2 ? h * 0.45 : h - 0.5; var b = -Math.PI / 2 + Math.PI / 5 * j; st.push((h + r * Math.cos(b)).toFixed(2) + ',' + (h + r * Math.sin(b)).toFixed(2)); }
      poly(st.join(' '));
    } else { p = document.createElementNS(SVGNS, 'circle'); p.setAttribute('cx', h); p.setAttribute('cy', h); p.setAttribute('r', h - 1.5); }
    p.setAttribute('fill', k.color);
    svg.appendChild(p);
    return svg;
  }

  /* ---- the network ---- */
  /* on the canvas a long name is cut (the panel, the tooltip and search show it whole) */
  function shortLabel(n) {
    var full = nodeLabel(n), width = 0, out = '';
    for (var i = 0; i < full.length; i++) {
      var c = full.charCodeAt(i);
      width += c > 0x2e80 ? 2 : 1;
      if (width > 28) { return out.replace(/[\s(（·,，:：-]+$/, '') + '…'; }
      out += full[i];
    }
    return full;
  }
  function visNode(n) {
    var o = Object.assign({}, n.vis);
    o.label = shortLabel(n);
    return o;
  }
  function showEdgeLabel(e) {
    if (!manyEdges) { return true; }
    return state.selected !== null && (e.from === state.selected || e.to === state.selected);
  }
  function visEdge(e) {
    var o = Object.assign({}, e.vis);
    o.label = showEdgeLabel(e) ? edgeLabel(e) : undefined;
    return o;
  }
  var nodes = new vis.DataSet(DATA.nodes.map(visNode));
  var edges = new vis.DataSet(DATA.edges.map(visEdge));
  var container = document.getElementById('network');
  var big = DATA.nodes.length > 600;
  var options = {
    autoResize: true, width: '100%', height: '100%',
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 7 },
    interaction: { hover: true, hideEdgesOnDrag: big, hideEdgesOnZoom: big, tooltipDelay: 3600000,
                   navigationButtons: false, keyboard: { enabled: true, bindToWindow: false }, multiselect: false },
    nodes: {
      borderWidth: 1.5, borderWidthSelected: 3,
      font: { face: FONT, size: 14, color: '#1f2933', strokeWidth: 4, strokeColor: '#ffffff' },
      scaling: { min: 9, max: META.geo ? 26 : 40, label: { enabled: true, min: 12, max: 17, drawThreshold: big || META.geo ? 10 : 5, maxVisible: 30 } }
    },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.55 } },
      color: { color: '#a3adb8', highlight: '#b03a2e', hover: '#5f6b76', inherit: false },
      font: { face: FONT, size: 11, color: '#4c5864', strokeWidth: 3, strokeColor: '#ffffff', align: 'middle' },
      smooth: false, width: 1.2, selectionWidth: 1.8, hoverWidth: 0.8
    }
  };
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);

  /* white background (so the exported PNG is not transparent) and, on the geo view, a graticule */
  network.on('beforeDrawing', function (ctx) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
    var g = META.geo;
    if (!g) { return; }
    var k = g.scale, step = 10;
    var lat0 = Math.floor((g.latMin - 5) / step) * step, lat1 = Math.ceil((g.latMax + 5) / step) * step;
    var lon0 = Math.floor((g.lonMin - 5) / step) * step, lon1 = Math.ceil((g.lonMax + 5) / step) * step;
    ctx.save();
    ctx.strokeStyle = '#e3e8ec'; ctx.lineWidth = 1; ctx.fillStyle = '#9aa5b1';
    ctx.font = '12px ' + FONT;
    for (var lat = lat0; lat <= lat1; lat += step) {
      ctx.beginPath(); ctx.moveTo(lon0 * k, -lat * k); ctx.lineTo(lon1 * k, -lat * k); ctx.stroke();
      ctx.fillText(Math.abs(lat) + '°' + (lat >= 0 ? 'N' : 'S'), lon0 * k + 4, -lat * k - 4);
    }
    for (var lon = lon0; lon <= lon1; lon += step) {
      ctx.beginPath(); ctx.moveTo(lon * k, -lat0 * k); ctx.lineTo(lon * k, -lat1 * k); ctx.stroke();
      ctx.fillText(Math.abs(lon) + '°' + (lon >= 0 ? 'E' : 'W'), lon * k + 4, -lat0 * k - 4);
    }
    ctx.restore();
  });

  /* ---- filters ---- */
  function dateOk(n) {
    if (!n.d0 && !n.d1) { return true; }
    if (state.from && (n.d1 || n.d0) < state.from) { return false; }
    if (state.to && (n.d0 || n.d1) > state.to) { return false; }
    return true;
  }
  function computeVisible() {
    var kinds = new Set(state.kinds);
    var pass = new Set();
    DATA.nodes.forEach(function (n) { if (kinds.has(n.kind) && dateOk(n)) { pass.add(n.id); } });
    if (!state.country) { return pass; }
    var inside = new Set();
    pass.forEach(function (id) { if (nodeById.get(id).country.indexOf(state.country) >= 0) { inside.add(id); } });
    var visible = new Set(inside);
    pass.forEach(function (id) {
      var n = nodeById.get(id);
      if (n.country.length) { return; }
      var linked = edgesOf.get(id).some(function (e) { return inside.has(e.from === id ? e.to : e.from); });
      if (linked) { visible.add(id); }
    });
    return visible;
  }
  var visibleSet = new Set(DATA.nodes.map(function (n) { return n.id; }));
  function edgeVisible(e) { return visibleSet.has(e.from) && visibleSet.has(e.to); }
  function applyFilters() {
    visibleSet = computeVisible();
    var nodeChanges = [], edgeChanges = [];
    DATA.nodes.forEach(function (n) {
      var hidden = !visibleSet.has(n.id);
      if (!!nodes.get(n.id).hidden !== hidden) { nodeChanges.push({ id: n.id, hidden: hidden }); }
    });
    var shownEdges = 0;
    DATA.edges.forEach(function (e) {
      var hidden = !edgeVisible(e);
      if (!hidden) { shownEdges++; }
      if (!!edges.get(e.id).hidden !== hidden) { edgeChanges.push({ id: e.id, hidden: hidden }); }
    });
    if (nodeChanges.length) { nodes.update(nodeChanges); }
    if (edgeChanges.length) { edges.update(edgeChanges); }
    state.visibleNodes = visibleSet.size;
    state.visibleEdges = shownEdges;
    if (state.selected && !visibleSet.has(state.selected)) { network.unselectAll(); }
    updateCounts();
    renderPanel();
  }
  function updateCounts() {
    document.getElementById('counts').textContent =
      fmt('counts', state.visibleNodes, DATA.nodes.length, state.visibleEdges, DATA.edges.length);
  }

  var kindBox = document.getElementById('filter-kind');
  function buildKindFilter() {
    clear(kindBox);
    var counts = {};
    DATA.nodes.forEach(function (n) { counts[n.kind] = (counts[n.kind] || 0) + 1; });
    Object.keys(DATA.kinds).forEach(function (kind) {
      var label = el('label');
      var box = el('input');
      box.type = 'checkbox'; box.value = kind; box.checked = state.kinds.indexOf(kind) >= 0;
      box.addEventListener('change', function () {
        state.kinds = Array.prototype.filter.call(kindBox.querySelectorAll('input'), function (i) { return i.checked; })
          .map(function (i) { return i.value; });
        applyFilters();
      });
      label.appendChild(box);
      label.appendChild(shapeIcon(kind, 14));
      label.appendChild(el('span', 'name', kindName(kind)));
      label.appendChild(el('span', 'count', counts[kind] || 0));
      kindBox.appendChild(label);
    });
  }
  function setAllKinds(on) {
    state.kinds = on ? Object.keys(DATA.kinds) : [];
    buildKindFilter();
    applyFilters();
  }
  document.getElementById('kinds-all').addEventListener('click', function () { setAllKinds(true); });
  document.getElementById('kinds-none').addEventListener('click', function () { setAllKinds(false); });

  var countrySelect = document.getElementById('filter-country');
  function buildCountryFilter() {
    clear(countrySelect);
    var used = new Set();
    DATA.nodes.forEach(function (n) { n.country.forEach(function (c) { used.add(c); }); });
    var all = el('option', null, t('allCountries'));
    all.value = '';
    countrySelect.appendChild(all);
    Array.from(used).sort(function (a, b) { return countryName(a).localeCompare(countryName(b), state.lang); })
      .forEach(function (iri) {
        var opt = el('option', null, countryName(iri));
        opt.value = iri;
        countrySelect.appendChild(opt);
      });
    countrySelect.value = state.country;
  }
  countrySelect.addEventListener('change', function () { state.country = countrySelect.value; applyFilters(); });
  var dateFrom = document.getElementById('date-from'), dateTo = document.getElementById('date-to');
  function onDates() { state.from = dateFrom.value || ''; state.to = dateTo.value || ''; applyFilters(); }
  dateFrom.addEventListener('change', onDates); dateFrom.addEventListener('input', onDates);
  dateTo.addEventListener('change', onDates); dateTo.addEventListener('input', onDates);

  /* ---- the side panel ---- */
  var panel = document.getElementById('panel');
  function quoteList(parent, quotes) {
    if (!quotes.length) { parent.appendChild(el('p', 'hint', t('noQuotes'))); return; }
    quotes.forEach(function (q) { parent.appendChild(el('blockquote', 'quote', q)); });
  }
  function goButton(id) {
    var b = el('button', 'go', nodeLabel(nodeById.get(id)));
    b.type = 'button';
    b.addEventListener('click', function () { select(id); });
    return b;
  }
  function heading(parent, key) { parent.appendChild(el('h3', 'panel-h', t(key))); }
  function closeButton() {
    var c = el('button', 'close', '×');
    c.type = 'button'; c.title = t('close'); c.setAttribute('aria-label', t('close'));
    c.addEventListener('click', function () { select(null); });
    return c;
  }
  function renderPanel() {
    clear(panel);
    if (state.selectedEdge && edgeById.has(state.selectedEdge)) { renderEdgePanel(edgeById.get(state.selectedEdge)); return; }
    var n = state.selected && nodeById.get(state.selected);
    if (!n) { panel.appendChild(el('p', 'placeholder', t('placeholder'))); return; }
    panel.appendChild(closeButton());
    panel.appendChild(el('h2', 'name', nodeLabel(n)));
    var kl = el('p', 'kindline');
    kl.appendChild(shapeIcon(n.kind, 14));
    kl.appendChild(el('span', null, kindName(n.kind) + (pick(n.cls, state.lang) && pick(n.cls, state.lang) !== kindName(n.kind) ? ' · ' + pick(n.cls, state.lang) : '')));
    if (n.inferred) { kl.appendChild(el('span', 'tag', t('inferred'))); }
    panel.appendChild(kl);
    if (!visibleSet.has(n.id)) { panel.appendChild(el('p', 'hiddenby', t('hiddenBy'))); }
    heading(panel, 'names');
    var dl = el('dl');
    var langs = Object.keys(n.labels).sort(function (a, b) {
      var order = ['zh', 'en', 'ru', 'kk'];
      var ia = order.indexOf(a), ib = order.indexOf(b);
      return (ia < 0 ? 9 : ia) - (ib < 0 ? 9 : ib) || a.localeCompare(b);
    });
    langs.forEach(function (lg) {
      dl.appendChild(el('dt', null, UI[state.lang]['lang_' + lg] || lg));
      dl.appendChild(el('dd', 'label-' + (lg || 'none'), n.labels[lg]));
    });
    if (n.country.length) {
      dl.appendChild(el('dt', null, t('countryOf')));
      var dd = el('dd');
      n.country.forEach(function (c, i) {
        if (i) { dd.appendChild(document.createTextNode('、')); }
        dd.appendChild(nodeById.has(c) ? goButton(c) : el('span', null, countryName(c)));
      });
      dl.appendChild(dd);
    }
    if (n.start || n.end) {
      dl.appendChild(el('dt', null, t('datesOf')));
      dl.appendChild(el('dd', null, n.start === n.end || !n.end ? (n.start || n.end) : (n.start || '?') + ' – ' + n.end));
    }
    panel.appendChild(dl);
    heading(panel, 'evidence');
    quoteList(panel, n.quotes);
    var conns = edgesOf.get(n.id);
    panel.appendChild(el('h3', 'panel-h', t('connections') + ' (' + conns.length + ')'));
    var ul = el('ul', 'connections');
    conns.forEach(function (e) {
      var out = e.from === n.id;
      var li = el('li', 'conn');
      var rel = el('span', 'rel', (out ? t('outgoing') + ' ' : t('incoming') + ' ') + edgeLabel(e) + ' ');
      li.appendChild(rel);
      li.appendChild(goButton(out ? e.to : e.from));
      if (e.inferred) { li.appendChild(el('span', 'tag', t('inferred'))); }
      if (!edgeVisible(e)) { li.style.opacity = '0.55'; }
      e.quotes.forEach(function (q) { li.appendChild(el('blockquote', 'quote', q)); });
      ul.appendChild(li);
    });
    panel.appendChild(ul);
    heading(panel, 'sources');
    n.sources.forEach(function (s) { panel.appendChild(el('p', 'src', sourceName(s))); });
    heading(panel, 'iri');
    panel.appendChild(el('p', 'iri', n.id));
  }
  function renderEdgePanel(e) {
    panel.appendChild(closeButton());
    panel.appendChild(el('h2', 'name', edgeLabel(e)));
    var kl = el('p', 'kindline', t('link'));
    if (e.inferred) { kl.appendChild(el('span', 'tag', t('inferred'))); }
    panel.appendChild(kl);
    heading(panel, 'fromTo');
    var p = el('p');
    p.appendChild(goButton(e.from));
    p.appendChild(document.createTextNode(' → '));
    p.appendChild(goButton(e.to));
    panel.appendChild(p);
    heading(panel, 'names');
    var dl = el('dl');
    Object.keys(e.labels).sort().forEach(function (lg) {
      dl.appendChild(el('dt', null, UI[state.lang]['lang_' + lg] || lg));
      dl.appendChild(el('dd', null, e.labels[lg]));
    });
    panel.appendChild(dl);
    heading(panel, 'evidence');
    quoteList(panel, e.quotes);
    heading(panel, 'sources');
    e.sources.forEach(function (s) { panel.appendChild(el('p', 'src', sourceName(s))); });
    heading(panel, 'iri');
    panel.appendChild(el('p', 'iri', e.predicate));
  }

  /* ---- selection ---- */
  function refreshEdgeLabels(previous) {
    if (!manyEdges) { return; }
    var ids = new Set();
    [previous, state.selected].forEach(function (id) {
      if (id && edgesOf.has(id)) { edgesOf.get(id).forEach(function (e) { ids.add(e.id); }); }
    });
    edges.update(Array.from(ids).map(function (id) { var e = edgeById.get(id); return { id: id, label: showEdgeLabel(e) ? edgeLabel(e) : '' }; }));
  }
  function select(id, opts) {
    opts = opts || {};
    var previous = state.selected;
    state.selectedEdge = null;
    state.selected = id && nodeById.has(id) ? id : null;
    refreshEdgeLabels(previous);
    if (state.selected && visibleSet.has(state.selected)) {
      network.selectNodes([state.selected], true);
      if (opts.focus !== false) {
        network.focus(state.selected, { scale: Math.max(network.getScale(), 1.0),
                                        animation: opts.animate === false ? false : { duration: 350, easingFunction: 'easeInOutQuad' } });
      }
    } else {
      network.unselectAll();
    }
    renderPanel();
    return state.selected;
  }
  function selectEdge(id) {
    var previous = state.selected;
    state.selected = null;
    state.selectedEdge = edgeById.has(id) ? id : null;
    refreshEdgeLabels(previous);
    renderPanel();
  }
  network.on('click', function (params) {
    if (params.nodes.length) { select(params.nodes[0], { focus: false }); }
    else if (params.edges.length) { selectEdge(params.edges[0]); }
    else { select(null); }
  });

  /* hover: the full name near the pointer (labels are hidden when zoomed out) */
  var tooltip = document.getElementById('tooltip');
  network.on('hoverNode', function (params) {
    var n = nodeById.get(params.node);
    tooltip.textContent = nodeLabel(n) + ' · ' + kindName(n.kind);
    var r = container.getBoundingClientRect();
    tooltip.style.left = (r.left + params.pointer.DOM.x + 14) + 'px';
    tooltip.style.top = (r.top + params.pointer.DOM.y + 14) + 'px';
    tooltip.hidden = false;
  });
  network.on('blurNode', function () { tooltip.hidden = true; });
  network.on('dragStart', function () { tooltip.hidden = true; });

  /* ---- search ---- */
  var searchInput = document.getElementById('search');
  var resultsList = document.getElementById('search-results');
  function norm(s) { return String(s).normalize('NFKC').toLocaleLowerCase(); }
  var searchIndex = DATA.nodes.map(function (n) {
    var names = Object.keys(n.labels).map(function (k) { return n.labels[k]; });
    if (!names.length) { names = [tail(n.id)]; }
    return { id: n.id, names: names, normed: names.map(norm), degree: n.degree };
  });
  function search(text) {
    var q = norm(text).trim();
    if (!q) { return []; }
    var hits = [];
    searchIndex.forEach(function (entry) {
      var best = null;
      entry.normed.forEach(function (name, i) {
        var at = name.indexOf(q);
        if (at < 0) { return; }
        var rank = name === q ? 0 : at === 0 ? 1 : 2;
        if (!best || rank < best.rank || (rank === best.rank && name.length < best.len)) {
          best = { rank: rank, len: name.length, name: entry.names[i] };
        }
      });
      if (best) { hits.push({ id: entry.id, rank: best.rank, len: best.len, name: best.name, degree: entry.degree }); }
    });
    hits.sort(function (a, b) { return a.rank - b.rank || a.len - b.len || b.degree - a.degree || (a.id < b.id ? -1 : 1); });
    return hits;
  }
  function showResults() {
    var hits = search(searchInput.value);
    state.searchResults = hits.map(function (h) { return h.id; });
    clear(resultsList);
    if (!searchInput.value.trim()) { resultsList.hidden = true; return; }
    if (!hits.length) { resultsList.appendChild(el('li', 'none', t('noResults'))); }
    hits.slice(0, 12).forEach(function (h, i) {
      var n = nodeById.get(h.id);
      var li = el('li', i === 0 ? 'active' : null);
      li.setAttribute('role', 'option');
      li.appendChild(el('span', 'label', nodeLabel(n)));
      li.appendChild(el('span', 'kind', kindName(n.kind)));
      if (h.name !== nodeLabel(n)) { li.appendChild(el('span', 'also', h.name)); }
      li.addEventListener('mousedown', function (ev) { ev.preventDefault(); chooseResult(h.id); });
      resultsList.appendChild(li);
    });
    resultsList.hidden = false;
  }
  function chooseResult(id) {
    resultsList.hidden = true;
    if (!visibleSet.has(id)) { resetFilters(); }
    select(id);
  }
  searchInput.addEventListener('input', showResults);
  searchInput.addEventListener('focus', function () { if (searchInput.value.trim()) { showResults(); } });
  searchInput.addEventListener('blur', function () { resultsList.hidden = true; });
  searchInput.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') {
      var hits = search(searchInput.value);
      if (hits.length) { chooseResult(hits[0].id); }
      ev.preventDefault();
    } else if (ev.key === 'Escape') {
      searchInput.value = ''; resultsList.hidden = true;
    }
  });

  /* ---- language ---- */
  var langSelect = document.getElementById('lang');
  function applyLanguage(initial) {
    document.documentElement.lang = state.lang === 'zh' ? 'zh-Hans' : 'en';
    langSelect.value = state.lang;
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (node) {
      var key = node.getAttribute('data-i18n');
      clear(node);
      node.appendChild(document.createTextNode(t(key)));
      if (node.tagName === 'SPAN' && node.parentNode && node.parentNode.tagName === 'H2') {
        var sub = UI[other(state.lang)][key];
        if (sub && sub !== t(key)) { node.appendChild(el('span', 'sub', sub)); }
      }
    });
    searchInput.placeholder = t('searchPlaceholder');
    if (!initial) {  /* the datasets were built in this language */
      nodes.update(DATA.nodes.map(function (n) { return { id: n.id, label: shortLabel(n) }; }));
      edges.update(DATA.edges.map(function (e) { return { id: e.id, label: showEdgeLabel(e) ? edgeLabel(e) : '' }; }));
    }
    buildKindFilter();
    buildCountryFilter();
    updateCounts();
    updateNotice();
    if (searchInput.value.trim() && !resultsList.hidden) { showResults(); }
    renderPanel();
  }
  langSelect.addEventListener('change', function () { state.lang = langSelect.value === 'en' ? 'en' : 'zh'; applyLanguage(); });

  var edgeHint = document.getElementById('edge-hint');
  if (manyEdges) { edgeHint.hidden = false; }

  var notice = document.getElementById('notice');
  function updateNotice() {
    var text = '';
    if (!DATA.nodes.length) { text = t('empty'); }
    else if (META.leftOut > 0) { text = fmt('truncated', META.total.toLocaleString(), META.shown.toLocaleString(), META.leftOut.toLocaleString()); }
    notice.textContent = text;
    notice.hidden = !text;
  }

  /* ---- reset and export ---- */
  function resetFilters() {
    state.kinds = Object.keys(DATA.kinds); state.country = ''; state.from = ''; state.to = '';
    dateFrom.value = ''; dateTo.value = ''; countrySelect.value = '';
    buildKindFilter();
    applyFilters();
  }
  /* the whole map in view, but a tiny map is not blown up past 1.25× */
  function fitView() {
    network.fit({ animation: false });
    if (network.getScale() > 1.25) { network.moveTo({ position: network.getViewPosition(), scale: 1.25, animation: false }); }
  }
  function reset() {
    searchInput.value = ''; resultsList.hidden = true;
    resetFilters();
    select(null);
    fitView();
  }
  document.getElementById('reset').addEventListener('click', reset);
  function exportPng() {
    var canvas = container.querySelector('canvas');
    var url = canvas.toDataURL('image/png');
    state.lastExport = url;
    var a = el('a');
    a.href = url;
    a.download = 'filmgraph-' + META.view + '.png';
    document.body.appendChild(a);
    a.click();
    a.remove();
    return url;
  }
  document.getElementById('export-png').addEventListener('click', exportPng);

  /* ---- start ---- */
  applyLanguage(true);
  applyFilters();
  fitView();
  var api = { network: network, nodes: nodes, edges: edges, state: state, data: DATA, ready: false,
              select: select, selectEdge: selectEdge, search: search, applyFilters: applyFilters,
              reset: reset, exportPng: exportPng, visible: function () { return Array.from(visibleSet); } };
  window.filmgraphMap = api;
  network.once('afterDrawing', function () {
    if (META.focus && nodeById.has(META.focus)) { select(META.focus, { focus: false }); }
    api.ready = true;
    document.body.setAttribute('data-ready', '1');
  });
  network.redraw();
})();
