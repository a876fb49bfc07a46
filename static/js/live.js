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
  document.addEventListener("htmx:sseError", (event) => {
    event.target.classList.add("live-offline");
    event.target.dataset.live = "off";
  });
})();
