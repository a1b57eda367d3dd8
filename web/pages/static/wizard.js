// The schedule wizard, a little nicer with JavaScript; every step works without it.
(function () {
  "use strict";
  var form = document.querySelector("form.wizard");
  if (!form) { return; }

  // Variable buttons insert {변수} at the cursor of the message text.
  var text = form.querySelector("textarea[name=message_text]");
  form.querySelectorAll("button.var").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!text) { return; }
      var value = button.getAttribute("data-var") || "";
      var start = text.selectionStart || 0;
      var end = text.selectionEnd || start;
      text.value = text.value.slice(0, start) + value + text.value.slice(end);
      text.focus();
      text.selectionStart = text.selectionEnd = start + value.length;
    });
  });

  // Drag and drop reorders the picked images; the hidden inputs move with their li.
  var picked = form.querySelector("ol.picked");
  if (picked) {
    var dragged = null;
    picked.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("li");
      if (dragged) { dragged.classList.add("dragging"); }
    });
    picked.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); }
      dragged = null;
    });
    picked.addEventListener("dragover", function (event) {
      var over = event.target.closest("li");
      if (!dragged || !over || over === dragged) { return; }
      event.preventDefault();
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      picked.insertBefore(dragged, after ? over.nextSibling : over);
    });
    picked.addEventListener("drop", function (event) { event.preventDefault(); });
  }

  // Only the fields of the chosen kinds are shown.
  function showWhen(name, rules) {
    var radios = form.querySelectorAll("input[type=radio][name=" + name + "]");
    if (!radios.length) { return; }
    function update() {
      var checked = form.querySelector("input[type=radio][name=" + name + "]:checked");
      var value = checked ? checked.value : "";
      Object.keys(rules).forEach(function (selector) {
        form.querySelectorAll(selector).forEach(function (element) {
          element.hidden = rules[selector].indexOf(value) < 0;
        });
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }
  showWhen("schedule_type", {
    ".when-once": ["once"],
    ".when-weekly": ["weekly"],
    ".when-monthly": ["monthly"],
  });
  showWhen("target_kind", { ".kind-room": ["room"], ".kind-rooms": ["rooms"], ".kind-org": ["org"] });
})();
