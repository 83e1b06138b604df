/* filmgraph query page (served at / by `filmgraph serve`).

   Talks only to its own server: GET /api/queries (the library) and POST /api/run (one query),
   and links downloads to /sparql. Everything that comes from the server or the graph is put on
   screen with textContent / createElement; no innerHTML, no eval, no inline styles, so the page
   works under `script-src 'self'; style-src 'self'`. window.filmgraphQuery exposes the state
   for tests (ready once the library has loaded or failed to). */
(function () {
  'use strict';

  var UI = {
    zh: {
      navMap: '网络图', navOntology: '本体', language: '语言', library: '查询库',
      searchLibrary: '搜索查询库', searchPlaceholder: '搜索查询（标题、说明、名称）',
      libraryCount: '共 {0} 个查询', libraryFiltered: '显示 {0} / {1} 个查询', libraryNone: '没有匹配的查询',
      libraryLoading: '正在载入查询库…', libraryFailed: '无法载入查询库：',
      unpick: '关闭', parameters: '参数', noParams: '此查询没有参数。',
      paramsOff: '查询文本已修改，现在按自由查询运行，参数不再绑定。', runLibrary: '运行此查询',
      restore: '恢复库中的查询', optional: '可选', optionalHint: '留空则不限',
      defaultHint: '默认：{0}（留空则用默认值）', anyValue: '（不限）',
      t_iri: '名称（任何语言）或 IRI', t_string: '文本', t_date: '日期', t_year: '年份', t_integer: '整数',
      t_decimal: '小数', t_boolean: '是 / 否',
      editor: 'SPARQL 查询', newQuery: '新建空白查询', run: '运行', running: '运行中…',
      editorHint: 'Ctrl+Enter（Mac 上 ⌘+Enter）运行；Tab 插入两个空格，先按 Esc 再按 Tab 可离开编辑器。',
      modeFree: '自由查询', modeLibrary: '库查询：{0}', modeEdited: '自由查询（修改自「{0}」）',
      results: '结果', nothingYet: '选择左侧的库查询，或编写查询后点击“运行”。',
      rows: '{0} 行', triples: '{0} 个三元组', elapsed: '用时 {0}', noRows: '没有结果。',
      downloadCsv: '下载 CSV', downloadJson: '下载 JSON', downloadTtl: '下载 Turtle', downloadJsonld: '下载 JSON-LD',
      ranText: '实际运行的查询文本', errorTitle: '查询失败', emptyQuery: '请先输入查询。',
      badNumber: '参数“{0}”不是有效的数字。', unreachable: '无法连接服务器，请检查服务是否在运行。',
      caption: '查询结果，共 {0} 列', answer: '回答'
    },
    en: {
      navMap: 'Network map', navOntology: 'Ontology', language: 'Language', library: 'Query library',
      searchLibrary: 'Search the query library', searchPlaceholder: 'Search queries (title, description, name)',
      libraryCount: '{0} queries', libraryFiltered: 'Showing {0} / {1} queries', libraryNone: 'No query matches',
      libraryLoading: 'Loading the query library…', libraryFailed: 'Cannot load the query library: ',
      unpick: 'Close', parameters: 'Parameters', noParams: 'This query has no parameters.',
      paramsOff: 'The text was edited: it now runs as a free query and the parameters are not bound.',
      runLibrary: 'Run this query', restore: 'Restore the library query', optional: 'optional',
      optionalHint: 'leave empty to match anything', defaultHint: 'default: {0} (used when left empty)',
      anyValue: '(any)',
      t_iri: 'a name (any language) or an IRI', t_string: 'text', t_date: 'date', t_year: 'year',
      t_integer: 'whole number', t_decimal: 'decimal number', t_boolean: 'yes / no',
      editor: 'SPARQL query', newQuery: 'New blank query', run: 'Run', running: 'Running…',
      editorHint: 'Ctrl+Enter (⌘+Enter on a Mac) runs; Tab inserts two spaces, Esc then Tab leaves the editor.',
      modeFree: 'Free query', modeLibrary: 'Library query: {0}', modeEdited: 'Free query (edited from “{0}”)',
      results: 'Results', nothingYet: 'Pick a library query on the left, or write a query and press Run.',
      rows: '{0} rows', triples: '{0} triples', elapsed: 'took {0}', noRows: 'No results.',
      downloadCsv: 'Download CSV', downloadJson: 'Download JSON', downloadTtl: 'Download Turtle',
      downloadJsonld: 'Download JSON-LD', ranText: 'The query text that ran', errorTitle: 'The query failed',
      emptyQuery: 'Enter a query first.', badNumber: 'Parameter “{0}” is not a valid number.',
      unreachable: 'Cannot reach the server; check that it is running.',
      caption: 'Query results, {0} columns', answer: 'Answer'
    }
  };

  var TRUNCATED = '结果已截断：只显示前 {0} 行 · Truncated: only the first {0} rows';
  var TRY_LATER = '请稍后再试 · try again shortly';
  var BOOLEAN = { 'true': '是 · true', 'false': '否 · false' };

  var STARTER = [
    'PREFIX fg: <https://w3id.org/filmgraph/ontology#>',
    'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>',
    '',
    'SELECT ?film ?title',
    'WHERE {',
    '  ?film a fg:Film ;',
    '    rdfs:label ?title .',
    '}',
    'ORDER BY ?title',
    'LIMIT 50',
    ''
  ].join('\n');

  var KNOWN_PREFIXES = {
    fg: 'https://w3id.org/filmgraph/ontology#',
    fgid: 'https://w3id.org/filmgraph/id/',
    fgsrc: 'https://w3id.org/filmgraph/source/',
    fggraph: 'https://w3id.org/filmgraph/graph/',
    rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
    rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
    owl: 'http://www.w3.org/2002/07/owl#',
    xsd: 'http://www.w3.org/2001/XMLSchema#',
    schema: 'https://schema.org/',
    dcterms: 'http://purl.org/dc/terms/',
    prov: 'http://www.w3.org/ns/prov#',
    skos: 'http://www.w3.org/2004/02/skos/core#',
    org: 'http://www.w3.org/ns/org#',
    foaf: 'http://xmlns.com/foaf/0.1/',
    geo: 'http://www.w3.org/2003/01/geo/wgs84_pos#',
    sh: 'http://www.w3.org/ns/shacl#'
  };
  var XSD = KNOWN_PREFIXES.xsd;
  var PLAIN_DATATYPES = [XSD + 'string', KNOWN_PREFIXES.rdf + 'langString'];

  var state = {
    lang: 'zh',
    queries: [],
    byName: Object.create(null),
    picked: null,        // the library query picked, or null
    mode: 'free',        // 'library' (run by name with parameters) or 'free' (run the editor's text)
    values: Object.create(null), // parameter values typed, by query name then parameter name
    lastRequest: null,   // body of the last request that succeeded (re-run to re-label on a language switch)
    lastResult: null,
    lastError: null,     // message of the last failed run, while it is on screen
    running: false,
    runs: 0,             // finished runs (success or error), for tests
    controller: null,
    escapeTab: false
  };

  var $ = function (id) { return document.getElementById(id); };
  var editor = $('editor');

  function t(key) {
    var text = UI[state.lang][key];
    if (text === undefined) return '';
    for (var i = 1; i < arguments.length; i++) text = text.split('{' + (i - 1) + '}').join(String(arguments[i]));
    return text;
  }

  function other(lang) { return lang === 'zh' ? 'en' : 'zh'; }

  /* An element with attributes (never on* ones) and children (strings become text nodes). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (/^on/i.test(key)) throw new Error('event attributes are not allowed: ' + key);
      if (key === 'className') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === '') return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function pick2(map, lang) {
    /* [text in lang, text in the other language or ''] from a {zh, en} map, falling back. */
    map = map || {};
    var first = map[lang] || map[other(lang)] || '';
    var second = map[lang] && map[other(lang)] && map[other(lang)] !== map[lang] ? map[other(lang)] : '';
    return [first, second];
  }

  // ------------------------------------------------------------------------------------------
  // language

  function applyLanguage() {
    document.documentElement.lang = state.lang === 'zh' ? 'zh-Hans' : 'en';
    $('lang').value = state.lang;
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (node) {
      node.textContent = t(node.getAttribute('data-i18n'));
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n-placeholder]'), function (node) {
      node.placeholder = t(node.getAttribute('data-i18n-placeholder'));
    });
    if (state.running) $('run').textContent = t('running');
    renderLibrary();
    renderPicked();
    renderMode();
    if (state.lastResult) renderResult(state.lastResult);
    else if (state.lastError !== null) showError(state.lastError);
  }

  function setLanguage(lang) {
    if (lang !== 'zh' && lang !== 'en') return;
    state.lang = lang;
    applyLanguage();
    if (state.lastRequest && !state.running) {  // labels of IRIs come from the server, in this language
      var body = Object.assign({}, state.lastRequest, { lang: lang });
      send(body);
    }
  }

  // ------------------------------------------------------------------------------------------
  // library

  function loadLibrary() {
    $('library-status').textContent = t('libraryLoading');
    return fetch('/api/queries', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) return errorText(response).then(function (text) { throw new Error(text); });
        return response.json();
      })
      .then(function (data) {
        state.queries = Array.isArray(data.queries) ? data.queries : [];
        state.byName = Object.create(null);
        state.queries.forEach(function (q) { state.byName[q.name] = q; });
        renderLibrary();
        var wanted = decodeURIComponent((location.hash || '').slice(1));
        if (wanted && state.byName[wanted]) pick(wanted, { focus: false });
      })
      .catch(function (error) {
        state.libraryError = String(error && error.message || error);
        renderLibrary();
      });
  }

  function haystack(q) {
    return [q.name, (q.title || {}).zh, (q.title || {}).en, (q.description || {}).zh, (q.description || {}).en]
      .join('\n').toLowerCase();
  }

  function renderLibrary() {
    var list = $('library');
    var status = $('library-status');
    clear(list);
    if (state.libraryError) {
      status.textContent = t('libraryFailed') + state.libraryError;
      status.classList.add('warn');
      return;
    }
    var words = $('library-search').value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = state.queries.filter(function (q) {
      var hay = haystack(q);
      return words.every(function (w) { return hay.indexOf(w) >= 0; });
    });
    shown.forEach(function (q) {
      var title = pick2(q.title, state.lang);
      var desc = pick2(q.description, state.lang);
      var chosen = state.picked && state.picked.name === q.name;
      var button = el('button', { type: 'button', className: 'lib-pick', 'aria-pressed': chosen ? 'true' : 'false' }, [
        el('span', { className: 'lib-title', text: title[0] || q.name }),
        title[1] ? el('span', { className: 'lib-other', lang: other(state.lang) === 'zh' ? 'zh-Hans' : 'en', text: title[1] }) : null,
        desc[0] ? el('span', { className: 'lib-desc', text: desc[0] }) : null,
        el('span', { className: 'lib-name', text: q.name })
      ]);
      button.addEventListener('click', function () { pick(q.name, { focus: true }); });
      list.appendChild(el('li', { className: chosen ? 'chosen' : null, 'data-testid': 'library-item', 'data-name': q.name }, [button]));
    });
    status.classList.remove('warn');
    if (!state.queries.length) status.textContent = '';
    else if (!shown.length) status.textContent = t('libraryNone');
    else if (shown.length === state.queries.length) status.textContent = t('libraryCount', shown.length);
    else status.textContent = t('libraryFiltered', shown.length, state.queries.length);
  }

  function pick(name, options) {
    var q = state.byName[name];
    if (!q) return;
    saveValues();
    state.picked = q;
    state.mode = 'library';
    setEditor(q.text || '');
    if (history.replaceState) history.replaceState(null, '', '#' + encodeURIComponent(name));
    renderLibrary();
    renderPicked();
    renderMode();
    if (options && options.focus) {
      $('side').scrollTop = 0;
      var first = document.querySelector('#param-fields input, #param-fields select');
      (first || $('run-library')).focus();
    }
  }

  function unpick() {
    saveValues();
    state.picked = null;
    state.mode = 'free';
    if (history.replaceState) history.replaceState(null, '', location.pathname + location.search);
    renderLibrary();
    renderPicked();
    renderMode();
    $('library-search').focus();
  }

  // ------------------------------------------------------------------------------------------
  // the picked query's parameters

  function fieldId(param) { return 'param-' + param.name; }

  function saveValues() {
    /* Keep what was typed in the fields on screen, under the query they belong to. */
    var q = state.byName[$('param-fields').getAttribute('data-query') || ''];
    if (!q) return;
    var saved = state.values[q.name] = state.values[q.name] || Object.create(null);
    (q.params || []).forEach(function (param) {
      var input = $(fieldId(param));
      if (input) saved[param.name] = input.value;
    });
  }

  function inputFor(param, value) {
    var id = fieldId(param);
    var common = { id: id, name: param.name, 'aria-describedby': id + '-hint' };
    var input;
    if (param.type === 'boolean') {
      input = el('select', common, [
        param.default === null || param.default === undefined ? el('option', { value: '', text: t('anyValue') }) : null,
        el('option', { value: 'true', text: BOOLEAN['true'] }),
        el('option', { value: 'false', text: BOOLEAN['false'] })
      ]);
    } else if (param.type === 'date') {
      input = el('input', Object.assign({ type: 'date' }, common));
    } else if (param.type === 'year' || param.type === 'integer' || param.type === 'decimal') {
      input = el('input', Object.assign({ type: 'number', step: param.type === 'decimal' ? 'any' : '1',
                                          inputmode: param.type === 'decimal' ? 'decimal' : 'numeric' }, common));
    } else {
      input = el('input', Object.assign({ type: 'text', autocomplete: 'off', spellcheck: 'false' }, common));
    }
    if (param.example) input.setAttribute('placeholder', param.example);
    input.value = value;
    if (input.tagName === 'SELECT' && input.value !== value) input.value = input.options[0].value;
    return input;
  }

  function renderPicked() {
    var q = state.picked;
    var box = $('picked');
    box.hidden = !q;
    if (!q) {
      saveValues();
      clear($('param-fields'));
      $('param-fields').removeAttribute('data-query');
      return;
    }
    var title = pick2(q.title, state.lang);
    var desc = pick2(q.description, state.lang);
    $('picked-title').textContent = title[0] || q.name;
    $('picked-other').textContent = title[1];
    $('picked-desc').textContent = desc[0];
    $('picked-desc-other').textContent = desc[1];
    saveValues();
    var saved = state.values[q.name] || {};
    var fields = $('param-fields');
    clear(fields);
    fields.setAttribute('data-query', q.name);
    var params = q.params || [];
    $('no-params').hidden = params.length > 0;
    params.forEach(function (param) {
      var label = pick2(param.label, state.lang);
      var optional = param.default === null || param.default === undefined;
      var value = param.name in saved ? saved[param.name] : (optional ? '' : String(param.default));
      var hint = [t('t_' + param.type) || param.type];
      if (optional) hint.push(t('optionalHint'));
      else hint.push(t('defaultHint', param.default));
      fields.appendChild(el('div', { className: 'field' }, [
        el('label', { 'for': fieldId(param) }, [
          el('span', { className: 'param-label', text: label[0] || param.name }),
          label[1] ? ' ' : null,
          label[1] ? el('span', { className: 'other', text: label[1] }) : null,
          optional ? ' ' : null,
          optional ? el('span', { className: 'tag', text: t('optional') }) : null
        ]),
        inputFor(param, value),
        el('span', { id: fieldId(param) + '-hint', className: 'hint', text: hint.join(' · ') })
      ]));
    });
    var edited = state.mode === 'free';
    $('params-set').disabled = edited;
    $('params-off').hidden = !edited;
    $('restore').hidden = !edited;
    $('run-library').disabled = edited || state.running;
  }

  function collectParams() {
    var params = {};
    var bad = null;
    (state.picked.params || []).forEach(function (param) {
      var input = $(fieldId(param));
      if (!input) return;
      if (input.validity && input.validity.badInput && !bad) bad = param;
      var value = input.value.trim();
      if (value !== '') params[param.name] = value;
    });
    if (bad) throw new Error(t('badNumber', pick2(bad.label, state.lang)[0] || bad.name));
    return params;
  }

  function renderMode() {
    var q = state.picked;
    var name = q ? (pick2(q.title, state.lang)[0] || q.name) : '';
    $('mode').textContent = !q ? t('modeFree') : state.mode === 'library' ? t('modeLibrary', name) : t('modeEdited', name);
    $('mode').className = 'mode ' + (state.mode === 'library' ? 'library' : 'free');
  }

  // ------------------------------------------------------------------------------------------
  // the editor

  function setEditor(text) {
    editor.value = text;
    editor.scrollTop = 0;
    editor.scrollLeft = 0;
    updateGutter();
  }

  function updateGutter() {
    var lines = editor.value.split('\n').length;
    var numbers = [];
    for (var i = 1; i <= lines; i++) numbers.push(i);
    $('gutter').textContent = numbers.join('\n') + '\n';
    $('gutter').scrollTop = editor.scrollTop;
  }

  function insertText(text) {
    editor.focus();
    /* execCommand keeps the browser's undo history; setRangeText is the fallback. */
    if (!(document.execCommand && document.execCommand('insertText', false, text))) {
      editor.setRangeText(text, editor.selectionStart, editor.selectionEnd, 'end');
      editor.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }

  function indent(outdent) {
    var value = editor.value;
    var start = editor.selectionStart;
    var end = editor.selectionEnd;
    if (!outdent && value.slice(start, end).indexOf('\n') < 0) {
      insertText('  ');
      return;
    }
    var lineStart = value.lastIndexOf('\n', start - 1) + 1;
    var block = value.slice(lineStart, end);
    var changed = block.split('\n').map(function (line) {
      return outdent ? line.replace(/^ {1,2}/, '') : '  ' + line;
    }).join('\n');
    editor.setSelectionRange(lineStart, end);
    insertText(changed);
    editor.setSelectionRange(lineStart, lineStart + changed.length);
  }

  function onEditorKey(event) {
    if (event.key === 'Escape') {
      state.escapeTab = true;
      return;
    }
    if (event.key === 'Tab' && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (state.escapeTab) {
        state.escapeTab = false;
        return;  // let the focus move on
      }
      event.preventDefault();
      indent(event.shiftKey);
      return;
    }
    state.escapeTab = false;
  }

  function onEditorInput() {
    updateGutter();
    if (state.picked && state.mode === 'library' && editor.value !== state.picked.text) {
      state.mode = 'free';
      renderPicked();
      renderMode();
    }
  }

  function restore() {
    if (!state.picked) return;
    state.mode = 'library';
    setEditor(state.picked.text || '');
    renderPicked();
    renderMode();
  }

  function newQuery() {
    if (state.picked) {
      saveValues();
      state.picked = null;
      if (history.replaceState) history.replaceState(null, '', location.pathname + location.search);
      renderLibrary();
      renderPicked();
    }
    state.mode = 'free';
    setEditor(STARTER);
    renderMode();
    editor.focus();
  }

  // ------------------------------------------------------------------------------------------
  // running

  function errorText(response) {
    return response.text().then(function (body) {
      var message = body;
      try {
        var data = JSON.parse(body);
        if (data && typeof data.error === 'string') message = data.error;
      } catch (ignored) { /* not JSON: the text as it is */ }
      message = (message || '').trim() || (response.status + ' ' + response.statusText);
      if (response.status === 429) message += ' ' + TRY_LATER;
      return message;
    });
  }

  function runCurrent() {
    var body;
    try {
      if (state.picked && state.mode === 'library') {
        body = { name: state.picked.name, params: collectParams(), lang: state.lang };
      } else {
        if (!editor.value.trim()) throw new Error(t('emptyQuery'));
        body = { query: editor.value, lang: state.lang };
      }
    } catch (error) {
      showError(error.message);
      state.runs++;
      return;
    }
    send(body);
  }

  function setRunning(running) {
    state.running = running;
    $('run').disabled = running;
    $('run-library').disabled = running || state.mode !== 'library';
    $('run').textContent = running ? t('running') : t('run');
    $('results-pane').setAttribute('aria-busy', running ? 'true' : 'false');
  }

  function send(body) {
    if (state.controller) state.controller.abort();
    var controller = window.AbortController ? new AbortController() : null;
    state.controller = controller;
    setRunning(true);
    fetch('/api/run', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) return errorText(response).then(function (text) { throw new Error(text); });
      return response.json();
    }).then(function (data) {
      if (state.controller !== controller) return;
      state.lastRequest = body;
      state.lastResult = data;
      renderResult(data);
      finish(controller);
    }).catch(function (error) {
      if (error && error.name === 'AbortError') return;
      if (state.controller !== controller) return;
      var message = error instanceof TypeError ? t('unreachable') : String(error && error.message || error);
      state.lastRequest = null;
      state.lastResult = null;
      showError(message);
      finish(controller);
    });
  }

  function finish(controller) {
    if (state.controller === controller) state.controller = null;
    setRunning(false);
    state.runs++;
  }

  // ------------------------------------------------------------------------------------------
  // results

  function resetResults() {
    clear($('output'));
    $('count').textContent = '';
    $('elapsed').textContent = '';
    $('truncated').hidden = true;
    $('truncated').textContent = '';
    $('error').hidden = true;
    clear($('error'));
    $('downloads').hidden = true;
    $('ran').hidden = true;
  }

  function showError(message) {
    resetResults();
    state.lastResult = null;
    state.lastError = message;
    var box = $('error');
    box.appendChild(el('strong', { text: t('errorTitle') }));
    box.appendChild(el('p', { text: message }));
    box.hidden = false;
  }

  function formatMs(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '';
    if (ms < 1000) return (ms < 10 ? ms.toFixed(1) : Math.round(ms)) + ' ms';
    return (ms / 1000).toFixed(2) + ' s';
  }

  function prefixesOf(data) {
    /* Prefixes to shorten IRIs: the well-known ones, the base the data was loaded under (seen in
       an IRI the server links locally) and those the query declared (they win). */
    var prefixes = Object.assign({}, KNOWN_PREFIXES);
    var rows = data.rows || [];
    outer: for (var i = 0; i < rows.length; i++) {
      for (var key in rows[i]) {
        var term = rows[i][key];
        if (term && term.type === 'uri' && typeof term.href === 'string' && /^\/(id|source|graph)\//.test(term.href)
            && term.value.slice(-term.href.length + 1) === term.href.slice(1)) {
          var base = term.value.slice(0, term.value.length - term.href.length + 1);
          prefixes.fgid = base + 'id/';
          prefixes.fgsrc = base + 'source/';
          prefixes.fggraph = base + 'graph/';
          break outer;
        }
      }
    }
    var declared = /PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>/gi;
    var text = data.text || '';
    var m;
    while ((m = declared.exec(text))) prefixes[m[1] || ''] = m[2];
    return prefixes;
  }

  function compact(iri, prefixes) {
    var best = null;
    Object.keys(prefixes).forEach(function (name) {
      var ns = prefixes[name];
      if (ns && iri.indexOf(ns) === 0 && iri.length > ns.length && (!best || ns.length > prefixes[best].length)) best = name;
    });
    return best === null ? '<' + iri + '>' : best + ':' + iri.slice(prefixes[best].length);
  }

  function safeHref(term) {
    /* A local path from the server, or the IRI itself when it is an http(s) address. */
    var href = term.href;
    if (typeof href === 'string' && /^\/(?!\/)/.test(href)) return href;
    if (typeof href === 'string' && /^https?:\/\//i.test(href)) return href;
    if (/^https?:\/\//i.test(term.value)) return term.value;
    return null;
  }

  function termNode(term, prefixes) {
    if (!term) return null;
    var value = typeof term.value === 'string' ? term.value : JSON.stringify(term.value);
    if (term.type === 'uri') {
      var short = compact(value, prefixes);
      var href = safeHref(term);
      var label = typeof term.label === 'string' && term.label ? term.label : null;
      var main = href
        ? el('a', { href: href, title: value, rel: /^\//.test(href) ? null : 'noopener noreferrer', text: label || short })
        : el('span', { className: 'iri-text', title: value, text: label || short });
      return label ? el('span', { className: 'term uri' }, [main, el('span', { className: 'iri', title: value, text: short })])
                   : el('span', { className: 'term uri' }, [main]);
    }
    if (term.type === 'literal' || term.type === 'typed-literal') {
      var lang = term.lang || term['xml:lang'] || null;  // the contract's "lang", or SPARQL JSON's "xml:lang"
      var typed = !lang && term.datatype && PLAIN_DATATYPES.indexOf(term.datatype) < 0;
      var tag = lang ? '@' + lang : typed ? '^^' + compact(term.datatype, prefixes) : null;
      return el('span', { className: 'term literal' + (typed ? ' typed' : ''), lang: lang }, [
        el('span', { className: 'value', text: value }),
        tag ? el('span', { className: 'dt', title: term.datatype || null, text: tag }) : null
      ]);
    }
    if (term.type === 'bnode') return el('span', { className: 'term bnode', text: '_:' + value });
    if (term.type === 'triple' && term.value && typeof term.value === 'object') {  // RDF-star: << s p o >>
      return el('span', { className: 'term triple' }, ['<< ', termNode(term.value.subject, prefixes), ' ',
        termNode(term.value.predicate, prefixes), ' ', termNode(term.value.object, prefixes), ' >>']);
    }
    return el('span', { className: 'term', text: value });
  }

  function downloadLink(id, text, format) {
    var link = $(id);
    link.href = '/sparql?query=' + encodeURIComponent(text) + '&format=' + format;
    link.hidden = false;
  }

  function renderResult(data) {
    resetResults();
    state.lastError = null;
    var form = String(data.form || 'SELECT').toUpperCase();
    var rows = Array.isArray(data.rows) ? data.rows : [];
    var output = $('output');
    $('elapsed').textContent = formatMs(data.elapsed_ms) ? t('elapsed', formatMs(data.elapsed_ms)) : '';

    if (typeof data.text === 'string' && data.text) {
      ['download-csv', 'download-json', 'download-ttl', 'download-jsonld'].forEach(function (id) { $(id).hidden = true; });
      if (form === 'CONSTRUCT' || form === 'DESCRIBE') {
        downloadLink('download-ttl', data.text, 'ttl');
        downloadLink('download-jsonld', data.text, 'jsonld');
      } else {
        if (form === 'SELECT') downloadLink('download-csv', data.text, 'csv');
        downloadLink('download-json', data.text, 'json');
      }
      $('downloads').hidden = false;
      $('ran-text').textContent = data.text;
      $('ran').hidden = false;
    }

    if (form === 'ASK') {
      var yes = data['boolean'] === true;
      output.appendChild(el('p', { className: 'boolean ' + (yes ? 'yes' : 'no'), 'data-testid': 'boolean' }, [
        el('span', { className: 'sr', text: t('answer') + ': ' }),
        BOOLEAN[yes ? 'true' : 'false']
      ]));
      return;
    }

    var graph = form === 'CONSTRUCT' || form === 'DESCRIBE';
    $('count').textContent = t(graph ? 'triples' : 'rows', rows.length);
    if (data.truncated) {
      $('truncated').textContent = TRUNCATED.split('{0}').join(String(data.limit || rows.length));
      $('truncated').hidden = false;
    }
    var variables = Array.isArray(data.variables) && data.variables.length ? data.variables
      : graph ? ['subject', 'predicate', 'object'] : [];
    var prefixes = prefixesOf(data);
    var table = el('table', { 'data-testid': 'results', className: graph ? 'triples' : null }, [
      el('caption', { className: 'sr', text: t('caption', variables.length) }),
      el('thead', {}, [el('tr', {}, variables.map(function (v) { return el('th', { scope: 'col', text: v }); }))])
    ]);
    var tbody = el('tbody');
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) {
      fragment.appendChild(el('tr', {}, variables.map(function (v) {
        var term = row ? row[v] : null;
        return el('td', { className: term ? null : 'unbound' }, [termNode(term, prefixes)]);
      })));
    });
    tbody.appendChild(fragment);
    table.appendChild(tbody);
    output.appendChild(el('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('results') }, [table]));
    if (!rows.length) output.appendChild(el('p', { className: 'hint', text: t('noRows') }));
  }

  // ------------------------------------------------------------------------------------------
  // wiring

  function start() {
    var asked = /[?&]lang=(zh|en)\b/.exec(location.search);
    state.lang = asked ? asked[1] : 'zh';
    setEditor(STARTER);
    applyLanguage();
    $('lang').addEventListener('change', function () { setLanguage($('lang').value); });
    $('library-search').addEventListener('input', renderLibrary);
    $('library-search').addEventListener('keydown', function (event) {
      if (event.key === 'Enter') {
        var first = document.querySelector('#library li .lib-pick');
        if (first) { event.preventDefault(); first.click(); }
      }
    });
    $('unpick').addEventListener('click', unpick);
    $('restore').addEventListener('click', restore);
    $('new-query').addEventListener('click', newQuery);
    $('params').addEventListener('submit', function (event) {
      event.preventDefault();
      if (state.mode === 'library' && !state.running) runCurrent();
    });
    $('run').addEventListener('click', runCurrent);
    editor.addEventListener('keydown', onEditorKey);
    editor.addEventListener('input', onEditorInput);
    editor.addEventListener('scroll', function () { $('gutter').scrollTop = editor.scrollTop; });
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (!state.running) runCurrent();
      }
    });
    window.addEventListener('hashchange', function () {
      var wanted = decodeURIComponent((location.hash || '').slice(1));
      if (wanted && state.byName[wanted] && (!state.picked || state.picked.name !== wanted)) pick(wanted, { focus: false });
    });
    loadLibrary().then(function () { api.ready = true; });
  }

  var api = {
    ready: false,
    state: state,
    run: runCurrent,
    pick: pick,
    setLanguage: setLanguage
  };
  window.filmgraphQuery = api;

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
