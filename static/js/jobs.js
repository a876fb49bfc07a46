// Job page: "select all" for the candidate checkboxes (no inline scripts; CSP holds).
document.addEventListener("change", (event) => {
  const master = event.target.closest("[data-select-all]");
  if (!master) return;
  const name = master.dataset.selectAll;
  document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
    box.checked = master.checked;
  });
});
