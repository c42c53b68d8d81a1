// Workflow buttons act on the saved article: once the form below has
// unsaved edits, hold them back and say so, so that nothing typed is lost.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("article_form");
  const warning = document.querySelector(".wf-unsaved");
  if (!form || !warning) {
    return;
  }
  const hold = () => {
    warning.hidden = false;
    document.querySelectorAll(".wf-action:not(.wf-blocked) button").forEach((button) => {
      button.disabled = true;
    });
    document.querySelectorAll(".wf-action details").forEach((details) => {
      details.open = false;
    });
  };
  // A save that was refused comes back with the typed text and its errors:
  // that text is not saved yet either, so the buttons wait for a good save.
  if (form.querySelector(".errornote, .errorlist")) {
    hold();
    return;
  }
  form.addEventListener("input", hold, { once: true });
  form.addEventListener("change", hold, { once: true });
});
