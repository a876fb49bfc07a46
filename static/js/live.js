// Live cards: keep the stream URL's cursor current, so that when the SSE extension has to open
// a new EventSource (after the old one closed for good) the server replays only what this page
// missed. EventSource's own reconnects already send Last-Event-ID.
(() => {
  const remember = (element, id) => {
    const region = element && element.closest("[sse-connect]");
    if (!region || !id) return;
    const url = new URL(region.getAttribute("sse-connect"), window.location.href);
    url.searchParams.set("since", id);
    region.setAttribute("sse-connect", url.pathname + url.search);
  };
  document.addEventListener("htmx:sseMessage", (event) => {
    remember(event.target, event.detail && event.detail.lastEventId);
  });
  document.addEventListener("htmx:sseOpen", (event) => {
    const region = event.target;
    region.classList.remove("live-offline");
    region.dataset.live = "on";
    const source = event.detail.source;
    source.addEventListener("tick", (message) => remember(region, message.lastEventId));
  });
  // The session ended (a logout here or in another tab, or a revoked token): the stream's last
  // event says so, or a card's poll gets a 401 with "hw:logged-out". Stop reconnecting and
  // offer to log in again, back to this page.
  const loggedOut = (loginUrl) => {
    const notice = document.getElementById("logged-out");
    if (notice) {
      const url = new URL(loginUrl || "/login", window.location.href);
      url.searchParams.set("next", window.location.pathname + window.location.search);
      notice.querySelector("a").setAttribute("href", url.pathname + url.search);
      notice.hidden = false;
    }
    document.querySelectorAll("[sse-connect]").forEach((region) => {
      region.classList.remove("live-offline");
      region.dataset.live = "ended";
    });
  };
  document.addEventListener("htmx:sseOpen", (event) => {
    const source = event.detail.source;
    source.addEventListener("logged-out", (message) => {
      source.close();
      loggedOut(message.data);
    });
  });
  document.addEventListener("hw:logged-out", (event) => loggedOut(event.detail && event.detail.value));
  document.addEventListener("htmx:sseError", (event) => {
    if (event.target.dataset.live === "ended") return;
    event.target.classList.add("live-offline");
    event.target.dataset.live = "off";
  });
})();
// Card actions (Retry, Resend, Remind, Cancel) win over the card's live refresh. Both sync on
// the card with "replace", so a refresh announced while an action's request is in flight (the
// action itself announces one) aborted the action's request: its answer, the new card and the
// toast, never landed. While an action is in flight the refresh is skipped instead, and run
// once the action's card is in, in case the announcement was about a later change.
(() => {
  const cardOf = (element) => element && element.closest && element.closest(".inv-card");
  const isAction = (element) => element && element.matches && element.matches("form[data-card-action]");
  document.addEventListener("htmx:confirm", (event) => {
    const card = event.target;
    if (!card.matches || !card.matches(".inv-card") || !card.dataset.actionPending) return;
    event.preventDefault();
    card.dataset.refreshSkipped = "1";
  });
  document.addEventListener("htmx:beforeRequest", (event) => {
    const card = isAction(event.detail.elt) && cardOf(event.detail.elt);
    if (!card) return;
    card.dataset.actionPending = "1";
    // Not htmx:afterRequest: it fires on the form, which the swap has just removed from the
    // page, so it never reaches a listener here. The swap is done when the request ends.
    event.detail.xhr.addEventListener("loadend", () => {
      delete card.dataset.actionPending;
      if (!card.dataset.refreshSkipped) return;
      setTimeout(() => {
        const current = document.getElementById(card.id);
        if (current) htmx.trigger(current, "hw:refresh");
      }, 0);
    });
  });
})();
