// imcap: turn the server-drawn SVG figures into interactive plotly charts when plotly.js
// (served locally, never from a CDN) has loaded. Without JavaScript the SVG stays.
(function () {
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-fig]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-fig"));
      if (!src) { return; }
      var fig;
      try { fig = JSON.parse(src.textContent); } catch (e) { return; }
      if (!fig || !fig.data) { return; }
      var holder = document.createElement("div");
      holder.className = "plotly-holder";
      holder.style.height = el.classList.contains("map") ? "420px" : "320px";
      el.innerHTML = "";
      el.appendChild(holder);
      window.Plotly.newPlot(holder, fig.data, fig.layout,
        {displaylogo: false, responsive: true, scrollZoom: el.classList.contains("map"),
         modeBarButtonsToRemove: ["toImage", "lasso2d", "select2d"]});
      el.setAttribute("data-drawn", "plotly");
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); }
  else { draw(); }
})();
