// The console's Disconnections view: cases (overdue reconnections first) with objections to
// decide and medical certificates to record, notices to confirm by phone, refused CIS events.
// Built on the helpers console.js shares (window.ekescoConsole); all text through textContent.
"use strict";

(function () {
  const ui = window.ekescoConsole;
  const { api, t, el, when, table, notify, clearNotice, problemText, translatePage } = ui;
  const $ = (selector, root) => (root || document).querySelector(selector);

  const state = (value) => t("state_" + value);
  const money = (value) => (value ? value + " €" : "–");

  function actions(item) {
    const node = $("#disc-actions-template").content.firstElementChild.cloneNode(true);
    translatePage(node);
    const decide = $(".disc-decide", node);
    const medical = $(".disc-medical", node);
    decide.hidden = !item.open_objection_id;
    medical.hidden = !["warned", "notice_given", "suspended"].includes(item.state);
    decide.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearNotice();
      const result = await api("PATCH", "/staff/objections/" + item.open_objection_id, {
        decision: event.submitter.value,
        note: decide.note.value.trim(),
      });
      if (result.ok) {
        await loadCases();
        notify(t("disc_decided"), false);
      } else notify(problemText(result), true);
    });
    medical.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearNotice();
      const result = await api("POST", "/staff/disconnections/" + item.id + "/medical-certificate", {
        issued_on: medical.issued_on.value,
      });
      if (result.ok) {
        await loadCases();
        notify(t("disc_certificate_done"), false);
      } else notify(problemText(result), true);
    });
    return node;
  }

  async function loadCases() {
    const form = $("#disc-form");
    const query = new URLSearchParams({ page_size: 100 });
    if (form.state.value) query.set("state", form.state.value);
    if (form.overdue.checked) query.set("overdue", "true");
    const result = await api("GET", "/staff/disconnections?" + query.toString());
    const box = $("#disc-cases");
    box.replaceChildren();
    if (!result.ok) return notify(problemText(result), true);
    if (!result.data.length) return box.appendChild(el("p", t("disc_none"), "muted"));
    const node = table(
      [
        ["customer_code", (c) => c.customer_code, "nowrap"],
        ["holder", (c) => c.holder_name],
        ["disc_state", (c) => state(c.state)],
        ["disc_amount", (c) => money(c.amount_due), "nowrap"],
        ["disc_warned", (c) => when(c.warned_at), "nowrap"],
        ["disc_date", (c) => c.scheduled_for || "–", "nowrap"],
        ["disc_due_by", (c) => when(c.reconnection_due_by) + (c.overdue ? " · " + t("disc_overdue") : ""), "nowrap"],
        ["disc_objection", (c) => (c.open_objection_id ? "#" + c.open_objection_id : "–")],
      ],
      result.data
    );
    node.querySelectorAll("tbody tr").forEach((row, index) => {
      const item = result.data[index];
      row.dataset.caseId = item.id;
      row.classList.toggle("overdue", item.overdue);
      const cell = el("td", null, "disc-cell");
      cell.appendChild(actions(item));
      row.appendChild(cell);
    });
    box.appendChild(node);
  }

  async function loadNotices() {
    const result = await api("GET", "/staff/disconnections/notices?page_size=100");
    const box = $("#disc-notices");
    box.replaceChildren();
    if (!result.ok) return notify(problemText(result), true);
    if (!result.data.length) return box.appendChild(el("p", t("disc_none"), "muted"));
    const node = table(
      [
        ["customer_code", (n) => n.customer_code, "nowrap"],
        ["holder", (n) => n.holder_name],
        ["disc_notice_kind", (n) => t("notice_" + n.kind)],
        ["disc_confirm_by", (n) => when(n.confirm_by), "nowrap"],
        ["phone", (n) => n.phone || "–", "nowrap"],
      ],
      result.data
    );
    node.querySelectorAll("tbody tr").forEach((row, index) => {
      const notice = result.data[index];
      const button = el("button", t("disc_reached_phone"));
      button.type = "button";
      button.addEventListener("click", async () => {
        const answer = await api("POST", "/staff/disconnections/notices/" + notice.id + "/receipt", {
          received_by: "phone",
        });
        if (answer.ok) {
          await loadNotices();
          notify(t("disc_receipt_done"), false);
        } else notify(problemText(answer), true);
      });
      row.appendChild(el("td")).appendChild(button);
    });
    box.appendChild(node);
  }

  async function loadRefused() {
    const result = await api("GET", "/staff/disconnections/refused-events?page_size=100");
    const box = $("#disc-refused");
    box.replaceChildren();
    if (!result.ok) return notify(problemText(result), true);
    box.appendChild(
      table(
        [
          ["customer_code", (r) => r.customer_code, "nowrap"],
          ["disc_event", (r) => r.event_id + " · " + r.event],
          ["disc_article", (r) => r.article || "–", "nowrap"],
          ["disc_why", (r) => r.message],
        ],
        result.data
      )
    );
  }

  function loadAll() {
    loadCases();
    loadNotices();
    loadRefused();
  }

  document.addEventListener("console:tab", (event) => {
    if (event.detail === "disconnections") loadAll();
  });
  document.addEventListener("console:logout", () => {
    ["#disc-cases", "#disc-notices", "#disc-refused"].forEach((id) => $(id).replaceChildren());
  });
  document.addEventListener("console:language", () => {
    if (!$("#tab-disconnections").hidden) loadAll();
  });
  document.addEventListener("DOMContentLoaded", () => {
    $("#disc-form").addEventListener("submit", (event) => {
      event.preventDefault();
      loadCases();
    });
  });
})();
