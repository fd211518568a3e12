// The console's Requests view: support's queue, one request with the customer, and the moves.
// Built on the helpers console.js shares (window.ekescoConsole); all text through textContent.
"use strict";

(function () {
  const ui = window.ekescoConsole;
  const { api, t, word, el, when, table, fact, notify, clearNotice, problemText, translatePage } = ui;
  const $ = (selector, root) => (root || document).querySelector(selector);
  let page = 1;
  let current = null; // the reference shown in detail

  const label = (prefix, value) => (value ? t(prefix + "_" + value) : "–");
  const money = (value) => (value ? value + " €" : "–");

  function queueQuery() {
    const form = $("#requests-form");
    const query = new URLSearchParams({ page: page, page_size: 25 });
    ["status", "kind", "topic", "customer_code"].forEach((name) => {
      const value = form[name].value.trim();
      if (value) query.set(name, value);
    });
    return query;
  }

  async function loadQueue() {
    const box = $("#requests-list");
    const result = await api("GET", "/staff/requests?" + queueQuery().toString());
    box.replaceChildren();
    if (!result.ok) {
      notify(problemText(result), true);
      return;
    }
    if (!result.data.length) box.appendChild(el("p", t("no_requests"), "muted"));
    else {
      const node = table(
        [
          ["reference", (r) => r.reference, "nowrap"],
          ["filed_at", (r) => when(r.created_at), "nowrap"],
          ["status", (r) => label("status", r.status), "nowrap"],
          ["kind", (r) => label("kind", r.kind)],
          ["topic", (r) => label("topic", r.topic)],
          ["customer_code", (r) => r.customer_code, "nowrap"],
          ["customer", (r) => r.customer_name || t("account_deleted")],
        ],
        result.data
      );
      node.querySelectorAll("tbody tr").forEach((row, index) => {
        const request = result.data[index];
        row.dataset.reference = request.reference;
        row.classList.toggle("current", request.reference === current);
        const open = el("button", t("open"));
        open.type = "button";
        open.addEventListener("click", () => loadRequest(request.reference));
        row.appendChild(el("td")).appendChild(open);
      });
      box.appendChild(node);
    }
    const pagination = JSON.parse(result.headers.get("X-Pagination") || "{}");
    const pages = pagination.total_pages || 1;
    $("#requests-page").textContent = t("page") + " " + page + " / " + pages;
    $("#requests-prev").disabled = page <= 1;
    $("#requests-next").disabled = page >= pages;
  }

  function renderAccount(node, request) {
    const data = request.account_data;
    if (!data) return;
    $(".r-account", node).hidden = false;
    const facts = $(".r-account-facts", node);
    fact(facts, "holder", data.holder_name);
    fact(facts, "holder_personal_number", data.holder_personal_number);
    fact(facts, "address", data.address);
    fact(facts, "personal_number", data.personal_number);
    fact(facts, "id_card_expiry", data.id_card_expiry);
    fact(facts, "names_match", data.name_matches_holder ? t("yes") : t("no"));
    if (data.pending_email) fact(facts, "pending_change", data.pending_email);
    if (data.pending_phone) fact(facts, "pending_change", data.pending_phone);
    fact(facts, "registered_at", when(data.registered_at));
    $(".r-meters", node).appendChild(
      table(
        [
          ["customer_code", (m) => m.customer_code],
          ["meter_number", (m) => m.meter_number],
          ["address", (m) => m.address],
        ],
        data.meters
      )
    );
    $(".r-payments", node).appendChild(
      table(
        [
          ["when", (p) => when(p.paid_at), "nowrap"],
          ["amount", (p) => money(p.amount), "nowrap"],
          ["customer_code", (p) => p.customer_code, "nowrap"],
          ["source", (p) => word(p.source) + (p.source === "cis" ? " · " + p.channel : "")],
          ["reference", (p) => p.reference || "–", "code"],
          ["status", (p) => word(p.status)],
        ],
        request.last_payments || []
      )
    );
  }

  function renderRequest(request) {
    const node = $("#request-template").content.firstElementChild.cloneNode(true);
    translatePage(node);
    node.dataset.reference = request.reference;
    $(".r-title", node).textContent = request.reference + " · " + label("status", request.status);
    const facts = $(".r-facts", node);
    fact(facts, "kind", label("kind", request.kind));
    fact(facts, "topic", label("topic", request.topic));
    fact(facts, "filed_at", when(request.created_at));
    fact(facts, "updated", when(request.updated_at));
    fact(facts, "customer_code", request.customer_code);
    fact(facts, "meter", request.meter_number);
    $(".r-description", node).textContent = request.description;
    const customer = $(".r-customer", node);
    if (request.customer) {
      const c = request.customer;
      fact(customer, "name", c.first_name + " " + c.last_name);
      fact(customer, "account", c.account_id);
      fact(customer, "email", c.email);
      fact(customer, "phone", c.phone);
      fact(customer, "language", c.language);
    } else fact(customer, "account", t("account_deleted"));
    renderAccount(node, request);
    $(".r-history", node).appendChild(
      table(
        [
          ["when", (e) => when(e.at), "nowrap"],
          ["status", (e) => label("status", e.status), "nowrap"],
          ["note", (e) => e.note || "–", "text"],
          ["by", (e) => e.staff_email || t("customer")],
        ],
        request.history
      )
    );
    const form = $(".r-action", node);
    if (request.status === "resolved" || request.status === "rejected") {
      form.hidden = true;
      $(".r-closed", node).hidden = false;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = event.submitter ? event.submitter.value : "in_progress";
      const result = await api("PATCH", "/staff/requests/" + encodeURIComponent(request.reference), {
        status: status,
        note: form.note.value,
        version: request.version,
      });
      if (result.ok) {
        show(result.data);
        await loadQueue();
        notify(t("request_done"), false);
      } else {
        notify(problemText(result), true);
        if (result.status === 409) await loadRequest(request.reference, true);
      }
    });
    return node;
  }

  function show(request) {
    current = request.reference;
    $("#request-detail").replaceChildren(renderRequest(request));
    document.querySelectorAll("#requests-list tr[data-reference]").forEach((row) => {
      row.classList.toggle("current", row.dataset.reference === current);
    });
  }

  async function loadRequest(reference, keepNotice) {
    if (!keepNotice) clearNotice();
    const result = await api("GET", "/staff/requests/" + encodeURIComponent(reference));
    if (result.ok) show(result.data);
    else notify(problemText(result), true);
  }

  function reset() {
    page = 1;
    current = null;
    $("#requests-list").replaceChildren();
    $("#request-detail").replaceChildren();
  }

  document.addEventListener("console:tab", (event) => {
    if (event.detail === "requests") loadQueue();
  });
  document.addEventListener("console:logout", reset);
  document.addEventListener("console:language", () => {
    if ($("#tab-requests").hidden) return;
    loadQueue();
    if (current) loadRequest(current, true);
  });
  document.addEventListener("DOMContentLoaded", () => {
    $("#requests-form").addEventListener("submit", (event) => {
      event.preventDefault();
      page = 1;
      loadQueue();
    });
    $("#requests-prev").addEventListener("click", () => {
      page = Math.max(1, page - 1);
      loadQueue();
    });
    $("#requests-next").addEventListener("click", () => {
      page += 1;
      loadQueue();
    });
  });
})();
