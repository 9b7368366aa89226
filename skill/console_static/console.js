// Hamstring Coach console: the page's behaviour. Plain JavaScript, no build step, nothing
// fetched from anywhere but this console's own API.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { locale: "en-US", device: "echo", sessionOpen: false, turns: [] };
const shown = new Set();  // notices already given: each is said once

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return node;
}

function notice(key, text) {
  if (shown.has(key)) return;
  shown.add(key);
  $("notices").append(el("p", { "data-notice": key, text }));
}

// Everything the page asks of the skill runs in order, as the turns of a conversation do:
// a switch of device made just before "next" ends the old session before "next" is sent.
let queue = Promise.resolve();
let pending = 0;

function inTurn(action) {
  pending += 1;
  document.body.dataset.busy = "true";
  const run = queue.then(action).finally(() => {
    pending -= 1;
    if (!pending) delete document.body.dataset.busy;
  });
  queue = run.catch(() => {});
  return run;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function json(value) {
  return value === null || value === undefined ? "" : JSON.stringify(value, null, 2);
}

function seconds(value) {
  const total = Math.round(value);
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  if (!minutes) return `${rest} s`;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

// -- speaking: synthesis where the browser has a voice, timed text where it has none ------

const voice = {
  ready: null,
  voices: [],
  load() {
    if (!("speechSynthesis" in window)) {
      this.ready = Promise.resolve([]);
      return this.ready;
    }
    this.ready = new Promise((resolve) => {
      const done = () => resolve(window.speechSynthesis.getVoices());
      if (window.speechSynthesis.getVoices().length) return done();
      window.speechSynthesis.addEventListener("voiceschanged", done, { once: true });
      setTimeout(done, 1000);
    }).then((voices) => { this.voices = voices; return voices; });
    return this.ready;
  },
  pick(locale) {
    return this.voices.find((v) => v.lang === locale) ||
      this.voices.find((v) => v.lang.replace("_", "-").startsWith(locale.slice(0, 2)));
  },
  speak(text, estimate, playing) {
    return new Promise((resolve) => {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = state.locale;
      const chosen = this.pick(state.locale);
      if (chosen) utterance.voice = chosen;
      let finished = false;
      const finish = () => { if (!finished) { finished = true; resolve(); } };
      utterance.onend = finish;
      utterance.onerror = finish;
      // Some engines never report the end; the estimate bounds the wait.
      setTimeout(finish, (estimate * 2 + 3) * 1000);
      playing.onCancel(() => { window.speechSynthesis.cancel(); finish(); });
      window.speechSynthesis.speak(utterance);
    });
  },
};

class Playing {
  constructor() { this.cancelled = false; this.hooks = []; }
  onCancel(hook) { this.hooks.push(hook); }
  cancel() {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const hook of this.hooks) hook();
  }
  wait(secondsToWait, tick) {
    return new Promise((resolve) => {
      const start = performance.now();
      const step = () => {
        const elapsed = (performance.now() - start) / 1000;
        if (tick) tick(Math.min(elapsed, secondsToWait));
        if (this.cancelled || elapsed >= secondsToWait) { clearInterval(timer); resolve(); }
      };
      const timer = setInterval(step, 100);
      this.onCancel(() => { clearInterval(timer); resolve(); });
      step();
    });
  }
}

let playing = null;

function itemSeconds(item) {
  if ("pause" in item) return item.pause;
  if ("chime" in item) return item.chime;
  return item.seconds;
}

// The ticking clock and the chime of a hold played as an audio document, made with Web
// Audio where the browser has it (nothing is fetched).
const sounds = {
  context: null,
  get() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!this.context) this.context = new Context();
    return this.context;
  },
  beep(frequency, seconds, volume) {
    const context = this.get();
    if (!context) return;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(volume, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + seconds);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + seconds);
  },
  tick() { this.beep(1800, 0.03, 0.05); },
  chime() { this.beep(880, 0.8, 0.2); },
};

function stopPlaying() {
  if (playing) playing.cancel();
  playing = null;
}

function holdBar(index, total, hold) {
  const label = `Countdown ${index + 1} of ${total}`;
  const fill = el("span");
  const left = el("span", { class: "left", text: `${seconds(hold.seconds)} (to come)` });
  const bar = el("div", {
    class: "bar", role: "progressbar", "aria-label": label, "aria-valuemin": "0",
    "aria-valuemax": String(Math.round(hold.seconds)),
    "aria-valuenow": String(Math.round(hold.seconds)),
  }, fill);
  const node = el("div", { class: "hold waiting", "data-hold": String(index) },
    el("div", { class: "hold-label" }, el("span", { text: label }), left), bar);
  return { node, fill, left, bar };
}

function setBars(bars, remaining, total, status) {
  for (const bar of bars) {
    bar.node.className = `hold ${status}`;
    bar.fill.style.width = `${total ? (100 * remaining) / total : 0}%`;
    bar.bar.setAttribute("aria-valuenow", String(Math.round(remaining)));
    bar.bar.setAttribute("aria-valuetext", `${Math.round(remaining)} seconds left`);
    bar.left.textContent = status === "done" ? "done" :
      status === "waiting" ? `${seconds(total)} (to come)` : `${Math.ceil(remaining)} s left`;
  }
}

async function play(turn, bars) {
  stopPlaying();
  const speech = turn.speech;
  if (!speech) return;
  const current = new Playing();
  playing = current;
  const pace = Number($("pace").value);
  await voice.ready;
  const speaking = pace === 1 && voice.voices.length > 0;
  const items = speech.items;
  const length = itemSeconds;
  for (let i = 0; i < items.length && !current.cancelled; i += 1) {
    const item = items[i];
    const hold = item.hold === undefined ? null : speech.holds[item.hold];
    let remainingAfter = 0;
    if (hold) {
      for (let j = i + 1; j <= hold.last; j += 1) remainingAfter += length(items[j]);
    }
    const tick = hold ? (elapsed) => setBars(bars[item.hold], remainingAfter +
      Math.max(0, length(item) - elapsed * (pace || 1)), hold.seconds, "running") : null;
    if ("say" in item) $("now").textContent = item.say;
    if (item.node) item.node.classList.add("current");
    if (pace === 0) {
      if (tick) tick(length(item));
    } else if ("say" in item && speaking) {
      if (tick) tick(0);
      await voice.speak(item.say, item.seconds, current);
    } else {
      if ("chime" in item) sounds.chime();
      let ticks = 0;
      const clock = !item.ticking || pace !== 1 ? tick : (elapsed) => {
        if (elapsed >= ticks) { ticks += 1; sounds.tick(); }
        if (tick) tick(elapsed);
      };
      await current.wait(length(item) / pace, clock);
    }
    if (item.node) item.node.classList.remove("current");
    if (hold && i === hold.last) setBars(bars[item.hold], 0, hold.seconds, "done");
  }
  if (current.cancelled) return;
  playing = null;
  if (turn.session_open) afterAnswer(turn);
}

// -- listening -----------------------------------------------------------------------

const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
const listening = { on: false, active: null, quiet: 0, broken: false };

function recognitionProblem(error) {
  listening.broken = true;
  setListening(false);
  $("listen").disabled = true;
  const why = {
    network: "this browser has speech recognition but cannot reach a recogniser " +
      "(error: network)",
    "not-allowed": "the microphone is not allowed for this page (error: not-allowed)",
    "service-not-allowed": "this browser does not allow its speech service here " +
      "(error: service-not-allowed)",
    "audio-capture": "no microphone was found (error: audio-capture)",
  }[error] || `speech recognition failed (error: ${error})`;
  notice("recognition", `Speaking is off: ${why}. Type what you would say instead; ` +
    "Enter sends and Alt+N says next.");
}

function setListening(on) {
  listening.on = on;
  $("listen").setAttribute("aria-pressed", String(on));
  $("listen").textContent = on ? "Listening (hands-free)" : "Speak";
  if (!on && listening.active) {
    listening.active.abort();
    listening.active = null;
  }
}

function listen() {
  if (!Recognition || listening.broken || listening.active) return;
  const recognition = new Recognition();
  recognition.lang = state.locale;
  recognition.interimResults = true;
  recognition.maxAlternatives = 1;
  let heard = false;
  recognition.onresult = (event) => {
    const result = event.results[event.results.length - 1];
    $("say-text").value = result[0].transcript;
    if (result.isFinal) {
      heard = true;
      listening.quiet = 0;
      send(result[0].transcript);
    }
  };
  recognition.onerror = (event) => {
    if (event.error === "no-speech" || event.error === "aborted") return;
    recognitionProblem(event.error);
  };
  recognition.onend = () => {
    listening.active = null;
    if (!heard && listening.on && !listening.broken) nothingHeard();
  };
  listening.active = recognition;
  try {
    recognition.start();
  } catch (error) {
    listening.active = null;
    recognitionProblem(error.name || "start");
  }
}

// Like a device: the reprompt after the first silence, the session ends after the second.
async function nothingHeard() {
  const last = state.turns[state.turns.length - 1];
  if (!state.sessionOpen) return;
  listening.quiet += 1;
  if (listening.quiet === 1 && last && last.reprompt) {
    $("now").textContent = last.reprompt;
    $("reprompt").textContent = "(you said nothing, so Alexa says the reprompt)";
    const bubble = $("turns").lastElementChild.querySelector(".coach");
    if (bubble) {
      bubble.append(el("p", { class: "said heard-reprompt",
        text: `(you said nothing) ${last.reprompt}` }));
    }
    if (voice.voices.length && Number($("pace").value) === 1) {
      await voice.speak(last.reprompt, 5, new Playing());
    }
    listen();
    return;
  }
  listening.quiet = 0;
  await inTurn(async () => {
    const data = await api("/api/end", { reason: "EXCEEDED_MAX_REPROMPTS" });
    if (data.ended) showTurn(data.ended);
  });
}

function afterAnswer() {
  if (listening.on) listen();
  else $("say-text").focus();
}

// -- turns -----------------------------------------------------------------------------

function describe(understood) {
  if (!understood) return "no request sent";
  if (understood.type === "Alexa.Presentation.APL.UserEvent") {
    return `${understood.type} ${understood.arguments.map((a) =>
      typeof a === "string" ? a : JSON.stringify(a)).join(" ")} (a touch on the screen)`;
  }
  if (understood.type !== "IntentRequest") {
    return `${understood.type}${understood.reason ? " " + understood.reason : ""}` +
      (understood.new_session ? ", new session" : "");
  }
  const slots = understood.slots.map((s) =>
    `${s.name}=${s.id || s.heard}` + (s.id && s.id !== s.heard ? ` (heard "${s.heard}")` : "") +
    (s.status === "ER_SUCCESS_NO_MATCH" ? " (no listed value)" : ""));
  return [understood.intent, ...slots].join(" ") + (understood.new_session ?
    ", new session" : "");
}

function coachBubble(turn) {
  const bubble = el("div", { class: "coach" }, el("span", { class: "who", text: "Coach:" }));
  const bars = [];
  if (turn.status !== 200) {
    bubble.append(el("p", { class: "problems",
      text: `The skill answered HTTP ${turn.status}: ${json(turn.response)}` }));
    return { bubble, bars };
  }
  const speech = turn.speech || { items: [], holds: [] };
  speech.holds.forEach((hold, index) => {
    const inline = holdBar(index, speech.holds.length, hold);
    const big = holdBar(index, speech.holds.length, hold);
    bars.push([inline, big]);
  });
  speech.items.forEach((item) => {
    if (item.hold !== undefined && speech.holds[item.hold].first === speech.items.indexOf(item)) {
      bubble.append(bars[item.hold][0].node);
    }
    let text = `(${itemSeconds(item).toFixed(1)} s of silence)`;
    if ("say" in item) text = item.say;
    else if ("chime" in item) text = "(a chime)";
    else if (item.ticking) text = `(${item.pause.toFixed(1)} s under a quiet ticking clock)`;
    item.node = el("p", { class: "say" in item ? "said" : "gap", text });
    bubble.append(item.node);
  });
  if (turn.reprompt) {
    bubble.append(el("p", { class: "reprompt-line", text: `If you say nothing: ${turn.reprompt}` }));
  }
  if (turn.problems && turn.problems.length) {
    bubble.append(el("p", { class: "problems",
      text: `This answer breaks Alexa's rules: ${turn.problems.join("; ")}` }));
  }
  if (turn.ends) bubble.append(el("p", { class: "ended", text: "(the session ended)" }));
  return { bubble, bars };
}

function showTurn(turn) {
  state.turns.push(turn);
  state.sessionOpen = turn.session_open;
  const item = el("li", { class: "turn", "data-turn": String(turn.turn) });
  const how = el("span", { class: "how" }, `→ ${describe(turn.understood)}`,
    turn.note ? el("span", { class: "note", text: turn.note }) : null);
  if (turn.you) {
    item.append(el("div", { class: "you" }, el("span", { class: "who", text: "You:" }),
      el("span", { class: "text", text: turn.you }), how));
  } else {
    item.append(el("div", { class: "you" }, el("span", { class: "who", text: "Device:" }), how));
  }
  const { bubble, bars } = turn.status === null ? { bubble: null, bars: [] } : coachBubble(turn);
  if (bubble) item.append(bubble);
  $("turns").append(item);
  item.scrollIntoView({ block: "end" });
  showSpeaking(turn, bars);
  showScreen(turn);
  showAttributes(turn);
  showExchange(turn);
  if (turn.status === 200) play(turn, bars);
}

function showSpeaking(turn, bars) {
  const holds = $("holds");
  holds.replaceChildren(...bars.map((pair) => pair[1].node));
  const first = turn.speech && turn.speech.items.find((i) => "say" in i);
  $("now").textContent = first ? first.say : "(nothing said)";
  $("reprompt").textContent = turn.reprompt ? `If you say nothing: ${turn.reprompt}` : "";
}

function deviceName() {
  const option = $("device").selectedOptions[0];
  return option ? option.text : "";
}

function showScreen(turn) {
  const body = $("screen-body");
  const screen = turn.screen;
  if (!screen) {
    body.replaceChildren(el("p", { class: "muted", text: "No answer this turn." }));
    return;
  }
  if (screen.html) {
    showDocument(body, screen);
    return;
  }
  const card = screen.card;
  const cardNodes = card ? [el("p", { class: "card-title", text: card.title || "" }),
    el("p", { class: "card-text", text: card.content || card.text || "" })] :
    [el("p", { class: "card-title", text: "Hamstring Coach" }),
      el("p", { class: "card-text", text: "(no card this turn: the skill's name is shown)" })];
  if (!screen.has_screen) {
    body.replaceChildren(el("div", {},
      el("p", { text: "An Echo has no screen. The card goes to the Alexa app:" }),
      el("div", { class: "card", "data-card": "" }, ...cardNodes)));
    return;
  }
  const viewport = screen.viewport;
  const shape = viewport.shape === "ROUND" ? "round" : viewport.mode === "TV" ? "tv" : "show";
  body.replaceChildren(el("figure", { class: "frame" },
    el("div", { class: `device ${shape}`, role: "img", "aria-label": `${deviceName()} screen` },
      ...cardNodes),
    el("figcaption", { class: "caption", text: `${deviceName()}, ` +
      `${viewport.pixelWidth}×${viewport.pixelHeight}: no screen document this turn, so ` +
      "the card is shown (drawn by this console, not Amazon's renderer)" })));
}

// The skill's own HTML approximation of the turn's APL document, scaled to the pane; its
// buttons send the touch to the skill as a device would.
function showDocument(body, screen) {
  const frame = el("iframe", { title: `${deviceName()} screen: the ${screen.kind} card`,
    class: "apl-page", "data-screen": screen.kind || "" });
  frame.srcdoc = screen.html;
  const holder = el("div", { class: "apl-holder" }, frame);
  body.replaceChildren(el("figure", { class: "frame" }, holder,
    el("figcaption", { class: "caption", text: `${deviceName()}: the ${screen.kind} card ` +
      "as the skill's APL document would draw it (an approximation, not Amazon's " +
      "renderer). Its buttons work." })));
  frame.addEventListener("load", () => {
    const page = frame.contentDocument;
    // the page's own margin on the right of its screen is not part of its scroll width
    const screenBox = page.querySelector(".viewport");
    const right = screenBox ? screenBox.offsetLeft * 2 + screenBox.offsetWidth : 0;
    const width = Math.max(page.documentElement.scrollWidth, right);
    const height = page.documentElement.scrollHeight;
    const scale = Math.min(1, holder.clientWidth / width);
    frame.style.width = `${width}px`;
    frame.style.height = `${height}px`;
    frame.style.transform = `scale(${scale})`;
    holder.style.height = `${Math.ceil(height * scale)}px`;
    page.addEventListener("apl-send-event", (event) => touch(event.detail.arguments));
  });
}

function showAttributes(turn) {
  if (turn.session_attributes !== undefined) {
    $("session-attributes").textContent = json(turn.session_attributes) || "{}";
  }
  $("saved-attributes").textContent = turn.saved === null ?
    "(not visible: the skill runs elsewhere, with its own store)" : json(turn.saved) || "{}";
}

function showExchange(turn) {
  const box = $("exchanges");
  if (!state.exchanges) {
    box.replaceChildren();
    state.exchanges = true;
  }
  for (const old of box.querySelectorAll("details[open]")) old.open = false;
  const title = `Turn ${turn.turn}: ${turn.you ? `"${turn.you}"` : "device"} → ` +
    `${describe(turn.understood)}` + (turn.status ? ` (HTTP ${turn.status})` : "");
  box.append(el("details", { open: "", "data-turn": String(turn.turn) },
    el("summary", { text: title }),
    el("div", { class: "pair" },
      el("div", {}, el("h3", { text: "Request to /alexa" }),
        el("pre", { class: "json request", tabindex: "0", text: json(turn.request) })),
      el("div", {}, el("h3", { text: "Response" }),
        el("pre", { class: "json response", tabindex: "0", text: json(turn.response) })))));
}

function touch(args) {
  stopPlaying();
  return inTurn(async () => {
    try {
      showTurn(await api("/api/touch", { arguments: args }));
    } catch (error) {
      notice(`error-${Date.now()}`, `Could not send the touch: ${error.message}`);
    }
  });
}

function send(text) {
  const words = text.trim();
  if (!words) return Promise.resolve();
  stopPlaying();
  if (listening.active) listening.active.abort();
  $("say-text").value = "";
  return inTurn(async () => {
    try {
      showTurn(await api("/api/say", { text: words }));
    } catch (error) {
      notice(`error-${Date.now()}`, `Could not send that: ${error.message}`);
    }
  });
}

// -- packs -----------------------------------------------------------------------------

function timing(step) {
  const each = step.sides === "both" ? " each side" : "";
  const sets = step.sets > 1 ? `, ${step.sets} sets` : "";
  if (step.kind === "reps") {
    return `${step.reps} reps${each}${sets} (${step.rep_seconds} s a rep)`;
  }
  if (step.kind === "instruction") return "no timer";
  return `${seconds(step.hold_seconds)}${each}${sets}`;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function capital(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

function routineNode(routine) {
  const rows = routine.steps.map((step, index) => el("tr", {},
    el("td", { text: String(index + 1) }), el("td", {}, step.title,
      step.card ? el("span", { class: "card-line", text: `card: ${step.card}` }) : null),
    el("td", { text: step.kind }), el("td", { text: timing(step) }),
    el("td", { text: step.cues.map((c) => `${c.at} s: ${c.say}`).join(" · ") || "–" }),
    el("td", { text: `about ${seconds(step.seconds)}` })));
  const start = el("button", { type: "button", class: "try" }, `Start the ${routine.name}`);
  start.addEventListener("click", () => send(`start the ${routine.name}`));
  return el("details", { class: "routine", "data-routine": routine.id },
    el("summary", { text: `${capital(routine.name)}: about ${seconds(routine.seconds)}, ` +
      plural(routine.steps.length, "step") }),
    el("p", { text: routine.description }),
    routine.when ? el("p", {}, el("strong", { text: "When: " }), routine.when) : null,
    routine.avoid ? el("p", {}, el("strong", { text: "Avoid: " }), routine.avoid) : null,
    routine.equipment.length ? el("p", {}, el("strong", { text: "Equipment: " }),
      routine.equipment.join(", ")) : null,
    el("table", {}, el("thead", {}, el("tr", {}, ...["#", "Step", "Kind", "Timing", "Cues",
      "Spoken"].map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, ...rows)),
    start);
}

async function loadPacks() {
  const data = await api(`/api/packs?locale=${encodeURIComponent(state.locale)}`);
  const problems = $("pack-problems");
  if (data.problems.length) {
    problems.replaceChildren(el("p", { class: "bad",
      text: `hamstring packs check found ${plural(data.problems.length, "problem")}:` }),
    el("ul", {}, ...data.problems.map((p) => el("li", { text: p }))));
  } else {
    problems.replaceChildren(el("p", { class: "ok",
      text: `hamstring packs check: no problems in ${data.packs.length} packs.` }));
  }
  $("pack-list").replaceChildren(...data.packs.map((pack) => el("details", {
    class: "pack", "data-pack": pack.name },
  el("summary", { text: `${capital(pack.title)} (${pack.name} ${pack.version})` +
    (pack.ok ? "" : " NOT LOADED") + `: ${plural(pack.routines.length, "routine")}` }),
  el("p", { class: "pack-meta", text: [pack.description, pack.author && `by ${pack.author}`,
    pack.distribution ? `installed from ${pack.distribution}` : "built in",
    `hooks: ${pack.hooks.join(", ") || "none"}`].filter(Boolean).join(" · ") }),
  ...pack.routines.map(routineNode))));
}

// -- settings and start-up -------------------------------------------------------------

function applyState(data) {
  state.locale = data.locale;
  state.device = data.device;
  state.sessionOpen = data.session_open;
  $("device").value = data.device;
  $("locale").value = data.locale;
  document.documentElement.lang = data.locale;
  $("saved-attributes").textContent = data.saved === null ?
    "(not visible: the skill runs elsewhere, with its own store)" : json(data.saved) || "{}";
}

function changeSettings() {
  stopPlaying();
  return inTurn(async () => {
    try {
      const data = await api("/api/settings", { device: $("device").value,
        locale: $("locale").value });
      if (data.ended) showTurn(data.ended);
      const localeChanged = data.state.locale !== state.locale;
      applyState(data.state);
      if (localeChanged) await loadPacks();
    } catch (error) {
      notice(`error-${Date.now()}`, `Could not switch: ${error.message}`);
    }
  });
}

async function start() {
  voice.load();
  const data = await api("/api/state");
  $("device").replaceChildren(...Object.entries(data.devices).map(([key, label]) =>
    el("option", { value: key, text: label })));
  $("locale").replaceChildren(...data.locales.map((locale) =>
    el("option", { value: locale, text: locale })));
  applyState(data);
  $("banner").textContent = data.in_process ?
    `Local development only: the skill runs in this process with request verification OFF; ` +
    `progress is kept in ${data.database}.` :
    `Local development only: talking to the skill at ${data.target}.`;
  $("say").addEventListener("submit", (event) => {
    event.preventDefault();
    send($("say-text").value || "next");
  });
  $("next").addEventListener("click", () => send("next"));
  $("listen").addEventListener("click", () => {
    if (listening.on) { setListening(false); return; }
    setListening(true);
    stopPlaying();
    listen();
  });
  $("device").addEventListener("change", changeSettings);
  $("locale").addEventListener("change", changeSettings);
  $("new-session").addEventListener("click", () => {
    stopPlaying();
    inTurn(async () => {
      const result = await api("/api/new-session", {});
      if (result.ended) showTurn(result.ended);
      notice(`new-${Date.now()}`, "New session: the next thing you say starts one.");
    });
  });
  $("forget").addEventListener("click", () => {
    stopPlaying();
    inTurn(async () => {
      const result = await api("/api/forget", {});
      if (result.ended) showTurn(result.ended);
      applyState(result.state);
      notice(`forget-${Date.now()}`, `Forgotten: ${result.how}.`);
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey && (event.key === "n" || event.key === "N")) {
      event.preventDefault();
      send("next");
    } else if (event.altKey && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      $("listen").click();
    } else if (event.key === "Escape") {
      stopPlaying();
      setListening(false);
    }
  });
  if (!Recognition) {
    $("listen").disabled = true;
    notice("recognition", "This browser has no speech recognition: type what you would " +
      "say. Enter sends and Alt+N says next.");
  }
  voice.ready.then((voices) => {
    if (!voices.length) {
      notice("synthesis", "This browser has no speech voice: the coach's words are shown " +
        "and timed, silences included, but not spoken aloud.");
    }
  });
  await loadPacks();
  $("say-text").focus();
  document.body.dataset.ready = "true";
}

start().catch((error) => notice("start", `The console could not start: ${error.message}`));
