// "Visible to N people: …" under the compose box and the edit form (SPEC §10), asked of
// POST /api/v1/audience/preview/ (the audience rule itself) whenever the audience or the tags
// change. Without this file the form's "Preview" button shows the same list.
(function () {
  "use strict";
  function names(people) {
    return people.map(function (person) { return person.display_name || person.username; }).join(", ");
  }
  function show(box, answer) {
    var people = box.querySelector(".audience-preview-people");
    people.textContent = answer.count
      ? "Visible to " + answer.count + (answer.count === 1 ? " person: " : " people: ") + names(answer.people)
      : "Visible to nobody but you.";
    var changes = [];
    if (answer.gains && answer.gains.length) changes.push("Would start seeing it: " + names(answer.gains) + ".");
    if (answer.loses && answer.loses.length) changes.push("Would stop seeing it: " + names(answer.loses) + ".");
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
