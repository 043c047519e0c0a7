// clinrelay dashboard: plain JavaScript, no build step, no third-party code.
// Live over the notifier's socket (the tenant channel, resumed with its sequence number);
// when the socket is down it polls the REST API and keeps trying to reconnect.
"use strict";
(() => {
  const POLL_MS = 2000;
  const RECONNECT_MS = 5000;
  const SILENT_MS = 60000; // no message (not even a heartbeat) for this long: the socket is dead

  const STEPS = {
    coding: [["PHI", 1, 2], ["coding", 3, 4], ["analysis", 4, 5], ["render", 6, 8]],
    cer: [["fetch", 1, 2], ["statistics", 3, 5], ["render", 6, 8]],
  };
  const ORDINAL = { accepted: 0, ingesting: 1, ingested: 2, analyzing: 3, analyzed: 5, rendering: 6, rendered: 8 };

  const state = {
    key: sessionStorage.getItem("clinrelay.key"),
    config: null,
    reports: new Map(),
    batches: new Map(),
    socket: null,
    mode: "offline",
    tenantSeq: null,
    lastHeard: 0,
    pollTimer: null,
    reconnectTimer: null,
    milestones: new Map(),
  };
  window.clinrelay = state; // for people debugging in the console, and for the browser test

  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const child of children) node.append(child);
    return node;
  };

  // -- API ------------------------------------------------------------------------------------
  async function api(path, options = {}) {
    const headers = Object.assign({ Authorization: `Bearer ${state.key}` }, options.headers || {});
    const response = await fetch(path, Object.assign({}, options, { headers }));
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try {
        const body = await response.json();
        if (body.error && body.error.message) message = body.error.message;
      } catch (_) { /* not JSON */ }
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return response;
  }
  const apiJson = async (path, options) => (await api(path, options)).json();

  // -- toasts and milestones ------------------------------------------------------------------
  function toast(text, kind = "") {
    const node = el("div", { className: `toast ${kind}`, textContent: text });
    $("toasts").append(node);
    setTimeout(() => node.remove(), 6000);
  }

  function milestone(before, after) {
    const seen = state.milestones.get(after.id) || new Set();
    state.milestones.set(after.id, seen);
    const name = `${after.kind} report ${after.id.slice(0, 8)}`;
    const once = (key, text, kind) => { if (!seen.has(key)) { seen.add(key); toast(text, kind); } };
    if (after.status === "PROCESSING" && (!before || before.status === "PENDING")) once("started", `${name} started`);
    if (after.progress_percent >= 50 && (!before || before.progress_percent < 50) && after.status !== "FAILED") once("half", `${name} is 50 % done`);
    if (after.status === "COMPLETE") once("ready", `${name} is ready`, "ready");
    if (after.status === "FAILED") once("failed", `${name} failed: ${(after.error && after.error.message) || "no reason recorded"}`, "failed");
  }

  // -- reports --------------------------------------------------------------------------------
  function upsert(report, announce) {
    const before = state.reports.get(report.id);
    const merged = Object.assign({}, before || {}, report);
    state.reports.set(report.id, merged);
    if (announce && (!before || before.status !== merged.status || before.progress_percent !== merged.progress_percent)) {
      milestone(before, merged);
    }
    render();
  }

  function applyEvent(event) {
    const known = state.reports.get(event.report_id);
    if (!known) { // a report this page has not listed yet
      apiJson(`/v1/reports/${event.report_id}`).then((r) => upsert(r, true)).catch(() => {});
      return;
    }
    if (known.last_event_id && event.event_id <= known.last_event_id) return;
    const update = {
      id: event.report_id, status: event.status, progress_percent: event.progress_percent,
      current_step: event.current_step, updated_at: event.at, last_event_id: event.event_id,
    };
    if (event.status === "PROCESSING" && !known.started_at) update.started_at = event.at;
    if (event.status === "FAILED") update.error = event.error;
    if (event.status === "COMPLETE" || event.status === "FAILED") {
      // processing time and result come with the full view
      apiJson(`/v1/reports/${event.report_id}`).then((r) => upsert(r, false)).catch(() => {});
    }
    upsert(update, true);
  }

  async function loadReports(announce) {
    const page = await apiJson("/v1/reports?limit=50");
    for (const report of page.items) upsert(report, announce);
  }

  function stepCells(report) {
    const ordinal = ORDINAL[report.current_step] ?? (report.progress_percent >= 100 ? 8 : report.progress_percent >= 70 ? 6 : report.progress_percent >= 35 ? 3 : 1);
    const steps = STEPS[report.kind] || STEPS.coding;
    let failedMarked = false;
    return steps.map(([label, start, end]) => {
      let cls = "";
      if (report.status === "COMPLETE" || ordinal >= end) cls = "done";
      else if (report.status === "FAILED" && !failedMarked) { cls = "failed"; failedMarked = true; }
      else if (ordinal >= start) cls = "active";
      return el("span", { className: cls, textContent: label, title: `${label}: ${cls || "waiting"}` });
    });
  }

  function averageMs(kind) {
    const done = [...state.reports.values()].filter((r) => r.kind === kind && r.status === "COMPLETE" && r.processing_time_ms);
    const recent = done.slice(0, 20);
    return recent.length ? recent.reduce((s, r) => s + r.processing_time_ms, 0) / recent.length : null;
  }

  const seconds = (ms) => (ms < 60000 ? `${Math.round(ms / 1000)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`);

  function timing(report) {
    const final = report.status === "COMPLETE" || report.status === "FAILED";
    const start = Date.parse(report.started_at || report.created_at);
    const elapsed = final ? (report.processing_time_ms ?? (Date.parse(report.updated_at) - start)) : Date.now() - start;
    if (final) return [seconds(elapsed), "—"];
    const average = averageMs(report.kind);
    const progress = Math.max(report.progress_percent, 1);
    let left = average !== null ? Math.max(average - elapsed, average * (100 - progress) / 100) : null;
    // With no finished report to learn from, extrapolate only once there is something to go on.
    if (left === null && report.status === "PROCESSING" && progress >= 20 && elapsed >= 3000) {
      left = elapsed * (100 - progress) / progress;
    }
    return [seconds(elapsed), left === null ? "…" : `~${seconds(left)}`];
  }

  function render() {
    const body = $("reports").tBodies[0];
    const rows = [...state.reports.values()].sort((a, b) => (b.created_at || "").localeCompare(a.created_at || ""));
    $("no-reports").hidden = rows.length > 0;
    body.replaceChildren(...rows.map((report) => {
      const [elapsed, left] = timing(report);
      const actions = el("td", { className: "actions" });
      if (report.status === "COMPLETE") actions.append(el("button", { type: "button", className: "pdf", textContent: "PDF", onclick: () => downloadPdf(report) }));
      if (report.status === "FAILED") actions.append(el("button", { type: "button", className: "retry", textContent: "Retry", onclick: () => retry(report) }));
      actions.append(el("button", { type: "button", className: "trail", textContent: "Audit", onclick: () => showAudit(report) }));
      const progress = el("td", { className: `progress ${report.status}` },
        el("div", { className: "bar" }, el("span", { style: `width:${report.progress_percent}%` })),
        el("div", { className: "steps" }, ...stepCells(report)));
      const status = el("td", {}, el("span", { className: `badge ${report.status}`, textContent: report.status }));
      if (report.status === "FAILED" && report.error) status.append(el("div", { className: "error-text", textContent: report.error.message || "" }));
      const row = el("tr", { className: `report ${report.status}` },
        el("td", { className: "id", textContent: `${report.kind} ${report.id.slice(0, 8)}`, title: report.id }),
        status, progress, el("td", { textContent: elapsed }), el("td", { textContent: left }), actions);
      row.dataset.reportId = report.id;
      row.dataset.status = report.status;
      return row;
    }));
  }

  async function downloadPdf(report) {
    try {
      const blob = await (await api(`/v1/reports/${report.id}/pdf`)).blob();
      const link = el("a", { href: URL.createObjectURL(blob), download: `clinrelay-${report.kind}-${report.id}.pdf` });
      document.body.append(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    } catch (error) { toast(`PDF: ${error.message}`, "failed"); }
  }

  async function retry(report) {
    try {
      upsert(await apiJson(`/v1/reports/${report.id}/retry`, { method: "POST" }), false);
      state.milestones.delete(report.id);
      toast(`${report.kind} report ${report.id.slice(0, 8)} is running again`);
    } catch (error) { toast(`Retry: ${error.message}`, "failed"); }
  }

  async function showAudit(report) {
    try {
      const trail = await apiJson(`/v1/reports/${report.id}/events`);
      $("audit-report").textContent = `${report.kind} report ${report.id}`;
      const verdict = $("audit-verdict");
      verdict.textContent = trail.chain_valid ? "chain verified" : "chain broken";
      verdict.className = `badge ${trail.chain_valid ? "valid" : "broken"}`;
      $("audit-events").replaceChildren(...trail.events.map((e) => el("li", {
        textContent: `${new Date(e.at).toLocaleTimeString()} — ${e.actor}: ${e.step} (${e.outcome}, ${e.status} ${e.progress_percent} %)${e.message ? ` — ${e.message}` : ""}`,
      })));
      $("audit").hidden = false;
      $("audit").scrollIntoView({ behavior: "smooth" });
    } catch (error) { toast(`Audit trail: ${error.message}`, "failed"); }
  }

  // -- batches and schedules ------------------------------------------------------------------
  function renderBatches() {
    const items = [...state.batches.values()].sort((a, b) => (b.created_at || "").localeCompare(a.created_at || ""));
    $("batches").replaceChildren(...items.map((b) => {
      const c = b.counts || {};
      return el("li", { className: "batch", textContent: `batch ${b.id.slice(0, 8)}: ${b.status} — ${c.complete ?? 0} complete, ${c.failed ?? 0} failed of ${b.total} (${b.progress_percent ?? 0} %)` });
    }));
  }

  async function loadBatches() {
    try {
      const page = await apiJson("/v1/batches?limit=10");
      for (const batch of page.items) state.batches.set(batch.id, Object.assign(state.batches.get(batch.id) || {}, batch));
      renderBatches();
    } catch (_) { /* batches are optional here */ }
  }

  async function loadSchedules() {
    try {
      const page = await apiJson("/v1/schedules");
      $("schedules").tBodies[0].replaceChildren(...page.items.map((s) => el("tr", {},
        el("td", { textContent: s.ndc }), el("td", { textContent: s.every }),
        el("td", { textContent: new Date(s.next_run_at).toLocaleString() }),
        el("td", { textContent: s.last_outcome || "—" }))));
    } catch (_) { /* keep the last list */ }
  }

  // -- live: socket first, polling as the fallback ---------------------------------------------
  function setMode(mode) {
    state.mode = mode;
    const badge = $("connection");
    badge.dataset.mode = mode;
    badge.textContent = { live: "live", polling: "polling (socket down)", offline: "offline" }[mode];
  }

  function startPolling() {
    if (state.pollTimer) return;
    state.pollTimer = setInterval(() => {
      loadReports(true).catch(() => {});
      loadBatches();
    }, POLL_MS);
  }

  function stopPolling() {
    clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  function scheduleReconnect() {
    if (state.reconnectTimer || !state.key) return;
    state.reconnectTimer = setTimeout(() => { state.reconnectTimer = null; connect(); }, RECONNECT_MS);
  }

  function connect() {
    if (!state.key || !state.config || state.socket) return;
    let socket;
    try {
      socket = new WebSocket(`${state.config.ws_url}/v1/ws?token=${encodeURIComponent(state.key)}`);
    } catch (_) { setMode("polling"); startPolling(); scheduleReconnect(); return; }
    state.socket = socket;
    socket.onopen = () => {
      const command = { subscribe: "tenant" };
      if (state.tenantSeq !== null) command.since = state.tenantSeq;
      socket.send(JSON.stringify(command));
      state.lastHeard = Date.now();
    };
    socket.onmessage = (message) => {
      state.lastHeard = Date.now();
      const data = JSON.parse(message.data);
      if (data.type === "subscribed") {
        state.tenantSeq = data.seq;
        setMode("live");
        stopPolling();
        loadReports(true).catch(() => {}); // anything before the socket came up
      } else if (data.type === "event" && data.channel === "tenant") {
        state.tenantSeq = data.seq;
        applyEvent(data);
      } else if (data.type === "batch") {
        if (data.channel === "tenant") state.tenantSeq = data.seq;
        state.batches.set(data.batch_id, Object.assign(state.batches.get(data.batch_id) || { created_at: data.at }, data, { id: data.batch_id }));
        renderBatches();
      } else if (data.type === "snapshot" && data.channel === "tenant") {
        state.tenantSeq = data.seq;
        for (const report of data.reports) upsert(Object.assign({ id: report.report_id }, report), true);
        loadReports(false).catch(() => {});
      } else if (data.type === "error" && data.code === "unauthenticated") {
        signOut(data.message);
      }
    };
    socket.onclose = () => {
      if (state.socket !== socket) return;
      state.socket = null;
      if (!state.key) return;
      setMode("polling");
      startPolling();
      scheduleReconnect();
    };
  }

  setInterval(() => {
    if (state.socket && state.mode === "live" && Date.now() - state.lastHeard > SILENT_MS) state.socket.close();
    if (state.key) render(); // elapsed times move on
  }, 1000);

  // -- submitting -----------------------------------------------------------------------------
  async function readFiles(files) {
    return Promise.all([...files].filter((f) => /\.(json|ndjson)$/i.test(f.name) || files.length === 1).map((f) => f.text()));
  }

  async function submitFiles(files) {
    if (!files.length) return;
    try {
      const texts = await readFiles(files);
      if (texts.length === 1 && !/\.ndjson$/i.test(files[0].name)) {
        const document = JSON.parse(texts[0]);
        const bare = document.resourceType === "Bundle";
        const accepted = await apiJson("/v1/reports", {
          method: "POST",
          headers: { "Content-Type": bare ? "application/fhir+json" : "application/json" },
          body: texts[0],
        });
        toast(`Report ${accepted.id.slice(0, 8)} accepted`);
        upsert(await apiJson(`/v1/reports/${accepted.id}`), true);
      } else {
        const lines = texts.flatMap((t) => (t.trim().startsWith("{") && !t.includes("\n{") ? [JSON.stringify(JSON.parse(t))] : t.split("\n").filter((l) => l.trim())));
        const batch = await apiJson("/v1/batches", { method: "POST", headers: { "Content-Type": "application/x-ndjson" }, body: lines.join("\n") + "\n" });
        toast(`Batch ${batch.id.slice(0, 8)} accepted: ${batch.total} reports`);
        await loadBatches();
        await loadReports(false);
      }
    } catch (error) {
      toast(`Not accepted: ${error instanceof SyntaxError ? "the file is not JSON" : error.message}`, "failed");
    }
  }

  function wireSubmissions() {
    for (const id of ["bundle-file", "bundle-folder"]) {
      $(id).addEventListener("change", (e) => {
        const files = [...e.target.files];
        e.target.value = "";
        submitFiles(files);
      });
    }
    const zone = $("drop-zone");
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); submitFiles([...e.dataTransfer.files]); });
    $("cer-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const accepted = await apiJson("/v1/reports", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kind: "cer", ndc: $("ndc").value.trim() }) });
        toast(`Drug-safety report ${accepted.id.slice(0, 8)} accepted`);
        upsert(await apiJson(`/v1/reports/${accepted.id}`), true);
      } catch (error) { toast(`Not accepted: ${error.message}`, "failed"); }
    });
    $("audit-close").addEventListener("click", () => { $("audit").hidden = true; });
  }

  // -- signing in -----------------------------------------------------------------------------
  async function signIn(key) {
    state.key = key;
    try {
      await api("/v1/reports?limit=1");
    } catch (error) {
      state.key = null;
      $("sign-in-error").textContent = error.status === 401 ? "That key is unknown or revoked." : error.message;
      return;
    }
    sessionStorage.setItem("clinrelay.key", key);
    $("sign-in").hidden = true;
    $("app").hidden = false;
    $("sign-out").hidden = false;
    state.config = state.config || await (await fetch("/dashboard/config.json")).json();
    await loadReports(false);
    loadBatches();
    loadSchedules();
    setMode("polling");
    startPolling();
    connect();
    setInterval(loadSchedules, 60000);
  }

  function signOut(reason) {
    sessionStorage.removeItem("clinrelay.key");
    state.key = null;
    if (state.socket) { const s = state.socket; state.socket = null; s.close(); }
    stopPolling();
    setMode("offline");
    state.reports.clear();
    $("app").hidden = true;
    $("sign-in").hidden = false;
    $("sign-out").hidden = true;
    $("sign-in-error").textContent = reason || "";
  }

  $("sign-in-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("api-key").value.trim()); });
  $("sign-out").addEventListener("click", () => signOut(""));
  wireSubmissions();
  if (state.key) signIn(state.key);
})();
