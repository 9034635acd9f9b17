// The customer list: "tick all" ticks every row of the page; after htmx swaps the results in
// (filtering, paging), the forms that return to the list return to the URL now shown, and the
// status line (an aria-live region) says what changed.
(function () {
  "use strict";

  function tickAll(event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("select-all")) { return; }
    var form = box.closest("form");
    form.querySelectorAll('input[name="ids"]').forEach(function (row) { row.checked = box.checked; });
  }

  function followLocation() {
    var here = window.location.pathname + window.location.search;
    document.querySelectorAll("input.list-next").forEach(function (input) { input.value = here; });
  }

  document.addEventListener("change", tickAll);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "customer-results") { followLocation(); }
  });
  window.addEventListener("popstate", followLocation);
})();
