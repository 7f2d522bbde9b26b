/* The search box's type-ahead as a WAI-ARIA 1.2 combobox with a listbox popup.
 *
 * htmx fills the listbox with options (home/_typeahead.html) and the live region with their
 * count; this script only moves the active option and opens it. Focus stays in the input
 * throughout (aria-activedescendant), so typing goes on while an option is active:
 * Down/Up move (wrapping), Enter opens the active option or else submits the search,
 * Escape closes the list and a second Escape clears the box, Tab leaves and closes.
 * Without JavaScript neither htmx nor this runs, and the box is a plain search form.
 */
(function () {
  "use strict";

  function setUp(input) {
    var list = document.getElementById(input.getAttribute("data-combobox"));
    var status = document.getElementById("typeahead-status");
    if (!list) return;
    var active = -1;
    // Set here, not in the markup: without this script there is no popup to announce.
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function options() {
      return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
    }

    function isOpen() {
      return input.getAttribute("aria-expanded") === "true";
    }

    function activate(index) {
      var all = options();
      active = index;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      var any = options().length > 0;
      list.hidden = !any;
      input.setAttribute("aria-expanded", any ? "true" : "false");
      activate(-1);
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      activate(-1);
    }

    function follow(option) {
      close();
      window.location.assign(option.getAttribute("data-href"));
    }

    input.addEventListener("keydown", function (event) {
      var all = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!all.length || !input.value) return;
        event.preventDefault();
        if (!isOpen()) {
          open();
          activate(event.key === "ArrowDown" ? 0 : all.length - 1);
          return;
        }
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active < 0 ? (step > 0 ? 0 : all.length - 1) : active + step;
        activate((next + all.length) % all.length);
      } else if (event.key === "Enter") {
        if (isOpen() && active >= 0 && all[active]) {
          event.preventDefault();
          follow(all[active]);
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        if (isOpen()) {
          close();
        } else if (input.value) {
          input.value = "";
          list.textContent = "";
          if (status) status.textContent = "";
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    // The mouse: a press on an option keeps the focus in the box, a click opens it.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) follow(option);
    });
    list.addEventListener("mousemove", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) activate(options().indexOf(option));
    });

    input.addEventListener("blur", close);
    input.addEventListener("focus", function () {
      if (input.value && options().length) open();
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === list) {
        if (document.activeElement === input) open(); else close();
      }
    });
  }

  function start() {
    var boxes = document.querySelectorAll("input[data-combobox]");
    Array.prototype.forEach.call(boxes, setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
