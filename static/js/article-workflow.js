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
  form.addEventListener("input", hold, { once: true });
  form.addEventListener("change", hold, { once: true });
});
