// The tags page asks, before labelling someone, "Also show them the N earlier posts shared
// with this tag?" (SPEC §10): N from GET /api/v1/tags/<id>/members/<username>/preview/ once a
// person is chosen. Without this file the same question shows without the number.
(function () {
  "use strict";
  document.querySelectorAll("form[data-earlier-posts]").forEach(function (form) {
    var select = form.querySelector("select[name=username]");
    var legend = form.querySelector(".field-include_earlier_posts legend");
    if (!select || !legend) return;
    var question = legend.textContent;
    select.addEventListener("change", function () {
      legend.textContent = question;
      if (!select.value) return;
      fetch(form.dataset.earlierPosts + encodeURIComponent(select.value) + "/preview/", {
        credentials: "same-origin",
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer) return;
          var n = answer.earlier_posts;
          legend.textContent = "Also show them the " + n + " earlier " + (n === 1 ? "post" : "posts") +
            " shared with this tag?";
        })
        .catch(function () { /* the question stands without its number */ });
    });
  });
})();
