/* The public site's small helpers. Everything works without them; they
   only move focus and fill in what a printed page should say. */
(function () {
  "use strict";

  // A form sent back with mistakes: the summary takes focus, so that screen
  // readers announce it and the keyboard starts there; its links put the
  // cursor in the field they name.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']");
      var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
      (legend || label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  // A printed article says when it was printed, and prints its review
  // details whether or not the reader opened them.
  var reopen = [];
  function openDetailsForPrint() {
    var closed = document.querySelectorAll("details.review-details:not([open])");
    for (var i = 0; i < closed.length; i++) {
      closed[i].open = true;
      reopen.push(closed[i]);
    }
  }
  function closeDetailsAfterPrint() {
    while (reopen.length) {
      reopen.pop().open = false;
    }
  }
  function stampPrintDate() {
    openDetailsForPrint();
    var places = document.querySelectorAll("[data-print-date]");
    var today = new Date().toLocaleDateString(document.documentElement.lang || undefined, {
      day: "numeric",
      month: "long",
      year: "numeric",
    });
    for (var i = 0; i < places.length; i++) {
      places[i].querySelector(".print-footer__date").textContent = today;
      places[i].classList.add("is-filled");
    }
  }
  if (document.querySelector("[data-print-date]")) {
    window.addEventListener("beforeprint", stampPrintDate);
    window.addEventListener("afterprint", closeDetailsAfterPrint);
    if (window.matchMedia) {
      var print = window.matchMedia("print");
      if (print.addEventListener) {
        print.addEventListener("change", function (query) {
          if (query.matches) {
            stampPrintDate();
          }
        });
      }
    }
  }
})();
