// Shows the chosen images before they are uploaded (the /images form), and says so when more
// files are chosen than one upload takes (the server keeps the first ones and names the rest).
(function () {
  var input = document.getElementById("file");
  var previews = document.getElementById("previews");
  var tooMany = document.getElementById("too-many");
  if (!input || !previews) return;
  var form = input.form;
  var maxFiles = form ? parseInt(form.getAttribute("data-max-files"), 10) : NaN;
  input.addEventListener("change", function () {
    previews.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    previews.textContent = "";
    var files = input.files ? Array.prototype.slice.call(input.files) : [];
    files.forEach(function (file) {
      var item = document.createElement("li");
      item.className = "image";
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name;
      item.appendChild(img);
      item.appendChild(name);
      previews.appendChild(item);
    });
    previews.hidden = files.length === 0;
    if (tooMany) tooMany.hidden = !(files.length > maxFiles);
  });
})();
