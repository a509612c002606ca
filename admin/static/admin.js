// playerbase admin: progressive enhancement only; every action works
// without this script.
(function () {
  "use strict";
  var fmt = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
  });
  var zone = document.getElementById("zone");
  if (zone) {
    zone.textContent = "Times are in your time zone (" + Intl.DateTimeFormat().resolvedOptions().timeZone + "); hover over one for UTC.";
  }
  // Times arrive in UTC; show them in the viewer's zone, UTC on hover.
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (!isNaN(d)) { el.textContent = fmt.format(d); }
  });
  // Destructive one-click forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // Add Field adds a row here instead of a round trip.
  var add = document.getElementById("meta-add"), rows = document.getElementById("meta-rows");
  if (add && rows) {
    add.addEventListener("click", function (e) {
      var last = rows.lastElementChild;
      if (!last) { return; }
      e.preventDefault();
      var row = last.cloneNode(true);
      row.querySelectorAll("input").forEach(function (i) { i.value = ""; i.removeAttribute("aria-invalid"); });
      row.querySelectorAll(".field-error").forEach(function (s) { s.remove(); });
      rows.appendChild(row);
      row.querySelector("input").focus();
    });
  }
})();
