// Small behaviours the pages share; no inline scripts, so a strict CSP holds.
document.addEventListener("DOMContentLoaded", () => {
  const toast = document.getElementById("toast");
  const show = (text) => {
    if (!toast) return;
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toast._timer);
    toast._timer = setTimeout(() => { toast.hidden = true; }, 6000);
  };
  document.body.addEventListener("hw:error", (event) => show(event.detail.value || "Something went wrong."));
  document.body.addEventListener("hw:toast", (event) => show(event.detail.value || ""));
  document.body.addEventListener("htmx:sendError", () => show("The server could not be reached. Check your connection."));
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
});
