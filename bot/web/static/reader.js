/* BuildSpeak reader: audio, keys, translations and glosses on the lesson pages.
   Clicks, keys and the player's events are listened to once, on the document, so a page swapped in
   by the Mini App's soft navigation ("buildspeak:page") works without binding anything again;
   what each page needs set up (the translation state, the timezone check) runs on every page. */
(function () {
  "use strict";
  var ZH_KEY = "buildspeak.showZh";
  var NO_AUDIO = "暂时无法播放音频，请稍后再试。";
  var lastPlayer = null; /* a player swapped out with its page keeps playing unless paused */

  function player() { return document.getElementById("player"); }
  function cards() { return Array.prototype.slice.call(document.querySelectorAll("section.card")); }
  function current() { return document.querySelector("section.card.current") || cards()[0] || null; }
  function absolute(url) { return new URL(url, location.href).href; }
  function say(text) {
    var status = document.querySelector("main .status");
    if (status) status.textContent = text;
  }

  function setCurrent(card) {
    var old = document.querySelector("section.card.current");
    if (old && old !== card) {
      old.classList.remove("current", "playing");
      old.removeAttribute("aria-current");
    }
    card.classList.add("current");
    card.setAttribute("aria-current", "true");
    card.scrollIntoView({ block: "nearest" });
  }

  function play(url) {
    var audio = player();
    if (!audio) return;
    lastPlayer = audio;
    if (audio.src !== absolute(url)) audio.src = url;
    say("");
    var started = audio.play();
    if (started && started.catch) {
      started.catch(function (error) { if (error.name !== "AbortError") say(NO_AUDIO); });
    }
  }

  function playing(url) {
    var audio = player();
    return !!audio && audio.src === absolute(url) && !audio.paused;
  }

  function playCard(card) {
    setCurrent(card);
    play(card.getAttribute("data-audio"));
  }

  /* A card's ▶: pause its sound while it plays, else make it current and play it. */
  function toggleCard(card) {
    if (playing(card.getAttribute("data-audio"))) player().pause();
    else playCard(card);
  }

  /* SPACE: pause whatever plays; else resume the whole text if it was paused, else the current card. */
  function space() {
    var audio = player();
    var whole = document.getElementById("play-all");
    var wholeUrl = whole ? whole.getAttribute("data-audio") : "";
    if (!audio || !current()) return;
    if (!audio.paused) audio.pause();
    else if (wholeUrl && audio.src === absolute(wholeUrl) && audio.currentTime > 0 && !audio.ended) play(wholeUrl);
    else playCard(current());
  }

  function step(by) {
    var list = cards();
    var next = list[list.indexOf(current()) + by];
    if (next) playCard(next);
  }

  function showZh(on) {
    document.body.classList.toggle("show-zh", on);
    var button = document.getElementById("toggle-zh");
    if (button) {
      button.textContent = on ? "隐藏译文" : "显示译文";
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
    try { localStorage.setItem(ZH_KEY, on ? "1" : "0"); } catch (e) { /* private mode: not kept */ }
  }

  function storedZh() {
    try { return localStorage.getItem(ZH_KEY) === "1"; } catch (e) { return false; }
  }

  function toggleGloss(button) {
    var gloss = document.getElementById(button.getAttribute("aria-controls"));
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (gloss) gloss.hidden = !open;
  }

  function onClick(event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var card = target.closest("section.card");
    var button = target.closest("button");
    if (button && button.id === "toggle-zh") showZh(!document.body.classList.contains("show-zh"));
    else if (button && button.id === "play-all") {
      var url = button.getAttribute("data-audio");
      if (playing(url)) player().pause(); else play(url);
    } else if (button && button.classList.contains("play") && card) toggleCard(card);
    else if (button && button.classList.contains("play") && button.hasAttribute("data-audio")) {
      var sentence = button.getAttribute("data-audio"); /* a sentence of 生词本: play or pause it */
      if (playing(sentence)) player().pause(); else play(sentence);
    }
    else if (button && button.classList.contains("word")) toggleGloss(button);
    if (card && !target.closest("a") && !(button && button.classList.contains("play"))) setCurrent(card);
  }

  function typing(element) {
    if (!element) return false;
    var name = element.tagName;
    return name === "INPUT" || name === "TEXTAREA" || name === "SELECT" || element.isContentEditable;
  }

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    if (typing(event.target) || !document.querySelector("section.card")) return;
    var key = event.key;
    if (key === " " || key === "Spacebar") { event.preventDefault(); space(); }
    else if (key === "ArrowRight") { event.preventDefault(); step(1); }
    else if (key === "ArrowLeft") { event.preventDefault(); step(-1); }
    else if (key === "t" || key === "T") showZh(!document.body.classList.contains("show-zh"));
  }

  /* The player's events (they do not bubble: caught on the way down) mark what is playing. */
  function onMedia(event) {
    if (event.target !== player()) return;
    var audio = event.target;
    if (event.type === "error") { say(NO_AUDIO); return; }
    var on = event.type === "play" || event.type === "playing";
    var card = current();
    if (card) card.classList.toggle("playing", on && audio.src === absolute(card.getAttribute("data-audio")));
    var whole = document.getElementById("play-all");
    if (whole) {
      var all = on && audio.src === absolute(whole.getAttribute("data-audio"));
      whole.setAttribute("aria-pressed", all ? "true" : "false");
      whole.textContent = all ? "⏸ 暂停全文" : "▶ 朗读全文";
    }
  }

  function localDate() {
    var now = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate());
  }

  /* "Today" is the reader's today: the server reads the browser's timezone from the `tz` cookie.
     A first visit whose today differs from the server's guess loads once more with it. */
  function rememberZone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
    var had = /(?:^|;\s*)tz=([^;]*)/.exec(document.cookie);
    if (had && had[1] === zone) return;
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    var mark = document.getElementById("today");
    var kept = document.cookie.indexOf("tz=" + zone) >= 0;
    if (!had && kept && mark && mark.getAttribute("data-zone-from") === "default" &&
        mark.getAttribute("data-date") !== localDate()) location.reload();
  }

  function setUpPage() {
    if (lastPlayer && lastPlayer !== player()) { lastPlayer.pause(); lastPlayer = null; }
    showZh(storedZh());
    rememberZone();
  }

  document.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
  ["play", "playing", "pause", "ended", "error"].forEach(function (type) {
    document.addEventListener(type, onMedia, true);
  });
  document.addEventListener("buildspeak:page", setUpPage);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpPage);
  else setUpPage();
})();
