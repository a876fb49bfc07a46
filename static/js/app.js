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
  // A form inside [data-swap-errors] answers its own fragment with the error beside the field
  // (400, 409): swap it in instead of dropping it, as htmx does with error statuses.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // A transcript timestamp plays the recording from there (video first, else the audio).
  document.addEventListener("click", (event) => {
    const seek = event.target.closest(".t-seek[data-seek]");
    if (!seek) return;
    const result = seek.closest(".result");
    const player = result && (result.querySelector("video.result-video") || result.querySelector("audio.result-audio"));
    const at = Number.parseFloat(seek.dataset.seek);
    if (!player || !Number.isFinite(at)) return;
    player.currentTime = at;
    const playing = player.play();
    if (playing && playing.catch) playing.catch(() => {});  // a media error shows in the player
  });
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
});
