// The tags page asks, before labelling someone, "Also show them the N earlier posts shared
// with this tag?" (SPEC §10): N from GET /api/v1/tags/<id>/members/<username>/preview/ once a
// person is chosen. Without this file the same question shows without the number.
// The question with its number comes translated from the template (templates/connections/
// tags.html): data-question-one, -other, ... on the form, the plural forms as Intl.PluralRules
// names them, with {count} to fill in.
(function () {
  "use strict";
  function plural(element, name, count) {
    var category = count === 1 ? "one" : "other";
    try {
      category = new Intl.PluralRules(document.documentElement.lang || undefined).select(count);
    } catch (error) { /* an unknown language: English's rule */ }
    var text = element.getAttribute("data-" + name + "-" + category);
    return text === null ? element.getAttribute("data-" + name + "-other") : text;
  }
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
          var text = plural(form, "question", answer.earlier_posts);
          if (text) legend.textContent = text.split("{count}").join(String(answer.earlier_posts));
        })
        .catch(function () { /* the question stands without its number */ });
    });
  });
})();
