// A second click on a submit button must not send the form twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitted) { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  form.querySelectorAll("[data-disable-on-submit]").forEach((button) => button.setAttribute("aria-busy", "true"));
});
// htmx swaps a form back with its errors: allow submitting it again.
document.addEventListener("htmx:afterSwap", (event) => {
  event.detail.target.querySelectorAll("form[data-submitted]").forEach((form) => delete form.dataset.submitted);
});
// The site menu is open in the markup, so it works without JavaScript; on a narrow screen it starts closed
// and opens on a tap. Going wide opens it again: there it is the navigation bar (app.css).
const narrowScreen = window.matchMedia("(max-width: 1023.98px)");  // as in app.css
const fitSiteMenu = () => document.querySelectorAll("details.site-menu").forEach((menu) => { menu.open = !narrowScreen.matches; });
narrowScreen.addEventListener("change", fitSiteMenu);
document.addEventListener("htmx:historyRestore", fitSiteMenu);
fitSiteMenu();
// A suggested value (the list price of a chosen SKU) goes into its field only while the field is still empty
// and the user is not in it: whatever they typed, or are about to type, stays. The input event lets the
// running total follow.
document.addEventListener("htmx:afterSettle", (event) => {
  const scope = event.detail.elt.parentElement || document;
  scope.querySelectorAll("[data-fill-empty]").forEach((hint) => {
    const field = document.querySelector(hint.dataset.fillEmpty);
    if (field && !field.value.trim() && document.activeElement !== field) {
      field.value = hint.dataset.value;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
    hint.removeAttribute("data-fill-empty");
  });
});
// A message about the whole form (such as "nothing to record") goes once the user starts filling it in.
document.addEventListener("input", (event) => {
  const form = event.target.form;
  if (form) form.querySelectorAll("[data-clear-on-input]").forEach((message) => message.remove());
});
// A column whose cells are numbers (td.number, right-aligned) gets its header aligned with them.
const alignNumberHeaders = (root) => root.querySelectorAll("table").forEach((table) => {
  const rows = [...table.tBodies].flatMap((body) => [...body.rows]).filter((row) => row.cells.length > 1);
  const header = table.tHead && table.tHead.rows[0];
  if (!header || !rows.length) return;
  [...header.cells].forEach((cell, index) => {
    if (rows.every((row) => !row.cells[index] || row.cells[index].classList.contains("number"))) cell.classList.add("number");
  });
});
document.addEventListener("DOMContentLoaded", () => alignNumberHeaders(document));
document.addEventListener("htmx:afterSettle", (event) => alignNumberHeaders(event.detail.elt.closest("table") ? event.detail.elt.closest("table").parentElement : event.detail.elt));
// What the markup asked of inline handlers and hx-on/js: values, which the Content-Security-Policy forbids
// (portal/headers.py: no inline script, no eval), is done here.
// A select or month field marked data-submit-on-change shows its choice at once (a button does it without script).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-submit-on-change]") && event.target.form) event.target.form.requestSubmit();
});
// A form marked data-confirm asks first; "cancel" sends nothing. Capture: before the double-submit guard above.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
// The report form: a line's remove button takes its row away, and the running total follows.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-line]");
  if (!button) return;
  button.closest("tr").remove();
  htmx.trigger("#report-form", "change");
});
// Parameters htmx cannot read from the markup without eval: an input's value under another name (the SKU typed
// so far is the look-up's q), and the number of the next line (one more than the rows the selector finds).
document.addEventListener("htmx:configRequest", (event) => {
  const element = event.detail.elt;
  if (element.dataset.sendValueAs) event.detail.parameters[element.dataset.sendValueAs] = element.value;
  if (element.dataset.nextIndexOf) event.detail.parameters.index = document.querySelectorAll(element.dataset.nextIndexOf).length + 1;
});
