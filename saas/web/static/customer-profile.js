// The customer pages' forms are sent by htmx (hx-boost) and the answer replaces the page in place.
// A form the schema or the core refused comes back with its errors as 422 (409 for a conflict,
// 404 for what is not there): show it, where htmx by default swaps only 2xx answers.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 404 || status === 409 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
