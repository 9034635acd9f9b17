// Data pages: ask before a segment or an import is deleted.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form.confirm-delete");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
