// The sandbox page's small behaviours: what arrives later (polled), external selects searched as
// one types, dispatch actions in modals, the composer's command hints. No build step.
(function () {
  "use strict";
  const main = document.getElementById("main");
  const modal = document.getElementById("modal");

  function scrollDown() { main.scrollTop = main.scrollHeight; }
  scrollDown();

  async function poll() {
    try {
      const r = await fetch("/poll?at=" + encodeURIComponent(main.dataset.at));
      const got = await r.json();
      if (got.main_sig !== main.dataset.sig) {
        const atBottom = main.scrollHeight - main.scrollTop - main.clientHeight < 40;
        main.innerHTML = got.main; main.dataset.sig = got.main_sig;
        if (atBottom) scrollDown();
      }
      if (got.modal_sig !== modal.dataset.sig && !modal.contains(document.activeElement)) {
        modal.innerHTML = got.modal; modal.dataset.sig = got.modal_sig;
      }
    } catch (e) { /* the sandbox stopped or is busy: try again */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);

  function formOf(el) { return el.closest("form"); }

  function dispatch(el, actionId, blockId) {
    const form = formOf(el);
    form.querySelector("input[name=press]").value = JSON.stringify({ a: actionId, b: blockId });
    form.action = "/modal/action";
    form.submit();
  }

  document.addEventListener("change", function (ev) {
    const el = ev.target;
    if (el.dataset && el.dataset.dispatch && !el.classList.contains("bk-search")) {
      dispatch(el, el.dataset.dispatch, el.dataset.block);
    }
  });

  document.addEventListener("click", function (ev) {
    const close = ev.target.closest("[data-close]");
    if (close) {
      const form = formOf(close);
      form.querySelector("input[name=close]").value = close.dataset.close;  // "all": the ×
      form.action = "/modal/close";
      form.submit();
      return;
    }
    const option = ev.target.closest(".bk-options li");
    if (option) {
      const box = option.closest(".bk-external");
      const hidden = box.querySelectorAll("input[type=hidden]");
      hidden[0].value = option.dataset.value;
      hidden[1].value = option.textContent;
      box.querySelector(".bk-search").value = option.textContent;
      option.parentElement.hidden = true;
      if (box.dataset.dispatch) dispatch(box, box.dataset.dispatch, box.dataset.block);
      return;
    }
    const hint = ev.target.closest("#hints li");
    if (hint) {
      const input = document.getElementById("composer");
      input.value = hint.dataset.command + " ";
      input.focus();
      showHints();
    }
  });

  document.addEventListener("submit", function (ev) {
    const form = ev.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) ev.preventDefault();
  });

  let searching = null;
  document.addEventListener("input", function (ev) {
    const el = ev.target;
    if (el.classList.contains("bk-search")) {
      const box = el.closest(".bk-external");
      clearTimeout(searching);
      searching = setTimeout(async function () {
        const list = box.querySelector(".bk-options");
        if (!el.value.trim()) { list.hidden = true; return; }
        const r = await fetch("/modal/suggest", {
          method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ action_id: box.dataset.action, typed: el.value }),
        });
        const options = await r.json();
        list.innerHTML = "";
        for (const o of options) {
          const li = document.createElement("li");
          li.dataset.value = o.value; li.textContent = o.label; li.setAttribute("role", "option");
          list.appendChild(li);
        }
        if (!options.length) {
          const li = document.createElement("li");
          li.className = "none"; li.textContent = "No matches";
          list.appendChild(li);
        }
        list.hidden = false;
      }, 150);
    } else if (el.id === "composer") {
      showHints();
    }
  });

  // The usage hints of the commands that match what is typed (all of them for a lone "/").
  function showHints() {
    const input = document.getElementById("composer");
    const hints = document.getElementById("hints");
    if (!input || !hints) return;
    const typed = input.value.trimStart();
    const name = typed.split(" ")[0];
    let any = false;
    for (const li of hints.children) {
      const c = li.dataset.command;
      const show = typed.startsWith("/") && (c.startsWith(name) || typed.startsWith(c + " "));
      li.hidden = !show;
      any = any || show;
    }
    hints.classList.toggle("open", any);
  }
  showHints();
})();
