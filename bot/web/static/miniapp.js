/* BuildSpeak inside the Telegram Mini App: sign every request with Telegram's init data.
 *
 * Telegram opens the Mini App with its launch data in the address's #fragment (tgWebAppData=…).
 * We keep the init data in sessionStorage and, instead of letting the browser load pages itself
 * (it cannot add a header to a plain navigation), fetch each page with
 * `Authorization: tma <init data>` — the server checks it on every request — and swap in its
 * <main id="main"> and title. Downloads come back as blobs. Outside the Mini App (no init data)
 * this script does nothing: the open web signs in with a cookie instead.
 * No telegram-web-app.js: the few events we send use Telegram's documented postEvent channels.
 */
(function () {
  "use strict";

  var KEY = "buildspeak.initData";
  var START_PAGES = { today: "/", archive: "/archive", words: "/words", review: "/review", about: "/about" };
  var busy = null;

  function launchParams() {
    var hash = window.location.hash.slice(1);
    if (hash.indexOf("tgWebAppData=") === -1) return null;
    return new URLSearchParams(hash);
  }

  function storedInitData() {
    try {
      return window.sessionStorage.getItem(KEY);
    } catch (error) {
      return null;
    }
  }

  function keepInitData(initData) {
    try {
      window.sessionStorage.setItem(KEY, initData);
    } catch (error) {
      /* storage refused (private mode): this page still works, the next full load asks again */
    }
  }

  /* Where the launch asked to go: start_param is text anyone can put in a link, so only the
   * reader's own pages are accepted, and anything else opens the vocabulary book. */
  function startPage(params, initData) {
    var wanted = params.get("tgWebAppStartParam") || new URLSearchParams(initData).get("start_param") || "";
    var day = /^day-(\d{1,6})$/.exec(wanted);
    if (day) return "/day/" + day[1];
    return Object.prototype.hasOwnProperty.call(START_PAGES, wanted) ? START_PAGES[wanted] : "/words";
  }

  function postEvent(type, data) {
    var payload = data === undefined ? "" : JSON.stringify(data);
    try {
      if (window.TelegramWebviewProxy && window.TelegramWebviewProxy.postEvent) {
        window.TelegramWebviewProxy.postEvent(type, payload);
      } else if (window.external && "notify" in window.external) {
        window.external.notify(JSON.stringify({ eventType: type, eventData: data }));
      } else if (window.parent !== window) {
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), "https://web.telegram.org");
      }
    } catch (error) {
      /* not inside a Telegram client: nothing to tell */
    }
  }

  /* Telegram's back button walks our soft history; it shows once there is somewhere to go back to. */
  var depth = 0;
  var shown = window.location.pathname + window.location.search;
  function showBackButton() {
    postEvent("web_app_setup_back_button", { is_visible: depth > 0 });
  }
  function listenToTelegram() {
    window.Telegram = window.Telegram || {};
    window.Telegram.WebView = window.Telegram.WebView || {};
    var previous = window.Telegram.WebView.receiveEvent;
    window.Telegram.WebView.receiveEvent = function (type, data) {
      if (type === "back_button_pressed") window.history.back();
      if (typeof previous === "function") previous(type, data);
    };
  }

  /* One of our pages: same origin and a web address (a blob: download link is same-origin too). */
  function sameOrigin(url) {
    return url.origin === window.location.origin && (url.protocol === "http:" || url.protocol === "https:");
  }

  function filename(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (encoded) return decodeURIComponent(encoded[1]);
    var plain = /filename="?([^";]+)"?/i.exec(header);
    return plain ? plain[1] : "buildspeak-download";
  }

  function download(response) {
    return response.blob().then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = filename(response);
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
    });
  }

  function syncNav(page) {
    var fresh = page.querySelectorAll("nav a");
    document.querySelectorAll("nav a").forEach(function (link, index) {
      var match = fresh[index];
      if (match && match.getAttribute("aria-current")) {
        link.setAttribute("aria-current", match.getAttribute("aria-current"));
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  function swap(html, url, push) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.querySelector("main#main");
    var current = document.querySelector("main#main");
    if (!main || !current) {
      showProblem("页面打不开，请稍后再试。");
      return;
    }
    current.replaceWith(document.adoptNode(main));
    document.title = page.title;
    syncNav(page);
    if (push) depth += 1;
    window.history[push ? "pushState" : "replaceState"]({ buildspeak: depth }, "", url);
    shown = window.location.pathname + window.location.search;
    showBackButton();
    window.scrollTo(0, 0);
    /* autofocus works on a page load only: the next question's answer box gets it here */
    var wanted = main.querySelector("[autofocus]");
    if (wanted) wanted.focus();
    document.dispatchEvent(new Event("buildspeak:page"));
  }

  function showProblem(text) {
    var main = document.querySelector("main#main");
    if (!main) return;
    var note = document.createElement("p");
    note.className = "notice problem";
    note.setAttribute("role", "alert");
    note.textContent = text;
    main.prepend(note);
  }

  /* Fetch a page with the init data and show it; `push` adds it to the history. */
  function go(url, options, push) {
    var initData = storedInitData();
    if (!initData) return Promise.resolve();
    var request = {
      method: options.method || "GET",
      body: options.body,
      headers: { Authorization: "tma " + initData },
      credentials: "same-origin",
    };
    var mine = {};
    busy = mine;
    document.documentElement.setAttribute("aria-busy", "true");
    return window.fetch(url, request)
      .then(function (response) {
        if (busy !== mine) return null; /* a later click won: show that page, not this one */
        if (/attachment/i.test(response.headers.get("Content-Disposition") || "")) return download(response);
        /* A form's answer without a redirect stays at the page it was sent from: its address is
         * a POST's, which a later back or reload could not load. */
        var posted = request.method !== "GET" && !response.redirected;
        var shownAt = posted ? window.location.href : response.url || url;
        return response.text().then(function (html) { swap(html, shownAt, push && !posted); });
      })
      .catch(function () { showProblem("网络出错了，请检查网络后重试。"); })
      .finally(function () {
        if (busy === mine) document.documentElement.removeAttribute("aria-busy");
      });
  }

  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || (link.target && link.target !== "_self")) return;
    var url = new URL(link.href, window.location.href);
    if (!sameOrigin(url) || url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/audio/") === 0) return;
    if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) return;
    event.preventDefault();
    go(url.href, {}, true);
  }

  function formFields(form, submitter) {
    var fields = new FormData(form);
    if (submitter && submitter.name) fields.append(submitter.name, submitter.value);
    return new URLSearchParams(fields);
  }

  function onSubmit(event) {
    if (event.defaultPrevented) return;
    var form = event.target;
    var submitter = event.submitter || null;
    /* getAttribute, not form.action / form.method: a field named "action" would shadow those */
    var target = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action") || "";
    var action = new URL(target, window.location.href);
    if (!sameOrigin(action)) return;
    event.preventDefault();
    var method = ((submitter && submitter.getAttribute("formmethod")) || form.getAttribute("method") || "get").toUpperCase();
    var fields = formFields(form, submitter);
    if (method === "GET") {
      action.search = fields.toString();
      go(action.href, {}, true);
    } else {
      go(action.href, { method: method, body: fields }, true);
    }
  }

  function onPopState(event) {
    if (window.location.pathname + window.location.search === shown) return; /* a #fragment only */
    depth = event.state && typeof event.state.buildspeak === "number" ? event.state.buildspeak : 0;
    go(window.location.href, {}, false);
  }

  /* The page as first loaded came without the header (a browser cannot add one to a plain load):
   * if it is the sign-in page's 401, it is fetched again, signed. */
  function loadedUnsigned() {
    return document.querySelector('main#main [data-status="401"]') !== null;
  }

  function start() {
    var params = launchParams();
    var initData = params ? params.get("tgWebAppData") : null;
    if (initData) {
      keepInitData(initData);
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    } else {
      initData = storedInitData();
    }
    var entry = document.getElementById("miniapp-entry");
    if (!initData) {
      if (entry) {
        document.getElementById("miniapp-wait").hidden = true;
        document.getElementById("miniapp-outside").hidden = false;
      }
      return;
    }
    listenToTelegram();
    postEvent("web_app_ready");
    postEvent("web_app_expand");
    document.addEventListener("click", onClick);
    document.addEventListener("submit", onSubmit);
    window.addEventListener("popstate", onPopState);
    if (entry) {
      go(startPage(params || new URLSearchParams(), initData), {}, false);
    } else if (loadedUnsigned()) {
      go(window.location.href, {}, false);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
