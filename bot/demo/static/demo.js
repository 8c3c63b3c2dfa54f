// The demo page: asks the server what the chosen person sees (waiting there until
// something changes), shows it, and sends what the person does. Plain JavaScript.
"use strict";

const state = {
  user: null, conversation: "home", version: -1, modalKey: null, poll: null, returnFocus: null,
};
// Names this page to the server, which then answers its previous question at once when it
// asks a new one (switching people or conversations).
const client = Math.random().toString(36).slice(2) + Date.now().toString(36);
const $ = (id) => document.getElementById(id);

async function api(name, body) {
  const response = await fetch("/api/" + name, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    notice(answer.error || "Something went wrong (" + response.status + ").");
    return null;
  }
  return answer;
}

function notice(text) {
  const box = $("notice");
  box.textContent = text;
  box.classList.toggle("shown", Boolean(text));
  if (text) setTimeout(() => { if (box.textContent === text) notice(""); }, 6000);
}

// -- following the workspace -----------------------------------------------------------

function refresh() {
  if (state.poll) state.poll.abort();
  state.version = -1;
  poll();
}

async function poll() {
  const controller = new AbortController();
  state.poll = controller;
  const query = new URLSearchParams({
    user: state.user, conversation: state.conversation, after: String(state.version), client,
  });
  try {
    const response = await fetch("/api/state?" + query, { signal: controller.signal });
    if (!response.ok) throw new Error(String(response.status));
    const view = await response.json();
    if (state.poll !== controller) return;
    show(view);
    state.version = view.version;
    setTimeout(poll, 0);
  } catch (error) {
    if (controller.signal.aborted) return;
    setTimeout(poll, 1000);
  }
}

function show(view) {
  $("now").textContent = view.now_text + " (" + view.zone + ")";
  $("now").dataset.iso = view.now;
  document.body.dataset.user = view.me.id;
  // What the person reads is in their Slack language (for screen readers too).
  $("messages").lang = $("modal-layer").lang = view.me.lang;
  const focused = focusKey(document.activeElement);
  showSidebar(view.conversations);
  const title = $("conversation-title");
  title.textContent = view.conversation.label;
  const log = $("messages");
  const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
  if (log.dataset.html !== view.conversation.html) {
    log.innerHTML = view.conversation.html;
    log.dataset.html = view.conversation.html;
    if (atEnd || state.conversation !== log.dataset.conversation) log.scrollTop = log.scrollHeight;
    log.dataset.conversation = state.conversation;
  }
  showModal(view.modal);
  showTour(view.tour);
  refocus(focused);
}

// Where the keyboard was, by what the element is (a conversation, a message's button), so
// an update of the page keeps it there.
function focusKey(element) {
  if (!element || element === document.body) return null;
  if (element.dataset.conversation) return '[data-conversation="' + element.dataset.conversation + '"]';
  const message = element.closest("[data-ts]");
  if (message && element.dataset.actionId) {
    return '[data-ts="' + message.dataset.ts + '"] [data-action-id="' + element.dataset.actionId + '"]';
  }
  return element.id ? "#" + element.id : null;
}

function refocus(key) {
  if (!key || document.activeElement && document.activeElement !== document.body) return;
  const element = document.querySelector(key);
  if (element) element.focus();
}

// How many messages of each conversation the person has seen here (per person): the
// sidebar's badges count the others, as Slack counts unread messages.
const seen = new Map();

function unread(c) {
  const key = state.user + "|" + c.id;
  if (c.id === state.conversation) seen.set(key, c.count);
  return Math.max(0, c.count - (seen.get(key) || 0));
}

function showSidebar(conversations) {
  const nav = $("sidebar");
  const known = conversations.some((c) => c.id === state.conversation);
  if (!known) state.conversation = "home";
  const drawn = JSON.stringify([state.user, state.conversation, conversations.map((c) => [c.id, c.label, unread(c)])]);
  if (nav.dataset.drawn === drawn) return;  // unchanged: keep it (and the keyboard) as it is
  nav.dataset.drawn = drawn;
  nav.replaceChildren(...conversations.map((c) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conv conv-" + c.kind + (c.id === state.conversation ? " current" : "");
    button.dataset.conversation = c.id;
    button.textContent = c.label;
    if (c.id === state.conversation) button.setAttribute("aria-current", "true");
    const fresh = unread(c);
    if (fresh) {
      const badge = document.createElement("span");
      badge.className = "count";
      badge.textContent = String(fresh);
      badge.setAttribute("aria-label", fresh + " unread");
      button.append(" ", badge);
    }
    button.addEventListener("click", () => openConversation(c.id));
    return button;
  }));
}

async function openConversation(id) {
  state.conversation = id;
  sessionStorage.setItem("conversation", id);
  refresh();
  if (id === "home") await api("home", { user: state.user });
}

function showModal(modal) {
  const layer = $("modal-layer");
  const key = modal ? modal.id + "|" + modal.hash + "|" + modal.html : null;
  if (key === state.modalKey) return;
  state.modalKey = key;
  const shown = layer.querySelector("[role=dialog].modal");
  const kept = modal && shown && shown.dataset.viewId === modal.id ? entered(shown) : null;
  if (modal && !shown) state.returnFocus = document.activeElement;
  layer.innerHTML = modal ? modal.html : "";
  if (kept) restore(layer, kept);
  layer.classList.toggle("open", Boolean(modal));
  // While a modal is open, the page behind it cannot be reached (keyboard included).
  for (const part of document.querySelectorAll("body > header, body > section, .layout")) {
    part.inert = Boolean(modal);
  }
  if (modal) {
    const first = layer.querySelector("[aria-invalid=true], input, select, textarea, button");
    if (first) first.focus();
  } else if (shown && state.returnFocus && document.contains(state.returnFocus)) {
    state.returnFocus.focus();
  }
}

// What the person entered in a modal, by control: kept when the bot shows the same modal
// again (with its errors, or updated), as Slack keeps it.
function entered(modal) {
  const values = new Map();
  for (const control of modal.querySelectorAll("input[id], select[id], textarea[id]")) {
    if (control.type === "radio" || control.type === "checkbox") {
      values.set(control.id, control.checked);
    } else if (control.multiple) {
      values.set(control.id, [...control.selectedOptions].map((o) => o.value));
    } else {
      values.set(control.id, control.value);
    }
  }
  return values;
}

function restore(layer, values) {
  for (const [id, value] of values) {
    const control = document.getElementById(id);
    if (!control || !layer.contains(control)) continue;
    if (control.type === "radio" || control.type === "checkbox") {
      control.checked = value;
    } else if (control.multiple) {
      for (const option of control.options) option.selected = value.includes(option.value);
    } else {
      control.value = value;
    }
  }
}

function showTour(tour) {
  const text = tour.next
    ? "Guided tour, step " + (tour.done + 1) + " of " + tour.total + ": " + tour.next
    : "The tour is over. Look around, or reset the demo to play it again.";
  $("tour-text").textContent = (tour.last ? "Done: " + tour.last + " — " : "") + text;
  $("tour-next").disabled = !tour.next;
}

// -- what the person does ----------------------------------------------------------------

function confirmFirst(button) {
  const spec = button.dataset.confirm ? JSON.parse(button.dataset.confirm) : null;
  if (!spec) return Promise.resolve(true);
  const dialog = $("confirm");
  $("confirm-title").textContent = spec.title;
  $("confirm-text").textContent = spec.text;
  $("confirm-yes").textContent = spec.confirm;
  $("confirm-deny").textContent = spec.deny;
  return new Promise((resolve) => {
    const done = (answer) => { dialog.close(); resolve(answer); };
    $("confirm-yes").onclick = () => done(true);
    $("confirm-deny").onclick = () => done(false);
    dialog.oncancel = () => resolve(false);
    dialog.showModal();
  });
}

function targetOf(element) {
  const message = element.closest("[data-ts]");
  if (message) return { channel: message.dataset.channel, ts: message.dataset.ts };
  const view = element.closest("[data-view-id]");
  return view ? { view_id: view.dataset.viewId } : {};
}

async function act(element, extra) {
  const body = { user: state.user, action_id: element.dataset.actionId, ...targetOf(element), ...extra };
  if (element.dataset.value !== undefined) body.value = element.dataset.value;
  await api("click", body);
}

function answersOf(form) {
  const answers = {};
  for (const input of form.querySelectorAll(".bk-input")) {
    const block = input.dataset.blockId;
    const type = input.dataset.type;
    if (type === "checkboxes") {
      answers[block] = [...input.querySelectorAll("input:checked")].map((i) => i.value);
    } else if (type === "radio_buttons") {
      const chosen = input.querySelector("input:checked");
      answers[block] = chosen ? chosen.value : null;
    } else if (type === "multi_static_select") {
      answers[block] = [...input.querySelector("select").selectedOptions].map((o) => o.value);
    } else {
      const control = input.querySelector("input, select, textarea");
      answers[block] = control && control.value !== "" ? control.value : null;
    }
  }
  return answers;
}

async function submitModal(modal) {
  await api("submit", {
    user: state.user, view_id: modal.dataset.viewId, values: answersOf(modal.querySelector("form")),
  });
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const modal = button.closest("[role=dialog].modal");
  if (button.classList.contains("modal-close") && modal) {
    event.preventDefault();
    await api("close", { user: state.user });
  } else if (button.dataset.actionId) {
    event.preventDefault();
    if (await confirmFirst(button)) await act(button);
  }
});

document.addEventListener("change", async (event) => {
  const select = event.target.closest("select.bk-select-action");
  if (!select || !select.value) return;
  await act(select, { selected: select.value });
});

document.addEventListener("submit", async (event) => {
  const modal = event.target.closest("[role=dialog].modal");
  if (modal) {
    event.preventDefault();
    await submitModal(modal);
  }
});

document.addEventListener("keydown", async (event) => {
  const layer = $("modal-layer");
  if (!layer.classList.contains("open")) return;
  if (event.key === "Escape") {
    await api("close", { user: state.user });
  } else if (event.key === "Tab") {
    // Tab goes round the modal's own controls, as in a dialog.
    const all = [...layer.querySelectorAll("input, select, textarea, button, a[href]")]
      .filter((element) => !element.disabled && element.offsetParent !== null);
    if (!all.length) return;
    const first = all[0];
    const last = all[all.length - 1];
    const inside = layer.contains(document.activeElement);
    if (event.shiftKey && (!inside || document.activeElement === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
      event.preventDefault();
      first.focus();
    }
  }
});

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = $("message");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  const answer = await api("type", { user: state.user, conversation: state.conversation, text });
  if (answer === null) box.value = text;
});

for (const button of document.querySelectorAll("[data-advance]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const answer = await api("advance", { by: button.dataset.advance });
      if (answer) notice("Time moved on; " + answer.sent + " message(s) sent.");
    } finally {
      button.disabled = false;
    }
  });
}

$("reset").addEventListener("click", async () => {
  if (!window.confirm("Start the demo over? Everything in it is deleted.")) return;
  await api("reset");
  seen.clear();
  await openConversation("home");
});

$("tour-next").addEventListener("click", async () => {
  $("tour-next").disabled = true;
  const answer = await api("tour");
  if (answer) {
    choose(answer.show);
    const where = answer.where;
    const list = await (await fetch("/api/state?" + new URLSearchParams(
      { user: state.user, conversation: "home", after: "-1" }))).json();
    const pick = list.conversations.find((c) =>
      (where === "dm" && c.kind === "im") || (where === "group" && c.kind === "mpim") ||
      (where === "channel" && c.kind === "channel" && c.label !== "#general") ||
      (where === "home" && c.kind === "home"));
    await openConversation(pick ? pick.id : "home");
  } else {
    $("tour-next").disabled = false;
  }
});

function choose(user) {
  state.user = user;
  $("actor").value = user;
  sessionStorage.setItem("user", user);
}

$("actor").addEventListener("change", () => {
  choose($("actor").value);
  openConversation("home");
});

async function start() {
  const people = (await (await fetch("/api/people")).json()).people;
  $("actor").replaceChildren(...people.map((p) => {
    const option = document.createElement("option");
    option.value = p.id;
    option.textContent = p.name + " — " + p.title + " (" + p.locale + ", " + p.tz + ")";
    return option;
  }));
  choose(sessionStorage.getItem("user") || people[0].id);
  state.conversation = sessionStorage.getItem("conversation") || "home";
  refresh();
  if (state.conversation === "home") api("home", { user: state.user });
}

start();
