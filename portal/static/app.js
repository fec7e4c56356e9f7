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
