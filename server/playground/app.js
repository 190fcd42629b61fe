// sito query playground (index.html). Talks to sitod's /api/v1 with the admin
// token the user types (kept in this tab's sessionStorage only):
//   POST /api/v1/validate       as the query is typed: diagnostics underlined at their position
//   GET  /api/v1/topics         the tenant's topics, to start from one
//   POST /api/v1/try            the topic against the pasted posts: matches, highlights, explain
//   GET  /api/v1/posts/recent   posts from the retained log
//   PUT  /api/v1/topics/{id}    save as topic
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("sito-token") || "", topics: [], validateSeq: 0, runSeq: 0 };

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + state.token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (e) { data = { error: res.statusText }; }
  if (!res.ok) {
    const err = new Error(data && data.error ? data.error : res.status + " " + res.statusText);
    err.status = res.status;
    err.data = data;
    throw err;
  }
  return data;
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Diagnostics carry UTF-8 byte offsets; the editor counts UTF-16 units.
const encoder = new TextEncoder(), decoder = new TextDecoder();
function jsIndex(text, byteOffset) {
  return decoder.decode(encoder.encode(text).slice(0, byteOffset)).length;
}

// One line under the buttons: what the last save, load or run said. A run's
// own error is cleared by the next good run, never a save's message.
function status(text, fromRun) {
  $("status").textContent = text;
  $("status").dataset.fromRun = fromRun ? "1" : "";
}

// ---- the query editor ---------------------------------------------------------

function renderMarks(text, diagnostics) {
  // Underline each diagnostic's span: from its offset to its end (at least one character).
  const spans = diagnostics.map((d) => {
    let b = jsIndex(text, d.offset), e = jsIndex(text, d.end);
    if (b >= text.length) b = Math.max(0, text.length - 1);
    if (e <= b) e = Math.min(text.length, b + 1);
    return { b, e, cls: d.severity };
  }).sort((x, y) => x.b - y.b);
  let html = "", at = 0;
  for (const s of spans) {
    if (s.b < at) continue;  // overlapping: the first wins
    html += escapeHtml(text.slice(at, s.b)) + '<span class="' + s.cls + '">' + escapeHtml(text.slice(s.b, s.e)) + "</span>";
    at = s.e;
  }
  $("query-marks").innerHTML = html + escapeHtml(text.slice(at)) + "\n";
}

function caretLines(text, d) {
  const lines = text.split("\n");
  const line = lines[Math.max(0, d.line - 1)] || "";
  const pad = " ".repeat(Math.max(0, d.column - 1));
  let out = line + "\n" + pad + "^ " + d.severity + ": " + d.message;
  if (d.hint) out += "\n" + pad + "  hint: " + d.hint;
  return out;
}

function renderDiagnostics(text, v) {
  const box = $("diagnostics");
  box.innerHTML = "";
  if (v.ok && v.diagnostics.length === 0) {
    const ok = document.createElement("span");
    ok.className = "ok";
    ok.textContent = "ok: " + v.canonical;
    box.appendChild(ok);
  }
  for (const d of v.diagnostics) {
    const el = document.createElement("div");
    el.className = d.severity;
    el.textContent = caretLines(text, d);
    box.appendChild(el);
  }
  renderMarks(text, v.diagnostics);
}

function extras() {
  const raw = $("extras").value.trim();
  if (!raw) return {};
  return JSON.parse(raw);  // a syntax error is reported by the caller
}

function withChannels() {
  try { const x = extras(); return Array.isArray(x.channels) && x.channels.length > 0; } catch (e) { return false; }
}

let validateTimer = 0;
function scheduleValidate() {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validate, 150);
}

async function validate() {
  const text = $("query").value;
  const seq = ++state.validateSeq;
  if (!state.token) return;
  try {
    const v = await api("POST", "/api/v1/validate", { query: text, as: "query", with_channels: withChannels() });
    if (seq !== state.validateSeq || text !== $("query").value) return;  // typed on meanwhile
    renderDiagnostics(text, v);
    if (v.ok && $("posts").value.trim()) scheduleRun();
  } catch (e) {
    $("diagnostics").textContent = e.message;
  }
}

// ---- topics ---------------------------------------------------------------------

async function connect(ev) {
  if (ev) ev.preventDefault();
  state.token = $("token").value.trim() || state.token;
  sessionStorage.setItem("sito-token", state.token);
  try {
    const r = await api("GET", "/api/v1/topics");
    state.topics = r.topics;
    $("whoami").textContent = "tenant " + r.tenant + ", " + r.topics.length + " topics";
    const picker = $("topic-picker");
    picker.length = 1;
    for (const t of r.topics) {
      const o = document.createElement("option");
      o.value = t.id;
      o.textContent = t.id + (t.name ? " — " + t.name : "");
      picker.appendChild(o);
    }
    validate();
  } catch (e) {
    $("whoami").textContent = e.message;
  }
}

function pickTopic() {
  const t = state.topics.find((x) => x.id === $("topic-picker").value);
  if (!t) return;
  $("topic-id").value = t.id;
  $("query").value = t.query || "";
  const rest = Object.assign({}, t);
  delete rest.id; delete rest.query; delete rest.name;
  $("extras").value = JSON.stringify(rest, null, 2);
  validate();
}

function topicFromPage() {
  const t = Object.assign({}, extras());
  t.id = $("topic-id").value.trim();
  t.query = $("query").value;
  const known = state.topics.find((x) => x.id === t.id);
  if (known && known.name && !t.name) t.name = known.name;
  return t;
}

async function save() {
  let t;
  try { t = topicFromPage(); } catch (e) { return status("channels, tags and rules: " + e.message); }
  if (!t.id) return status("the topic needs an id");
  try {
    const r = await api("PUT", "/api/v1/topics/" + encodeURIComponent(t.id), t);
    status("saved " + t.id + " (snapshot " + r.version + ")");
    connect();
  } catch (e) {
    status("not saved: " + e.message);
  }
}

// ---- running the topic over the posts ------------------------------------------

let runTimer = 0;
function scheduleRun() {
  clearTimeout(runTimer);
  runTimer = setTimeout(run, 300);
}

function renderField(f) {
  const div = document.createElement("div");
  div.className = "field";
  let html = '<span class="name">' + escapeHtml(f.name) + "</span>";
  for (const s of f.segments) {
    html += s.hit ? '<mark title="' + escapeHtml(s.term) + '">' + escapeHtml(s.text) + "</mark>" : escapeHtml(s.text);
  }
  div.innerHTML = html;
  return div;
}

function renderExplain(p) {
  const d = document.createElement("details");
  d.className = "explain";
  d.innerHTML = "<summary>explain</summary>";
  const pre = document.createElement("pre");
  let html = "";
  for (const n of p.evaluation) {
    html += "  ".repeat(n.depth) + '<span class="' + (n.truth ? "t" : "f") + '">' + (n.truth ? "✓" : "✗") + "</span> " +
      escapeHtml(n.what) + (n.positional ? " (" + n.spans + " spans)" : "") + "\n";
  }
  if (p.trace.length) html += "\nmention:\n";
  for (const l of p.trace) html += "  ".repeat(l.depth + 1) + escapeHtml(l.text) + "\n";
  pre.innerHTML = html;
  d.appendChild(pre);
  return d;
}

function renderResults(r) {
  const list = $("post-results");
  list.innerHTML = "";
  $("summary").textContent = r.matched + " of " + r.posts.length + " posts match" +
    (r.rejected.length ? "; " + r.rejected.length + " lines rejected" : "");
  for (const e of r.errors) {
    const el = document.createElement("pre");
    el.className = "diagnostics";
    el.innerHTML = '<span class="error">' + escapeHtml(e) + "</span>";
    list.appendChild(el);
  }
  for (const x of r.rejected) {
    const el = document.createElement("div");
    el.className = "diagnostics error";
    el.textContent = "line " + x.line + ": " + x.error;
    list.appendChild(el);
  }
  for (const p of r.posts) {
    const div = document.createElement("div");
    div.className = "post " + (p.matched ? "match" : "no-match");
    div.dataset.postId = p.id;
    const meta = document.createElement("div");
    meta.className = "meta";
    let m = "<strong>" + escapeHtml(p.id) + "</strong> " + (p.matched ? (p.dropped ? "matched, dropped by a rule" : "matches") : "no match");
    if (p.matched) {
      m += ' <span class="badge ' + p.sentiment + '">' + p.sentiment + "</span>";
      m += ' <span class="badge">priority ' + p.priority + "</span>";
      for (const t of p.tags) m += ' <span class="badge tag">' + escapeHtml(t) + "</span>";
      if (p.processed) m += ' <span class="badge">processed</span>';
    }
    meta.innerHTML = m;
    div.appendChild(meta);
    for (const f of p.fields) div.appendChild(renderField(f));
    div.appendChild(renderExplain(p));
    list.appendChild(div);
  }
}

async function run() {
  let topic;
  try { topic = topicFromPage(); } catch (e) { return status("channels, tags and rules: " + e.message, true); }
  const seq = ++state.runSeq;
  try {
    const r = await api("POST", "/api/v1/try", { topic, posts: $("posts").value });
    if (seq !== state.runSeq) return;
    renderResults(r);
    if ($("status").dataset.fromRun) status("");
  } catch (e) {
    status(e.message, true);
  }
}

async function loadRecent() {
  try {
    const r = await api("GET", "/api/v1/posts/recent?limit=50");
    $("posts").value = r.posts.map((p) => JSON.stringify(p)).join("\n");
    status(r.posts.length + " posts from the log");
    run();
  } catch (e) {
    status(e.message);
  }
}

$("login").addEventListener("submit", connect);
$("query").addEventListener("input", scheduleValidate);
$("query").addEventListener("scroll", () => { $("query-marks").scrollTop = $("query").scrollTop; });
$("extras").addEventListener("input", scheduleValidate);
$("posts").addEventListener("input", scheduleRun);
$("topic-picker").addEventListener("change", pickTopic);
$("run").addEventListener("click", run);
$("save").addEventListener("click", save);
$("load-recent").addEventListener("click", loadRecent);
if (state.token) { $("token").value = state.token; connect(); }
