/* The search page: a form over POST /v1/search, result cards, and a case page (#/case/<id>) over
   GET /v1/cases/{id} and /v1/cases/{id}/similar. No framework; every node is built with el(), so no
   text from the API is ever parsed as HTML. */
"use strict";

(() => {
  const LABELS = window.LCR_LABELS;
  const LANG_KEY = "lcr.lang";
  let lang = localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
  const state = { query: "", search: null, searched: null, caseId: null, caseData: null, caseFailed: false,
                  similar: null };

  const $ = (selector, root = document) => root.querySelector(selector);
  const t = (key, vars = {}) =>
    (LABELS[lang][key] ?? LABELS.zh[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "");

  /** el("a", {href, class, text, onclick}, ...children): null/false props and children are skipped. */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (value == null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children.flat()) if (child != null && child !== false) node.append(child);
    return node;
  }

  const splitList = (value) => value.split(/[,，、;；\s]+/).map((s) => s.trim()).filter(Boolean);
  const formatScore = (x) => (Number.isFinite(x) ? x.toFixed(Math.abs(x) >= 10 ? 2 : 3) : String(x));
  const percent = (p) => `${Math.round(p * 100)}%`;

  // --- highlighting: characters of `text` in a pair of Chinese characters that `against` has too ---

  function bigrams(text) {
    const grams = new Set();
    for (let i = 0; i + 1 < text.length; i++) {
      const gram = text.slice(i, i + 2);
      if (/^\p{Script=Han}{2}$/u.test(gram)) grams.add(gram);
    }
    return grams;
  }

  function highlight(text, against) {
    if (!text || !against) return [text || ""];
    const grams = bigrams(against);
    const marked = new Array(text.length).fill(false);
    for (let i = 0; i + 1 < text.length; i++) {
      if (grams.has(text.slice(i, i + 2))) marked[i] = marked[i + 1] = true;
    }
    const parts = [];
    for (let i = 0; i < text.length;) {
      let j = i;
      while (j < text.length && marked[j] === marked[i]) j++;
      parts.push(marked[i] ? el("mark", {}, text.slice(i, j)) : text.slice(i, j));
      i = j;
    }
    return parts;
  }

  // --- the API -----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super(typeof body?.detail === "string" ? body.detail : "");
      this.status = status;
      this.error = body?.error || "";
      this.fields = Array.isArray(body?.fields) ? body.fields : [];
    }
  }

  async function api(path, options = {}) {
    const headers = { Accept: "application/json" };
    if (options.body) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch {
      throw new ApiError(0, { error: "NetworkError", detail: t("error.network") });
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  /** The filters of a form, leaving out empty ones (and every one when none is set). */
  function readFilters(form) {
    const f = form.elements;
    const filters = {};
    const charges = splitList(f.charges.value);
    const articles = splitList(f.articles.value);
    if (charges.length) filters.charges = charges;
    if (articles.length) filters.articles = articles;
    if (f.court.value.trim()) filters.court = f.court.value.trim();
    for (const name of ["year_from", "year_to"]) {
      if (f[name].value.trim()) filters[name] = Number(f[name].value);
    }
    return filters;
  }

  // --- errors and busy state -----------------------------------------------------------------------

  /** A Chinese (or English) headline for every error the API or the network can give. */
  function errorHeadline(err) {
    for (const key of [`error.${err.error}`, `error.${err.status}`]) {
      if (t(key) !== key) return t(key);
    }
    return err.status >= 500 ? t("error.500") : t("error.title");
  }

  const fieldLabel = (loc) => {
    const key = `field.${loc.join(".")}`;
    return t(key) === key ? loc.join(".") : t(key);
  };

  function showError(err) {
    const box = $("#error");
    const fields = (err.fields || []).map((field) => {
      const loc = (field.loc || []).filter((part, i) => !(i === 0 && (part === "body" || part === "query")));
      return el("li", {}, el("strong", {}, fieldLabel(loc)), " ", field.msg);
    });
    const detail = err.message && err.message !== errorHeadline(err) ? err.message : "";
    box.replaceChildren(...[  // replaceChildren writes a null out as the text "null": drop absent parts
      el("strong", { "data-testid": "error-headline" }, errorHeadline(err)),
      detail ? el("p", { "data-testid": "error-detail" }, detail) : null,
      fields.length ? el("ul", { "data-testid": "error-fields" }, fields) : null,
      err.status ? el("p", { class: "error-code" }, `HTTP ${err.status}${err.error ? ` · ${err.error}` : ""}`) : null,
    ].filter(Boolean));
    box.hidden = false;
  }

  const hideError = () => { $("#error").hidden = true; };

  async function busy(form, work) {
    const button = $("button[type=submit]", form);
    const status = $(".status", form);
    button.disabled = true;
    status.textContent = t("status.loading");
    hideError();
    try {
      await work();
    } catch (err) {
      status.textContent = "";
      showError(err);
    } finally {
      button.disabled = false;
    }
  }

  // --- result cards ------------------------------------------------------------------------------

  const chips = (items, cls, testid) =>
    items?.length ? el("div", { class: "chips", "data-testid": testid }, items.map((x) => el("span", { class: `chip ${cls}` }, x))) : null;

  function labelled(key, ...content) {
    return el("div", { class: "part" }, el("h3", {}, t(key)), ...content);
  }

  function matchedPairs(pairs) {
    return el("div", { class: "pairs" },
      el("div", { class: "pair pair-head" }, el("span", {}, t("card.query_sentence")), el("span", {}, t("card.case_sentence"))),
      pairs.map((p) => el("div", { class: "pair", "data-testid": "matched-pair" },
        el("p", { class: "q" }, highlight(p.query_sentence, p.case_sentence)),
        el("p", { class: "c" }, highlight(p.case_sentence, p.query_sentence),
          el("span", { class: "weight" }, formatScore(p.weight))))));
  }

  /** The shared charges' four elements (JUREX-4E): what both cases' facts satisfy, folded by default. */
  function chargeElements(list) {
    const rows = ["object", "objective", "subject", "subjective"];
    return el("details", { class: "elements", "data-testid": "charge-elements" },
      el("summary", {}, t("card.elements", { charges: list.map((e) => e.charge).join("、") })),
      list.map((e) => el("dl", {}, el("dt", { class: "charge-name" }, e.charge),
        rows.flatMap((r) => [el("dt", {}, t(`element.${r}`)), el("dd", {}, e[r])]))),
      el("p", { class: "source" }, t("card.elements_source")));
  }

  function featureTable(ex) {
    const features = ex.features || {};
    const shares = ex.contributions || {};
    const names = [...new Set([...Object.keys(features), ...Object.keys(shares)])];
    if (!names.length) return null;
    const label = (name) => (t(`feature.${name}`) === `feature.${name}` ? name : t(`feature.${name}`));
    return el("details", { class: "features", "data-testid": "tech-details" }, el("summary", {}, t("card.features")),
      el("table", {},
        el("tr", {}, el("th", {}, t("feature.name")), el("th", {}, t("feature.value")), el("th", {}, t("feature.share"))),
        names.map((name) => el("tr", {},
          el("td", { title: name }, label(name)),
          el("td", {}, name in features ? formatScore(features[name]) : ""),
          el("td", {}, name in shares ? formatScore(shares[name]) : "")))));
  }

  function card(hit, query) {
    const ex = hit.explanation || {};
    const href = `#/case/${encodeURIComponent(hit.case_id)}`;
    const named = ex.articles?.length ? ex.articles : hit.articles;
    const open = (event) => {
      if (event.target.closest("a, details") || String(window.getSelection())) return;
      location.hash = href;
    };
    return el("li", { class: "card", "data-testid": "result-card", "data-case-id": hit.case_id, onclick: open },
      el("div", { class: "card-head" },
        el("span", { class: "rank" }, `#${hit.rank}`),
        el("a", { class: "title", href, "data-testid": "result-title" }, hit.title || hit.case_id),
        el("span", { class: "score", "data-testid": "result-score" }, `${t("card.score")} ${formatScore(hit.score)}`)),
      el("p", { class: "meta" }, [hit.court, hit.year && t("case.year", { y: hit.year })].filter(Boolean).join(" · ")),
      chips(hit.charges, "charge", "result-charges"),
      named?.length ? labelled("card.articles",
        el("ul", { class: "articles", "data-testid": "result-articles" }, named.map((a) => el("li", {}, a)))) : null,
      hit.snippet ? el("p", { class: "snippet" }, highlight(hit.snippet, query)) : null,
      ex.reasons?.length ? labelled("card.why", el("ul", { class: "why", "data-testid": "result-why" }, ex.reasons.map((w) => el("li", {}, w)))) : null,
      ex.charge_elements?.length ? chargeElements(ex.charge_elements) : null,
      ex.matched_sentences?.length ? labelled("card.matched", matchedPairs(ex.matched_sentences)) : null,
      ex.shared_circumstances?.length ? labelled("card.shared", chips(ex.shared_circumstances, "circumstance")) : null,
      featureTable(ex));
  }

  function renderResults(list, form, data, query) {
    list.replaceChildren(...data.results.map((hit) => card(hit, query)));
    $(".status", form).textContent = data.results.length
      ? t("status.found", { n: data.results.length, ms: Math.round(data.took_ms) })
      : t("status.none");
  }

  /** What the model predicted for the query (the same on every hit): shown once, above the results. */
  function renderPredictions(data) {
    const ex = data.results[0]?.explanation || {};
    const charges = (ex.predicted_charges || []).map((p) => `${p.charge} ${percent(p.probability)}`);
    const articles = (ex.predicted_articles || []).map((p) => `${p.name || p.article} ${percent(p.probability)}`);
    $("#search-view .query-predictions").replaceChildren(
      charges.length ? el("div", {}, el("span", { class: "label" }, t("pred.charges")), chips(charges, "predicted")) : "",
      articles.length ? el("div", {}, el("span", { class: "label" }, t("pred.articles")), chips(articles, "predicted")) : "");
  }

  function renderSearch() {
    if (!state.search) return;
    renderPredictions(state.search);
    renderResults($("#search-view .results"), $("#search-form"), state.search, state.query);
  }

  // --- the case page -----------------------------------------------------------------------------

  function renderCase() {
    const view = $("#case-view");
    const c = state.caseData;
    $("#case-title").textContent = c ? c.title || c.case_id : state.caseFailed ? state.caseId : t("case.loading");
    $(".case-meta", view).textContent = c ? [c.court, c.year && t("case.year", { y: c.year }), c.case_id].filter(Boolean).join(" · ") : "";
    $(".case-charges", view).replaceChildren(...(c?.charges || []).map((x) => el("span", { class: "chip charge" }, x)));
    const empty = t("case.empty");
    $("[data-testid=case-facts]", view).textContent = c ? c.facts?.trim() || empty : "";
    $("[data-testid=case-reasoning]", view).textContent = c ? c.reasoning?.trim() || empty : "";
    $("[data-testid=case-result]", view).textContent = c ? c.result?.trim() || empty : "";
    const cited = c?.cited_articles || [];
    const quoted = new Set(cited.map((a) => a.article));
    const others = (c?.articles || []).filter((key) => !quoted.has(key));
    const figures = [
      ...cited.map((a) => el("figure", { class: "article" }, el("figcaption", {}, a.name || a.article),
        el("blockquote", {}, a.text || t("case.no_text")))),
      ...others.map((key) => el("figure", { class: "article other" }, el("figcaption", {}, key))),
    ];
    $(".cited", view).replaceChildren(...(figures.length || !c ? figures : [el("p", {}, t("case.no_articles"))]));
    if (state.similar) renderResults($(".results", view), $("#similar-form"), state.similar, "");
  }

  async function showCase(caseId) {
    $("[data-testid=back-link]").setAttribute("href", state.searchHash || "#/");
    $("#search-view").hidden = true;
    $("#case-view").hidden = false;
    if (state.caseId === caseId && state.caseData) return;
    Object.assign(state, { caseId, caseData: null, caseFailed: false, similar: null });
    $("#case-view .results").replaceChildren();
    $("#similar-form .status").textContent = "";
    renderCase();
    window.scrollTo(0, 0);
    try {
      const data = await api(`/v1/cases/${encodeURIComponent(caseId)}`);
      if (state.caseId !== caseId) return;  // the reader moved on meanwhile
      state.caseData = data;
      renderCase();
    } catch (err) {
      if (state.caseId !== caseId) return;
      state.caseFailed = true;
      renderCase();
      showError(err);
    }
  }

  function showSearch() {
    $("#case-view").hidden = true;
    $("#search-view").hidden = false;
  }

  // --- forms -------------------------------------------------------------------------------------

  /** A search's address: #/search?q=…&k=…&charges=…; reload, bookmarks and back/forward restore it. */
  const SEARCH_FIELDS = ["q", "k", "hint", "charges", "articles", "court", "year_from", "year_to"];

  function formParams(form) {
    const f = form.elements;
    const params = new URLSearchParams();
    const add = (name, value) => { if (String(value).trim()) params.set(name, String(value).trim()); };
    add("q", f.text.value);
    add("k", f.k.value);
    add("hint", splitList(f.charge_hint.value).join(","));
    add("charges", splitList(f.charges.value).join(","));
    add("articles", splitList(f.articles.value).join(","));
    for (const name of ["court", "year_from", "year_to"]) add(name, f[name].value);
    return params;
  }

  function fillForm(form, params) {
    const f = form.elements;
    const names = { q: "text", hint: "charge_hint" };
    for (const key of SEARCH_FIELDS) {
      const input = f[names[key] || key];
      if (key === "k") input.value = params.get("k") || input.defaultValue;
      else input.value = params.get(key) || "";
    }
  }

  function onSearch(event) {
    event.preventDefault();
    const form = event.currentTarget;
    if (!form.elements.text.value.trim()) {
      showError({ error: "EmptyQuery", status: 0, message: "", fields: [] });
      return;
    }
    const hash = `#/search?${formParams(form)}`;
    if (location.hash === hash) runSearch(form, new URLSearchParams(hash.slice(9)));
    else location.hash = hash;  // route() runs it, and the browser's history keeps it
  }

  function runSearch(form, params) {
    const text = params.get("q") || "";
    const body = { text, k: Number(params.get("k") || form.elements.k.defaultValue) };
    const filters = readFilters(form);
    if (Object.keys(filters).length) body.filters = filters;
    const hint = splitList(params.get("hint") || "");
    if (hint.length) body.charge_hint = hint;
    state.searched = params.toString();
    busy(form, async () => {
      const data = await api("/v1/search", { method: "POST", body: JSON.stringify(body) });
      if (state.searched !== params.toString()) return;  // a newer search was started meanwhile
      state.search = data;
      state.query = text;
      renderSearch();
    });
  }

  function onSimilar(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const caseId = state.caseId;
    const params = new URLSearchParams({ k: form.elements.k.value });
    for (const [name, value] of Object.entries(readFilters(form))) {
      for (const item of [value].flat()) params.append(name, item);
    }
    busy(form, async () => {
      const data = await api(`/v1/cases/${encodeURIComponent(caseId)}/similar?${params}`);
      if (state.caseId !== caseId) return;
      state.similar = data;
      renderCase();
    });
  }

  // --- language and start-up ---------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = `lcr · ${t("app.title")}`;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
    $("#lang-toggle").textContent = lang === "zh" ? "EN" : "中文";
    renderSearch();
    if (state.caseId) renderCase();
  }

  function route() {
    hideError();
    const match = location.hash.match(/^#\/case\/(.+)$/);
    if (match) return showCase(decodeURIComponent(match[1]));
    showSearch();
    if (location.hash.startsWith("#/search?")) {
      state.searchHash = location.hash;
      const params = new URLSearchParams(location.hash.slice(9));
      const form = $("#search-form");
      fillForm(form, params);
      if (params.get("q") && params.toString() !== state.searched) runSearch(form, params);
    }
  }

  for (const slot of document.querySelectorAll(".filters-slot")) {
    slot.replaceWith($("#filters-template").content.cloneNode(true));
  }
  $("#search-form").addEventListener("submit", onSearch);
  $("#similar-form").addEventListener("submit", onSimilar);
  $("#lang-toggle").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem(LANG_KEY, lang);
    applyLanguage();
  });
  window.addEventListener("hashchange", route);
  applyLanguage();
  route();
})();
