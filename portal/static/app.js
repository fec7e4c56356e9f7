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
