// The article editor's toolbar: wraps the selection in Markdown and uploads images, inserting
// their Markdown at the cursor. Progressive: without this script the textarea, the save button
// and the upload form below it do all the work, and the toolbar stays hidden.
(function () {
  "use strict";

  var WRAP = {
    bold: ["**", "**", "bold"],
    italic: ["*", "*", "italic"],
    code: ["`", "`", "code"],
    link: ["[", "](https://)", "link"],
  };
  var PREFIX = { heading: "## ", list: "- ", numbered: "1. ", quote: "> " };

  function changed(area) {
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
  }

  function insert(area, text) {
    var start = area.selectionStart, end = area.selectionEnd;
    area.setRangeText(text, start, end, "end");
    changed(area);
  }

  function wrap(area, tool) {
    var start = area.selectionStart, end = area.selectionEnd;
    var selected = area.value.slice(start, end);
    var parts = WRAP[tool];
    if (tool === "code" && selected.indexOf("\n") !== -1) {
      parts = ["```\n", "\n```", "code"];
    }
    var inner = selected || parts[2];
    area.setRangeText(parts[0] + inner + parts[1], start, end, "select");
    area.setSelectionRange(start + parts[0].length, start + parts[0].length + inner.length);
    changed(area);
  }

  function prefixLines(area, tool) {
    var value = area.value;
    var start = value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.selectionEnd;
    var lines = value.slice(start, end).split("\n");
    var text = lines.map(function (line, i) {
      return tool === "numbered" ? (i + 1) + ". " + line : PREFIX[tool] + line;
    }).join("\n");
    // Markdown starts a list, quote or heading only after a blank line, unless the line above
    // is already one of the same kind.
    var above = value.slice(value.lastIndexOf("\n", start - 2) + 1, Math.max(start - 1, 0));
    var same = tool === "numbered" ? /^\d+\. /.test(above) : above.indexOf(PREFIX[tool]) === 0;
    if (start > 0 && above.trim() !== "" && !same) { text = "\n" + text; }
    area.setRangeText(text, start, end, "end");
    changed(area);
  }

  function upload(area, file, problem) {
    var data = new FormData();
    data.append("file", file);
    var token = document.querySelector("input[name=csrf_token]");
    problem.hidden = true;
    fetch(area.dataset.upload, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": token ? token.value : "" },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.error || ""); }
        insert(area, body.markdown);
      });
    }).catch(function (error) {
      problem.textContent = problem.dataset.message + (error.message ? " (" + error.message + ")" : "");
      problem.hidden = false;
    });
  }

  function setUp(area) {
    var toolbar = document.querySelector(".editor-toolbar[aria-controls='" + area.id + "']");
    if (!toolbar) { return; }
    var problem = document.getElementById("editor-upload-error");
    var picker = document.createElement("input");
    picker.type = "file";
    picker.accept = "image/png,image/jpeg,image/gif,image/webp";
    picker.hidden = true;
    picker.id = "editor-image-picker";
    toolbar.appendChild(picker);
    picker.addEventListener("change", function () {
      if (picker.files.length) { upload(area, picker.files[0], problem); }
      picker.value = "";
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-tool]");
      if (!button) { return; }
      var tool = button.dataset.tool;
      if (tool === "image") {
        if (area.dataset.upload) { picker.click(); } else { problem.textContent = problem.dataset.saveFirst; problem.hidden = false; }
      } else if (WRAP[tool]) {
        wrap(area, tool);
      } else {
        prefixLines(area, tool);
      }
    });
    toolbar.hidden = false;
  }

  document.querySelectorAll("textarea[data-editor]").forEach(setUp);
})();
