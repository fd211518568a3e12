// The reset-password page: posts the new password with the e-mailed token, shows the outcome.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("reset-form");
  if (!form) return;
  const done = document.getElementById("reset-done");
  const problem = document.getElementById("reset-problem");
  const say = (text) => { problem.textContent = text; problem.hidden = false; };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    const password = form.elements.new_password.value;
    if (password !== form.elements.repeat.value) { say(form.dataset.mismatch); return; }
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const answer = await fetch("/api/v1/auth/password/reset", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": form.dataset.lang },
        body: JSON.stringify({ token: form.dataset.token, new_password: password }),
      });
      if (answer.status === 204) {
        form.hidden = true;
        done.hidden = false;
        return;
      }
      const body = await answer.json().catch(() => ({}));
      // The API explains in the page's language (weak password, used or expired link).
      const fields = body.errors ? Object.values(body.errors).flat() : [];
      say([body.detail || form.dataset.error, ...fields].join(" "));
    } catch (error) {
      say(form.dataset.error);
    } finally {
      button.disabled = false;
    }
  });
});
