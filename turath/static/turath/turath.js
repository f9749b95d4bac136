// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Facet checkboxes and the sort order apply at once instead of waiting for "Apply filters".
  document.querySelectorAll(".autosubmit").forEach(function (input) {
    input.addEventListener("change", function () {
      var form = input.form;
      var page = form.querySelector("input[name=page]");
      if (page) { page.remove(); }
      form.submit();
    });
  });
  // On a phone the filters start folded so the results come first.
  if (window.matchMedia("(max-width: 720px)").matches) {
    document.querySelectorAll("details.facets-toggle").forEach(function (d) {
      if (!d.querySelector("input:checked")) { d.removeAttribute("open"); }
    });
  }
});
