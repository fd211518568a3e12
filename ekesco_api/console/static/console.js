// The eKesco staff console: calls the same /api/v1 endpoints as every other client.
// Tokens live in this closure only (never localStorage or sessionStorage): closing or
// reloading the tab logs out. All text reaches the page through textContent, never as HTML.
"use strict";

(function () {
  const API = "/api/v1";
  const STRINGS = JSON.parse(document.getElementById("console-strings").textContent);
  const state = { access: null, refresh: null, role: null, email: null, lang: "sq" };
  let auditPage = 1;
  let lastSearch = null;

  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const t = (key) => (STRINGS[state.lang] && STRINGS[state.lang][key]) || STRINGS.en[key] || key;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // Times as the agents' clocks in Kosovo show them, on a 24-hour clock, whatever the
  // browser's own zone and the language's habit (Albanian would write "PD"/"MD").
  function when(value) {
    if (!value) return "–";
    const date = new Date(value);
    return date.toLocaleString(state.lang === "en" ? "en-GB" : state.lang, {
      dateStyle: "short",
      timeStyle: "short",
      timeZone: "Europe/Belgrade",
      hourCycle: "h23",
    });
  }

  // A code the API sends (remote, household, sms, queued, ...) in the page's language.
  const word = (code) => (code && STRINGS.en["v_" + code] ? t("v_" + code) : code);

  function translatePage(root) {
    $$("[data-t]", root).forEach((node) => {
      node.textContent = t(node.dataset.t);
    });
  }

  function setLanguage(lang) {
    state.lang = STRINGS[lang] ? lang : "sq";
    document.documentElement.lang = state.lang;
    document.title = t("title");
    $("#language").value = state.lang;
    translatePage(document);
    renderWho();
    document.dispatchEvent(new CustomEvent("console:language", { detail: state.lang }));
  }

  function notify(message, isError) {
    const box = $("#notice");
    box.textContent = message;
    box.className = isError ? "error" : "ok";
    box.hidden = false;
  }

  function clearNotice() {
    $("#notice").hidden = true;
  }

  // --- the API ------------------------------------------------------------------------------

  async function refreshTokens() {
    if (!state.refresh) return false;
    const response = await fetch(API + "/auth/refresh", {
      method: "POST",
      headers: { Authorization: "Bearer " + state.refresh, "Accept-Language": state.lang },
    });
    if (!response.ok) return false;
    const pair = await response.json();
    state.access = pair.access_token;
    state.refresh = pair.refresh_token;
    return true;
  }

  async function api(method, path, body, retried) {
    const headers = { "Accept-Language": state.lang };
    if (state.access) headers.Authorization = "Bearer " + state.access;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(API + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (error) {
        data = null;
      }
    }
    if (response.status === 401 && data && data.code === "token_expired" && !retried) {
      if (await refreshTokens()) return api(method, path, body, true);
    }
    if (response.status === 401 && state.access && path !== "/staff/login") {
      endSession();
      notify(t("session_over"), true);
    }
    return { ok: response.ok, status: response.status, data: data, headers: response.headers };
  }

  function problemText(result) {
    if (result.data && result.data.errors) {
      const fields = Object.values(result.data.errors).flat();
      if (fields.length) return result.data.title + " " + fields.join(" ");
    }
    return (result.data && (result.data.detail || result.data.title)) || t("error");
  }

  // --- login --------------------------------------------------------------------------------

  function renderWho() {
    const who = $("#who");
    if (!state.role) {
      who.hidden = true;
      return;
    }
    who.textContent = t("logged_in_as") + " " + state.email + " · " + t("role_" + state.role);
    who.hidden = false;
  }

  function endSession() {
    state.access = state.refresh = state.role = state.email = null;
    $("#app-view").hidden = true;
    $("#login-view").hidden = false;
    $("#logout").hidden = true;
    $("#results").replaceChildren();
    $("#audit").replaceChildren();
    renderWho();
    document.dispatchEvent(new CustomEvent("console:logout"));
  }

  async function login(event) {
    event.preventDefault();
    clearNotice();
    const form = event.target;
    const result = await api("POST", "/staff/login", {
      email: form.email.value,
      password: form.password.value,
    });
    if (!result.ok) {
      notify(problemText(result), true);
      return;
    }
    form.reset();
    state.access = result.data.access_token;
    state.refresh = result.data.refresh_token;
    state.role = result.data.role;
    state.email = form.email.value || "";
    const me = await api("GET", "/staff/me");
    if (me.ok) state.email = me.data.email;
    $("#login-view").hidden = true;
    $("#app-view").hidden = false;
    $("#logout").hidden = false;
    renderWho();
    const tabs = $$("[data-tab]");
    let first = null;
    tabs.forEach((tab) => {
      const allowed = tab.dataset.roles.split(" ").includes(state.role);
      tab.hidden = !allowed;
      if (allowed && !first) first = tab.dataset.tab;
    });
    if (first) showTab(first);
  }

  async function logout() {
    await api("POST", "/auth/logout");
    endSession();
  }

  function showTab(name) {
    $$(".tab").forEach((section) => {
      section.hidden = section.id !== "tab-" + name;
    });
    $$("[data-tab]").forEach((tab) => tab.classList.toggle("active", tab.dataset.tab === name));
    clearNotice();
    if (name === "outages") loadAreas(0, null);
    if (name === "audit") loadAudit();
    document.dispatchEvent(new CustomEvent("console:tab", { detail: name }));
  }

  // --- customers ----------------------------------------------------------------------------

  function table(columns, rows) {
    if (!rows.length) return el("p", t("nothing_yet"), "muted");
    const node = el("table");
    const head = node.createTHead().insertRow();
    columns.forEach((column) => head.appendChild(el("th", t(column[0]), column[2])));
    const body = node.createTBody();
    rows.forEach((row) => {
      const line = body.insertRow();
      columns.forEach((column) => line.appendChild(el("td", column[1](row), column[2])));
    });
    return node;
  }

  function fact(list, key, value) {
    list.appendChild(el("dt", t(key)));
    list.appendChild(el("dd", value === null || value === undefined || value === "" ? "–" : value));
  }

  function renderCustomer(customer) {
    const node = $("#customer-template").content.firstElementChild.cloneNode(true);
    translatePage(node);
    node.dataset.accountId = customer.account_id;
    $(".c-name", node).textContent =
      customer.first_name + " " + customer.last_name + " · " + customer.customer_code;
    const facts = $(".facts", node);
    fact(facts, "account", customer.account_id);
    fact(facts, "holder", customer.holder_name + (customer.name_matches_holder ? "" : " ≠"));
    fact(facts, "address", customer.address);
    fact(facts, "email", customer.email + (customer.pending_email ? " → " + customer.pending_email + " (" + t("pending_change") + ")" : ""));
    fact(facts, "phone", customer.phone + (customer.phone_carrier ? " (" + customer.phone_carrier + ")" : "") + (customer.pending_phone ? " → " + customer.pending_phone + " (" + t("pending_change") + ")" : ""));
    fact(facts, "personal_number", customer.personal_number);
    fact(facts, "status", (customer.verified ? t("verified") : t("not_verified")) + (customer.password_change_required ? " · " + t("password_change_pending") : ""));
    fact(facts, "registered_at", when(customer.created_at));
    $(".c-meters", node).appendChild(
      table(
        [
          ["customer_code", (m) => m.customer_code],
          ["meter_number", (m) => m.meter_number + (m.nickname ? " (" + m.nickname + ")" : "")],
          ["reading_mode", (m) => word(m.reading_mode)],
          ["kind", (m) => word(m.category)],
        ],
        customer.meters
      )
    );
    $(".c-codes", node).appendChild(
      table(
        [
          ["created", (c) => when(c.created_at)],
          ["purpose", (c) => word(c.purpose)],
          ["channel", (c) => word(c.channel)],
          ["recipient", (c) => c.destination],
          ["delivery", (c) => word(c.status)],
          ["sent_at", (c) => when(c.sent_at)],
          ["carrier", (c) => c.carrier || "–"],
          ["attempts", (c) => c.code_attempts],
        ],
        customer.codes
      )
    );
    $(".c-messages", node).appendChild(
      table(
        [
          ["created", (m) => when(m.created_at)],
          ["kind", (m) => word(m.kind)],
          ["channel", (m) => word(m.channel)],
          ["recipient", (m) => m.recipient],
          ["delivery", (m) => word(m.status)],
          ["sent_at", (m) => when(m.sent_at)],
          ["attempts", (m) => m.attempts],
          ["carrier", (m) => m.carrier || "–"],
        ],
        customer.messages
      )
    );
    const contact = $(".contact-form", node);
    contact.email.value = customer.email;
    contact.phone.value = customer.phone;

    $(".reset-form", node).addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!window.confirm(t("reset_confirm"))) return;
      const channel = event.target.querySelector("input[name=channel]:checked").value;
      const result = await api("POST", "/staff/accounts/" + customer.account_id + "/password-reset", { channel: channel });
      if (result.ok) {
        await rerunSearch();
        notify(t("reset_done"), false);
      } else notify(problemText(result), true);
    });
    contact.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      if (contact.email.value && contact.email.value !== customer.email) body.email = contact.email.value;
      if (contact.phone.value && contact.phone.value !== customer.phone) body.phone = contact.phone.value;
      const result = await api("PATCH", "/staff/accounts/" + customer.account_id, body);
      if (result.ok) {
        await rerunSearch();
        notify(t("contact_done"), false);
      } else notify(problemText(result), true);
    });
    $(".remove-form", node).addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!window.confirm(t("remove_confirm"))) return;
      const reason = event.target.reason.value;
      const result = await api(
        "DELETE",
        "/staff/registrations/" + encodeURIComponent(customer.customer_code),
        { reason: reason }
      );
      if (result.ok) {
        node.remove();
        notify(t("remove_done"), false);
      } else notify(problemText(result), true);
    });
    return node;
  }

  async function search(key, value) {
    lastSearch = [key, value];
    const query = new URLSearchParams({ [key]: value });
    const result = await api("GET", "/staff/customers?" + query.toString());
    const results = $("#results");
    results.replaceChildren();
    if (!result.ok) {
      notify(problemText(result), true);
      return;
    }
    if (!result.data.length) results.appendChild(el("p", t("no_customers"), "muted"));
    result.data.forEach((customer) => results.appendChild(renderCustomer(customer)));
  }

  async function rerunSearch() {
    if (lastSearch) await search(lastSearch[0], lastSearch[1]);
  }

  // --- outages ------------------------------------------------------------------------------

  function pickedArea() {
    let picked = null;
    $$("#area-picker select").forEach((select) => {
      if (!select.hidden && select.value) picked = Number(select.value);
    });
    return picked;
  }

  async function loadAreas(level, parentId) {
    const selects = $$("#area-picker select");
    selects.forEach((select, index) => {
      if (index >= level) {
        select.replaceChildren();
        select.hidden = index > level;
      }
    });
    const query = parentId ? "?parent_id=" + parentId : "";
    const result = await api("GET", "/areas" + query);
    const select = selects[level];
    if (!result.ok || !result.data.length) {
      select.hidden = level > 0;
      return;
    }
    const empty = el("option", t("choose"));
    empty.value = "";
    select.appendChild(empty);
    result.data.forEach((area) => {
      const option = el("option", area.name);
      option.value = area.id;
      select.appendChild(option);
    });
    select.hidden = false;
  }

  function localInput(value) {
    const date = new Date(value);
    const pad = (n) => String(n).padStart(2, "0");
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function renderOutage(outage) {
    const card = el("article", null, "card outage");
    card.dataset.outageId = outage.id;
    card.appendChild(el("h4", when(outage.starts_at) + " – " + when(outage.ends_at) + " · " + word(outage.status)));
    card.appendChild(el("p", (outage.kind === "planned" ? t("planned") : t("unplanned")) + " · " + (outage.areas || []).map((a) => a.name).join(", ")));
    const reason = outage.reason || "";
    card.appendChild(el("p", typeof reason === "string" ? reason : reason[state.lang] || reason.sq, "muted"));
    if (outage.status !== "cancelled" && outage.status !== "completed") {
      const form = el("form", null, "row");
      const start = el("input");
      start.type = "datetime-local";
      start.name = "starts_at";
      start.value = localInput(outage.starts_at);
      const end = el("input");
      end.type = "datetime-local";
      end.name = "ends_at";
      end.value = localInput(outage.ends_at);
      const move = el("button", t("reschedule"));
      move.type = "submit";
      const cancel = el("button", t("cancel_outage"), "danger");
      cancel.type = "button";
      form.append(start, end, move, cancel);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        await changeOutage(outage.id, {
          starts_at: new Date(start.value).toISOString(),
          ends_at: new Date(end.value).toISOString(),
        });
      });
      cancel.addEventListener("click", async () => {
        if (window.confirm(t("cancel_confirm"))) await changeOutage(outage.id, { status: "cancelled" });
      });
      card.appendChild(form);
    }
    return card;
  }

  async function changeOutage(id, body) {
    const result = await api("PATCH", "/staff/outages/" + id, body);
    if (result.ok) {
      await loadOutages();
      notify(t("changed_done"), false);
    } else notify(problemText(result), true);
  }

  async function loadOutages() {
    const list = $("#outages");
    list.replaceChildren();
    const area = pickedArea();
    if (!area) return;
    const result = await api("GET", "/outages?area_id=" + area);
    if (!result.ok) {
      notify(problemText(result), true);
      return;
    }
    if (!result.data.length) list.appendChild(el("p", t("no_outages"), "muted"));
    result.data.forEach((outage) => list.appendChild(renderOutage(outage)));
  }

  async function announce(event) {
    event.preventDefault();
    const form = event.target;
    const area = pickedArea();
    if (!area) {
      notify(t("pick_area_first"), true);
      return;
    }
    const result = await api("POST", "/staff/outages", {
      kind: form.kind.value,
      area_ids: [area],
      starts_at: new Date(form.starts_at.value).toISOString(),
      ends_at: new Date(form.ends_at.value).toISOString(),
      reason: { sq: form.reason_sq.value, en: form.reason_en.value, sr: form.reason_sr.value },
    });
    if (result.ok) {
      form.reset();
      await loadOutages();
      notify(t("announce_done"), false);
    } else notify(problemText(result), true);
  }

  // --- the audit log ------------------------------------------------------------------------

  async function loadAudit() {
    const form = $("#audit-form");
    const query = new URLSearchParams({ page: auditPage, page_size: 25 });
    ["staff_id", "account_id", "action"].forEach((name) => {
      if (form[name].value) query.set(name, form[name].value);
    });
    ["from", "to"].forEach((name) => {
      if (form[name].value) query.set(name, new Date(form[name].value).toISOString().replace(/\.\d+Z$/, "Z"));
    });
    const result = await api("GET", "/staff/audit-log?" + query.toString());
    const box = $("#audit");
    box.replaceChildren();
    if (!result.ok) {
      notify(problemText(result), true);
      return;
    }
    box.appendChild(
      table(
        [
          ["when", (e) => when(e.created_at), "nowrap"],
          ["who", (e) => (e.staff_email || "–") + (e.role ? " (" + e.role + ")" : "")],
          ["action", (e) => e.action, "nowrap"],
          ["whom", (e) => [e.account_id, e.customer_code].filter((v) => v !== null).join(" · ") || "–", "nowrap"],
          ["reason", (e) => e.reason || "–"],
          ["outcome", (e) => word(e.outcome) + (e.error_code ? " (" + e.error_code + ")" : ""), "nowrap"],
          ["details", (e) => JSON.stringify(e.details), "code"],
          ["request_id", (e) => e.request_id || "–", "code"],
        ],
        result.data
      )
    );
    const pagination = JSON.parse(result.headers.get("X-Pagination") || "{}");
    const pages = pagination.total_pages || 1;
    $("#audit-page").textContent = t("page") + " " + auditPage + " / " + pages;
    $("#audit-prev").disabled = auditPage <= 1;
    $("#audit-next").disabled = auditPage >= pages;
  }

  // --- views in modules of their own (requests.js, ...) ---------------------------------------
  // They use these helpers and listen to console:tab, console:language and console:logout.

  window.ekescoConsole = { api, t, word, el, when, table, fact, notify, clearNotice, problemText, translatePage };

  // --- wiring -------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    setLanguage($("#language").dataset.initial);
    $("#language").addEventListener("change", (event) => {
      setLanguage(event.target.value);
      if (!$("#tab-audit").hidden) loadAudit();
      else if (!$("#tab-customers").hidden) rerunSearch();
    });
    $("#login-form").addEventListener("submit", login);
    $("#logout").addEventListener("click", logout);
    $$("[data-tab]").forEach((tab) => tab.addEventListener("click", () => showTab(tab.dataset.tab)));
    $("#search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      clearNotice();
      search(event.target.key.value, event.target.value.value);
    });
    $$("#area-picker select").forEach((select, level) =>
      select.addEventListener("change", async () => {
        if (select.value && level < 2) await loadAreas(level + 1, Number(select.value));
        await loadOutages();
      })
    );
    $("#announce-form").addEventListener("submit", announce);
    $("#audit-form").addEventListener("submit", (event) => {
      event.preventDefault();
      auditPage = 1;
      loadAudit();
    });
    $("#audit-prev").addEventListener("click", () => {
      auditPage = Math.max(1, auditPage - 1);
      loadAudit();
    });
    $("#audit-next").addEventListener("click", () => {
      auditPage += 1;
      loadAudit();
    });
  });
})();
