// "Visible to N people: …" under the compose box and the edit form (SPEC §10), asked of
// POST /api/v1/audience/preview/ (the audience rule itself) whenever the audience or the tags
// change. Without this file the form's "Preview" button shows the same list.
// The sentences come translated from the template (templates/social/_audience_preview.html),
// in data-* attributes with {count} and {names} to fill in: no text lives here.
(function () {
  "use strict";
  // The plural form for `count` in the page's language: data-<name>-one, -other, ... as
  // Intl.PluralRules names them (-other when the page has no such form).
  function plural(element, name, count) {
    var category = count === 1 ? "one" : "other";
    try {
      category = new Intl.PluralRules(document.documentElement.lang || undefined).select(count);
    } catch (error) { /* an unknown language: English's rule */ }
    var text = element.getAttribute("data-" + name + "-" + category);
    return text === null ? element.getAttribute("data-" + name + "-other") || "" : text;
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }
  function names(people) {
    return people.map(function (person) { return person.display_name || person.username; }).join(", ");
  }
  function show(box, answer) {
    var people = box.querySelector(".audience-preview-people");
    people.textContent = answer.count
      ? fill(plural(box, "visible", answer.count), { count: answer.count, names: names(answer.people) })
      : box.getAttribute("data-visible-none") || "";
    var changes = [];
    if (answer.gains && answer.gains.length) {
      changes.push(fill(box.getAttribute("data-gains") || "", { names: names(answer.gains) }));
    }
    if (answer.loses && answer.loses.length) {
      changes.push(fill(box.getAttribute("data-loses") || "", { names: names(answer.loses) }));
    }
    box.querySelector(".audience-preview-changes").textContent = changes.join(" ");
  }
  function update(form, box) {
    var data = new FormData(form);
    var body = {
      audience: data.get("audience") || "connections",
      audience_tags: data.getAll("audience_tags").map(Number),
    };
    if (box.dataset.post) body.post = Number(box.dataset.post);
    fetch(box.dataset.audiencePreview, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": data.get("csrfmiddlewaretoken"),
      },
      body: JSON.stringify(body),
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) show(box, answer); })
      .catch(function () { /* offline: the Preview button still works */ });
  }
  document.querySelectorAll("[data-audience-preview]").forEach(function (box) {
    var form = box.closest("form");
    if (!form) return;
    form.addEventListener("change", function (event) {
      var name = event.target.name;
      if (name === "audience" || name === "audience_tags") update(form, box);
    });
    // Editing: at once. Composing: once the person starts (not on every feed view).
    if (box.dataset.post) {
      update(form, box);
    } else {
      form.addEventListener("focusin", function () { update(form, box); }, { once: true });
    }
  });
})();
