// Canned reasons on the case page and the sanction form: picking one writes its text into the
// reason field; changing the measure offers the reasons that fit it (and swaps an untouched text).
(function () {
  "use strict";

  function start() {
    document.querySelectorAll("select[data-reason]").forEach(wire);
  }

  function wire(canned) {
    var reason = document.getElementById(canned.dataset.reason);
    var measure = document.getElementById(canned.dataset.measure);
    if (!reason) return;

    function kind() {
      return measure ? measure.value.split("_")[0] : "";
    }

    function fits(option) {
      return !option.value || !option.dataset.kind || option.dataset.kind === kind();
    }

    function offer() {
      var chosen = canned.options[canned.selectedIndex];
      Array.prototype.forEach.call(canned.options, function (option) {
        option.hidden = !fits(option);
      });
      if (chosen && chosen.value && !fits(chosen)) {
        // The reasons come best first: take the first that fits the new measure.
        var best = Array.prototype.find.call(canned.options, function (o) { return o.value && fits(o); });
        canned.value = best ? best.value : "";
        if (best) reason.value = best.dataset.text;
      }
    }

    canned.addEventListener("change", function () {
      var chosen = canned.options[canned.selectedIndex];
      if (chosen && chosen.value) reason.value = chosen.dataset.text;
    });
    reason.addEventListener("input", function () {
      var chosen = canned.options[canned.selectedIndex];
      if (chosen && chosen.value && reason.value !== chosen.dataset.text) canned.value = ""; // own words
    });
    if (measure) measure.addEventListener("change", offer);
    offer();
  }

  // Loaded deferred on the case page, from the admin form's media (in <head>) on the sanction form.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
