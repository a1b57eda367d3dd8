// Shows the chosen image before it is uploaded (the /images form).
(function () {
  var input = document.getElementById("file");
  var preview = document.getElementById("preview");
  if (!input || !preview) return;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (preview.src) URL.revokeObjectURL(preview.src);
    if (!file) { preview.hidden = true; preview.removeAttribute("src"); return; }
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  });
})();
