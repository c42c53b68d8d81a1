// The article editor: a live preview under each text, rendered by the server's
// own renderer, and reference cards that fill from a DOI or PubMed ID and can
// be moved up and down. Without JavaScript the page works as before: save,
// then preview.
(() => {
  "use strict";

  const DEBOUNCE_MS = 500;

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function csrfToken(form) {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function visibleCards() {
    return Array.from(
      document.querySelectorAll("#references-group .inline-related:not(.empty-form)")
    ).filter((card) => !card.classList.contains("deleted-row"));
  }

  function referenceCount() {
    return visibleCards().filter((card) => {
      const title = card.querySelector("input[name$='-title']");
      const del = card.querySelector("input[name$='-DELETE']");
      return title && title.value.trim() && !(del && del.checked);
    }).length;
  }

  // --- Live preview -----------------------------------------------------------------

  function setUpPreview(form, url) {
    const fields = ["body", "plain_body"]
      .map((name) => document.getElementById(`id_${name}`))
      .filter(Boolean);
    if (!fields.length || !url) {
      return;
    }
    const panes = new Map();
    fields.forEach((textarea) => {
      const pane = document.createElement("div");
      pane.className = "wf-live-preview";
      pane.setAttribute("aria-live", "polite");
      pane.dataset.field = textarea.name;
      const heading = document.createElement("h5");
      heading.textContent = "Preview, as readers will see it";
      const content = document.createElement("div");
      content.className = "wf-live-content";
      const problem = document.createElement("p");
      problem.className = "wf-problem";
      problem.hidden = true;
      pane.append(heading, problem, content);
      textarea.insertAdjacentElement("afterend", pane);
      panes.set(textarea.name, { content, problem });
    });

    let timer = null;
    let sequence = 0;
    const refresh = () => {
      const mine = ++sequence;
      const data = new FormData();
      fields.forEach((textarea) => data.append(textarea.name, textarea.value));
      data.append("references", String(referenceCount()));
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form) },
      })
        .then((response) => response.json().then((json) => ({ ok: response.ok, json })))
        .then(({ ok, json }) => {
          if (mine !== sequence) {
            return;
          }
          panes.forEach(({ content, problem }, name) => {
            if (!ok) {
              problem.hidden = false;
              problem.textContent = json.error || "The preview is not available.";
              return;
            }
            const part = json[name] || { html: "", unresolved: [] };
            // The server sanitised this HTML with the same allowlist as the public site.
            content.innerHTML = part.html || "<p><em>Nothing written yet.</em></p>";
            if (part.unresolved && part.unresolved.length) {
              problem.hidden = false;
              problem.textContent =
                `Cites ${part.unresolved.join(", ")}, but there is no such reference yet.`;
            } else {
              problem.hidden = true;
              problem.textContent = "";
            }
          });
        })
        .catch(() => {
          panes.forEach(({ problem }) => {
            problem.hidden = false;
            problem.textContent = "The preview could not be updated; saving still works.";
          });
        });
    };
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, DEBOUNCE_MS);
    };
    fields.forEach((textarea) => textarea.addEventListener("input", schedule));
    document
      .getElementById("references-group")
      ?.addEventListener("input", (event) => {
        if (event.target.name && event.target.name.endsWith("-title")) {
          schedule();
        }
      });
    refresh();
  }

  // --- Reference cards ------------------------------------------------------------------

  // Only cards in use are numbered: changing a blank card's number would make
  // Django treat it as filled in and ask for its title.
  function inUse(card) {
    const id = card.querySelector("input[name$='-id']");
    if (id && id.value) {
      return true;
    }
    return Array.from(card.querySelectorAll("input[type=text], input[type=url], input[type=number]"))
      .filter((input) => input.name && !input.name.endsWith("-position"))
      .some((input) => input.value.trim() !== "");
  }

  function renumber() {
    visibleCards()
      .filter(inUse)
      .forEach((card, index) => {
        const position = card.querySelector("input[name$='-position']");
        if (position) {
          position.value = String(index + 1);
        }
      });
  }

  function move(card, step) {
    const cards = visibleCards();
    const index = cards.indexOf(card);
    const target = cards[index + step];
    if (!target) {
      return;
    }
    if (step < 0) {
      target.before(card);
    } else {
      target.after(card);
    }
    renumber();
    card.querySelector(".wf-ref-move button")?.focus();
    card.closest("form")?.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function fill(card, record) {
    const set = (name, value) => {
      const input = card.querySelector(`input[name$='-${name}']`);
      if (input && value !== null && value !== undefined && String(value) !== "") {
        input.value = String(value);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    };
    ["authors", "title", "journal", "year", "doi", "pmid"].forEach((name) =>
      set(name, record[name])
    );
  }

  function setUpCard(card, lookupUrl) {
    if (card.querySelector(".wf-ref-tools") || card.classList.contains("empty-form")) {
      return;
    }
    const tools = document.createElement("div");
    tools.className = "wf-ref-tools";
    const id = `lookup-${card.id || Math.random().toString(36).slice(2)}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "DOI or PubMed ID";
    const input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.placeholder = "10.1000/xyz123 or 20598394";
    input.autocomplete = "off";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button wf-lookup";
    button.textContent = "Fill from DOI or PMID";
    const status = document.createElement("span");
    status.className = "wf-lookup-status";
    status.setAttribute("role", "status");
    const moves = document.createElement("span");
    moves.className = "wf-ref-move";
    const up = document.createElement("button");
    up.type = "button";
    up.className = "button";
    up.textContent = "↑";
    up.setAttribute("aria-label", "Move this reference up");
    const down = document.createElement("button");
    down.type = "button";
    down.className = "button";
    down.textContent = "↓";
    down.setAttribute("aria-label", "Move this reference down");
    moves.append(up, down);
    tools.append(label, input, button, status, moves);
    const heading = card.querySelector("h3");
    (heading || card.firstElementChild).insertAdjacentElement("afterend", tools);

    up.addEventListener("click", () => move(card, -1));
    down.addEventListener("click", () => move(card, 1));

    const lookup = () => {
      const existing =
        card.querySelector("input[name$='-doi']")?.value.trim() ||
        card.querySelector("input[name$='-pmid']")?.value.trim() ||
        "";
      const query = input.value.trim() || existing;
      if (!query) {
        status.className = "wf-lookup-status wf-lookup-error";
        status.textContent = "Type a DOI or a PubMed ID first.";
        input.focus();
        return;
      }
      status.className = "wf-lookup-status";
      status.textContent = "Looking it up…";
      button.disabled = true;
      fetch(`${lookupUrl}?q=${encodeURIComponent(query)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then((response) => response.json().then((json) => ({ ok: response.ok, json })))
        .then(({ ok, json }) => {
          if (!ok) {
            status.className = "wf-lookup-status wf-lookup-error";
            status.textContent = json.error || "The lookup failed.";
            return;
          }
          fill(card, json);
          status.className = "wf-lookup-status";
          status.textContent = "Filled in: check the details, then save.";
        })
        .catch(() => {
          status.className = "wf-lookup-status wf-lookup-error";
          status.textContent = "The lookup could not be reached; type the reference by hand.";
        })
        .finally(() => {
          button.disabled = false;
        });
    };
    button.addEventListener("click", lookup);
    input.addEventListener("keydown", (event) => {
      // Enter looks the reference up instead of saving the whole form.
      if (event.key === "Enter") {
        event.preventDefault();
        lookup();
      }
    });
  }

  ready(() => {
    const config = document.getElementById("wf-editor-config");
    const form = document.getElementById("article_form");
    if (!config || !form) {
      return;
    }
    setUpPreview(form, config.dataset.previewUrl);
    const lookupUrl = config.dataset.lookupUrl;
    document
      .querySelectorAll("#references-group .inline-related")
      .forEach((card) => setUpCard(card, lookupUrl));
    document.addEventListener("formset:added", (event) => {
      if (event.detail && event.detail.formsetName === "references") {
        setUpCard(event.target, lookupUrl);
      }
    });
    // The numbers follow the cards' order on screen, whatever was typed in them.
    form.addEventListener("submit", renumber);
  });
})();
