// Keyboard shortcuts for the moderation queue and the case page.
// The page says which keys it has: an element with data-key="KeyT" is clicked on T (a form field,
// or an element with data-key-focus, is focused instead, so a closing action waits for Enter).
// Keys are matched by position (event.code), so they work in the Russian layout too.
(function () {
  "use strict";

  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]"));
  var current = -1;

  function typing(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  function visible(element) {
    return element.getClientRects().length > 0;
  }

  function select(index) {
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("selected", i === current);
      if (i === current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    var link = rows[current].querySelector("a[href]");
    if (link) link.focus(); // Enter follows the focused link
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function open() {
    var link = rows[current < 0 ? 0 : current].querySelector("a[href]");
    if (link) link.click();
  }

  function queueKey(code, target) {
    if (!rows.length) return false;
    if (code === "KeyJ") select(current + 1);
    else if (code === "KeyK") select(current - 1);
    else if (code === "KeyO" || (code === "Enter" && target === document.body)) open();
    else return false;
    return true;
  }

  function pageKey(code) {
    var targets = document.querySelectorAll('[data-key~="' + code + '"]');
    for (var i = 0; i < targets.length; i++) {
      var target = targets[i];
      if (!visible(target) || target.disabled) continue;
      if (typing(target) || target.hasAttribute("data-key-focus")) target.focus();
      else target.click();
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur(); // back to the keys
      return;
    }
    if (queueKey(event.code, event.target) || pageKey(event.code)) event.preventDefault();
  });
})();
