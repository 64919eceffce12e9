/* Offline capture: the outbox of observations logged without a network.
 *
 * - Registers the service worker (static/js/sw.js, with workbox-window) and asks it to keep
 *   a copy of the observation form and the outbox page for this user.
 * - On the observation form: sends the form itself; without a network (or when sending
 *   fails, or the session has ended) the observation goes to the outbox in IndexedDB
 *   (idb-keyval), with its client key, and the page says so.
 * - Sends the outbox in order through the API (JSON, session and CSRF token) on page load,
 *   when the network returns, every minute and with "Skicka nu". The same key never stores
 *   a second row. An entry the server refuses stays, with the server's message, until it is
 *   corrected in the form or discarded; nothing is dropped silently.
 * - Shows the outbox count in the header, and draws the outbox page.
 * Entries belong to the user who logged them and are sent only in that user's session.
 */
(function () {
  "use strict";

  var config = document.getElementById("ods-offline");
  if (!config || !window.idbKeyval) { return; }
  var C = config.dataset;
  var USER = C.user;
  var SWEDISH = document.documentElement.lang === "sv";
  var OFFLINE_COPY = document.documentElement.hasAttribute("data-ods-offline-copy");
  var PAGES_CACHE = "ods-pages-v1";
  var RETRY_MS = 60000;
  var store = idbKeyval.createStore("ods-outbox", "entries");

  function t(sv, en) {
    return SWEDISH ? sv : en;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function observations(n) {
    return plural(n, t("observation", "observation"), t("observationer", "observations"));
  }

  /* The API's field names, as the form calls them. */
  var LABELS = {
    scene: t("Scen", "Scene"),
    place: t("Delplats", "Sub-place"),
    location: t("Plats", "Place"),
    occurred_at: t("När", "When"),
    category: t("Kategori", "Category"),
    people_count: t("Ungefärligt antal personer", "Approximate number of people"),
    affected_groups: t("Berörda grupper", "Affected groups"),
    source: t("Källa", "Source"),
    insecurity: t("Hur otryggt (1–5)", "How insecure (1–5)"),
    description: t("Beskrivning", "Description"),
    restricted: t("Endast den egna organisationen", "Only our own organisation"),
    organisation: t("Loggas för", "Logged for"),
    client_uuid: t("Nyckel", "Key"),
  };

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function localNow() {
    var d = new Date();
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* --- The store ------------------------------------------------------------------------- */

  function allEntries() {
    return idbKeyval.values(store).then(function (list) {
      return list.sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  function entriesOf(user) {
    return allEntries().then(function (list) {
      return list.filter(function (e) { return String(e.user) === String(user); });
    });
  }

  function save(entry) {
    return idbKeyval.set(entry.key, entry, store);
  }

  function discard(key) {
    return idbKeyval.del(key, store);
  }

  /* --- Header badge and announcements ---------------------------------------------------- */

  var announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("role", "status");
  announcer.id = "outbox-announcer";
  document.body.appendChild(announcer);

  function announce(text) {
    announcer.textContent = text;
  }

  function updateBadge() {
    return entriesOf(USER).then(function (list) {
      document.querySelectorAll("[data-outbox-badge]").forEach(function (badge) {
        var count = badge.querySelector("[data-outbox-count]");
        if (count) { count.textContent = String(list.length); }
        badge.hidden = list.length === 0;
        var refused = list.filter(function (e) { return e.state !== "waiting"; }).length;
        badge.classList.toggle("outbox-badge--attention", refused > 0);
        var more = badge.querySelector("[data-outbox-more]");
        if (more) {
          more.textContent = " " + t(list.length === 1 ? "observation att skicka" : "observationer att skicka",
                                     list.length === 1 ? "observation to send" : "observations to send") +
            (refused ? t(", " + refused + " behöver åtgärdas", ", " + refused + " need attention") : "");
        }
      });
      return list;
    });
  }

  /* --- Sending ------------------------------------------------------------------------------ */

  function describe(status, body) {
    /* The server's message, as the user can read it. */
    var lines = [];
    if (body && typeof body === "object") {
      if (body.detail) { lines.push(String(body.detail)); }
      Object.keys(body).forEach(function (name) {
        if (name === "detail" || name === "code" || name === "request_id") { return; }
        var value = body[name];
        var text = Array.isArray(value) ? value.join(" ") : (typeof value === "object" ? JSON.stringify(value) : String(value));
        lines.push((LABELS[name] || (name === "non_field_errors" ? "" : name)) + (LABELS[name] ? ": " : "") + text);
      });
    }
    if (!lines.length) {
      lines.push(t("Servern svarade " + status + ".", "The server answered " + status + "."));
    }
    return lines;
  }

  function loginLink() {
    return C.login + "?next=" + encodeURIComponent(C.outbox);
  }

  var LOGIN_MESSAGE = t("Du är utloggad. Logga in igen så skickas utkorgen.",
                        "You are logged out. Log in again and the outbox is sent.");

  function markAll(list, state, message) {
    return Promise.all(list.map(function (e) {
      if (e.state === "rejected") { return null; }
      e.state = state;
      e.message = message;
      e.errors = [];
      return save(e);
    }));
  }

  var flushing = false;

  function flush(manual) {
    if (flushing || !navigator.onLine) { return Promise.resolve(null); }
    flushing = true;
    var run = function () { return sendAll(manual); };
    var done = navigator.locks ? navigator.locks.request("ods-outbox", run) : run();
    return done.then(function (result) {
      flushing = false;
      return updateBadge().then(function () {
        redraw();
        if (result && result.sent) {
          announce(observations(result.sent) + t(" skickades från utkorgen.", " sent from the outbox."));
        }
        return result;
      });
    }, function () { flushing = false; return null; });
  }

  function sendAll(manual) {
    var result = { sent: 0, rejected: 0, login: false };
    return entriesOf(USER).then(function (mine) {
      if (!mine.length) { return result; }
      return fetch(C.session, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (session) {
          if (!session.user) {
            result.login = true;
            return markAll(mine, "login", LOGIN_MESSAGE).then(function () { return result; });
          }
          if (String(session.user) !== String(USER)) {
            /* Another user is signed in now (a copy of the form kept offline): their
             * session never sends this user's observations. */
            return result;
          }
          var queue = mine.filter(function (e) { return manual || e.state !== "rejected"; });
          return sendNext(queue, 0, result);
        }, function () { return result; });
    });
  }

  function sendNext(queue, i, result) {
    if (i >= queue.length) { return Promise.resolve(result); }
    var entry = queue[i];
    return fetch(C.api, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(entry.payload),
    }).then(function (r) {
      if (r.status === 200 || r.status === 201) {
        result.sent += 1;
        return discard(entry.key).then(function () { return sendNext(queue, i + 1, result); });
      }
      if (r.status === 401 || r.type === "opaqueredirect") {
        result.login = true;
        return markAll(queue.slice(i), "login", LOGIN_MESSAGE).then(function () { return result; });
      }
      return r.json().catch(function () { return null; }).then(function (body) {
        if ([400, 403, 404, 409, 413].indexOf(r.status) !== -1) {
          /* Refused: it stays, with the server's word, for the user to correct or discard. */
          entry.state = "rejected";
          entry.message = t("Servern tog inte emot observationen.", "The server did not accept the observation.");
          entry.errors = describe(r.status, body);
          result.rejected += 1;
          return save(entry).then(function () { return sendNext(queue, i + 1, result); });
        }
        /* Busy or down (429, 5xx): it waits, and the outbox is tried again later. */
        entry.state = "waiting";
        entry.message = t("Servern kunde inte ta emot den just nu; den skickas igen senare.",
                          "The server could not take it just now; it is sent again later.");
        entry.errors = [];
        return save(entry).then(function () { return result; });
      });
    }, function () {
      return result; /* no network after all: all of it waits */
    });
  }

  /* --- The observation form ------------------------------------------------------------------ */

  function labelOf(form, el) {
    var label = el.id && form.querySelector('label[for="' + el.id + '"]');
    if (!label) {
      var fieldset = el.closest("fieldset");
      label = fieldset && fieldset.querySelector("legend");
    }
    return label ? label.textContent.replace(/[:*]\s*$/, "").trim() : el.name;
  }

  function summaryOf(form) {
    function chosen(name) {
      var el = form.elements[name];
      return el && el.selectedOptions && el.selectedOptions[0] && el.value ? el.selectedOptions[0].textContent.trim() : "";
    }
    var when = form.elements.occurred_at ? form.elements.occurred_at.value.replace("T", " ") : "";
    return { scene: chosen("scene"), category: chosen("category"), when: when };
  }

  function payloadOf(form, key) {
    var data = new FormData(form);
    function v(name) { var x = data.get(name); return x === null ? "" : String(x).trim(); }
    function int(name) { var x = v(name); return x === "" ? null : parseInt(x, 10); }
    function num(name) { var x = v(name).replace(",", "."); return x === "" ? null : parseFloat(x); }
    var payload = {
      scene: int("scene"),
      place: int("place"),
      location: { type: "Point", coordinates: [num("longitude"), num("latitude")] },
      occurred_at: v("occurred_at"),
      category: v("category"),
      source: v("source"),
      insecurity: int("insecurity"),
      people_count: int("people_count"),
      affected_groups: data.getAll("affected_groups").map(String),
      description: v("description"),
      restricted: data.get("restricted") !== null,
      client_uuid: key,
    };
    if (v("organisation")) { payload.organisation = int("organisation"); }
    return payload;
  }

  function fieldsOf(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") { pairs.push([name, value]); }
    });
    return pairs;
  }

  function fill(form, pairs) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit" || el.type === "button") { return; }
      var values = pairs.filter(function (p) { return p[0] === el.name; }).map(function (p) { return p[1]; });
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (values.length) {
        el.value = values[0];
      } else if (el.tagName !== "SELECT") {
        el.value = "";
      }
    });
    ["scene", "latitude", "longitude"].forEach(function (name) {
      var el = form.elements[name];
      if (el) { el.dispatchEvent(new Event("change", { bubbles: true })); }
    });
  }

  function observationForm(form) {
    var keyField = form.elements.client_uuid;
    var notice = document.createElement("div");
    notice.className = "outbox-notice";
    notice.id = "outbox-notice";
    notice.setAttribute("role", "status");
    form.parentNode.insertBefore(notice, form);
    var busy = false;
    var correcting = new URLSearchParams(location.search).get("outbox");

    function say(text, kind, link) {
      notice.textContent = "";
      notice.className = "outbox-notice" + (kind ? " outbox-notice--" + kind : "");
      var p = document.createElement("p");
      p.textContent = text;
      if (link) {
        p.appendChild(document.createTextNode(" "));
        var a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.text;
        p.appendChild(a);
      }
      notice.appendChild(p);
    }

    function freshKey() {
      if (keyField) { keyField.value = newKey(); }
    }

    if (OFFLINE_COPY) {
      /* A copy kept by the service worker: its time and key are from when it was kept, and
       * its messages were for then. */
      document.querySelectorAll(".messages").forEach(function (el) { el.remove(); });
      freshKey();
      if (form.elements.occurred_at) { form.elements.occurred_at.value = localNow(); }
      say(t("Nätet svarar inte, så formuläret visas från webbläsarens sparade kopia. Det du sparar utan nät läggs i utkorgen och skickas när nätet är tillbaka.",
            "The network does not answer, so the form is shown from the browser's kept copy. What you save without a network goes to the outbox and is sent when the network is back."), "offline");
    }

    if (correcting) {
      idbKeyval.get(correcting, store).then(function (entry) {
        if (!entry || String(entry.user) !== String(USER)) { return; }
        fill(form, entry.fields);
        if (keyField) { keyField.value = entry.key; }
        var lines = [t("Rätta observationen från utkorgen och spara den igen.",
                       "Correct the observation from the outbox and save it again.")].concat(entry.errors || []);
        say(lines.join(" "), "rejected");
      });
    }

    function missing() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.willValidate && !el.validity.valid;
      }).map(function (el) { return labelOf(form, el); }).filter(function (label, i, all) {
        return all.indexOf(label) === i;
      });
    }

    function resetForm(another) {
      var keep = another ? ["scene", "source", "category", "affected_groups", "organisation"] : ["scene", "organisation"];
      var kept = fieldsOf(form).filter(function (p) { return keep.indexOf(p[0]) !== -1; });
      form.reset();
      fill(form, kept);
      freshKey();
      if (form.elements.occurred_at) { form.elements.occurred_at.value = localNow(); }
      if (correcting) {
        correcting = null;
        history.replaceState(null, "", location.pathname);
      }
    }

    function keep(another, why) {
      var problems = missing();
      if (problems.length) {
        busy = false;
        say(t("Fyll i: ", "Fill in: ") + problems.join(", ") + ".", "rejected");
        notice.scrollIntoView({ block: "nearest" });
        return Promise.resolve();
      }
      var key = (keyField && keyField.value) || newKey();
      var entry = {
        key: key,
        user: USER,
        seq: Date.now(),
        created: new Date().toISOString(),
        fields: fieldsOf(form),
        payload: payloadOf(form, key),
        summary: summaryOf(form),
        state: why === "login" ? "login" : "waiting",
        message: why === "login" ? LOGIN_MESSAGE : "",
        errors: [],
      };
      return save(entry).then(function () {
        busy = false;
        resetForm(another);
        return updateBadge();
      }).then(function (list) {
        var count = t(" (" + observations(list.length) + " i utkorgen)", " (" + observations(list.length) + " in the outbox)");
        if (why === "login") {
          say(t("Du är utloggad. Observationen är sparad i utkorgen och skickas när du har loggat in igen.",
                "You are logged out. The observation is kept in the outbox and sent once you have logged in again.") + count,
              "offline", { href: loginLink(), text: t("Logga in", "Log in") });
        } else {
          say(t("Sparad i utkorgen – skickas när nätet är tillbaka.",
                "Saved in the outbox – sent when the network is back.") + count,
              "offline", { href: C.outbox, text: t("Visa utkorgen", "Show the outbox") });
        }
        notice.scrollIntoView({ block: "nearest" });
      }, function () {
        busy = false;
        say(t("Observationen kunde inte sparas i webbläsaren. Skriv ner den och försök igen.",
              "The observation could not be kept in the browser. Note it down and try again."), "rejected");
      });
    }

    form.addEventListener("submit", function (ev) {
      if (form.dataset.native === "1") { return; } /* the browser sends it and shows the answer */
      ev.preventDefault();
      if (busy) { return; } /* a second tap while the first is on its way */
      busy = true;
      var submitter = ev.submitter;
      var another = !!(submitter && submitter.name === "another");
      if (!navigator.onLine) { keep(another, "offline"); return; }
      say(t("Skickar …", "Sending …"));
      var body = new FormData(form);
      if (another) { body.append("another", "1"); }
      var controller = window.AbortController ? new AbortController() : null;
      var timer = controller && setTimeout(function () { controller.abort(); }, 30000);
      fetch(location.href, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-ODS-Form": "fetch" },
        signal: controller ? controller.signal : undefined,
      }).then(function (r) {
        clearTimeout(timer);
        if (r.redirected && new URL(r.url).pathname === C.login) { return keep(another, "login"); }
        var type = r.headers.get("Content-Type") || "";
        if (r.ok && type.indexOf("application/json") === 0) {
          return r.json().then(function (answer) {
            var gone = correcting ? discard(correcting) : Promise.resolve();
            return gone.then(function () { location.assign(answer.location); });
          });
        }
        /* The form with the server's errors, or an error page: let the browser show it. The
         * same key goes again, so a row the server did store is not stored twice. */
        busy = false;
        form.dataset.native = "1";
        if (submitter && form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      }, function () {
        clearTimeout(timer);
        keep(another, "failed"); /* no answer: the outbox sends it, with its key, later */
      });
    });
  }

  /* --- The outbox page ----------------------------------------------------------------------- */

  var list = document.getElementById("outbox-list");

  function stateText(entry) {
    if (entry.state === "rejected") { return t("Avvisad", "Refused"); }
    if (entry.state === "login") { return t("Väntar på inloggning", "Waiting for log-in"); }
    return t("Väntar på att skickas", "Waiting to be sent");
  }

  function redraw() {
    if (!list) { return; }
    allEntries().then(function (everything) {
      var mine = everything.filter(function (e) { return String(e.user) === String(USER); });
      var others = everything.length - mine.length;
      list.textContent = "";
      var empty = document.getElementById("outbox-empty");
      if (empty) { empty.hidden = mine.length > 0; }
      var sendButton = document.getElementById("outbox-send");
      if (sendButton) { sendButton.hidden = mine.length === 0; }
      mine.forEach(function (entry) {
        var item = document.createElement("li");
        item.className = "outbox-entry outbox-entry--" + entry.state;
        var title = document.createElement("h2");
        var s = entry.summary || {};
        title.textContent = [s.category, s.scene, s.when].filter(Boolean).join(" – ") || entry.key;
        item.appendChild(title);
        var state = document.createElement("p");
        state.className = "outbox-entry__state";
        state.textContent = stateText(entry) + (entry.message ? ": " + entry.message : "");
        item.appendChild(state);
        if (entry.errors && entry.errors.length) {
          var errors = document.createElement("ul");
          errors.className = "outbox-entry__errors";
          entry.errors.forEach(function (line) {
            var li = document.createElement("li");
            li.textContent = line;
            errors.appendChild(li);
          });
          item.appendChild(errors);
        }
        var actions = document.createElement("p");
        actions.className = "form-actions";
        var correct = document.createElement("a");
        correct.className = "button button--secondary";
        correct.href = C.form + "?outbox=" + encodeURIComponent(entry.key);
        correct.textContent = t("Öppna i formuläret", "Open in the form");
        actions.appendChild(correct);
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "button--secondary";
        drop.textContent = t("Kasta", "Discard");
        drop.addEventListener("click", function () {
          if (!window.confirm(t("Kasta observationen? Den skickas aldrig.", "Discard the observation? It will never be sent."))) { return; }
          discard(entry.key).then(updateBadge).then(function () {
            redraw();
            announce(t("Observationen kastades.", "The observation was discarded."));
          });
        });
        actions.appendChild(drop);
        item.appendChild(actions);
        list.appendChild(item);
      });
      var foreign = document.getElementById("outbox-others");
      if (foreign) {
        foreign.hidden = others === 0;
        foreign.textContent = others ? observations(others) + t(
          " i utkorgen loggades av en annan användare i den här webbläsaren och skickas när den användaren loggar in.",
          " in the outbox were logged by another user of this browser and are sent when that user logs in.") : "";
      }
    });
  }

  function outboxPage() {
    var button = document.getElementById("outbox-send");
    if (button) {
      button.addEventListener("click", function () {
        if (!navigator.onLine) {
          announce(t("Du är utan nät. Utkorgen skickas när nätet är tillbaka.", "You are offline. The outbox is sent when the network is back."));
          return;
        }
        announce(t("Skickar …", "Sending …"));
        flush(true).then(function (result) {
          if (!result) { return; }
          if (result.login) {
            announce(LOGIN_MESSAGE);
          } else if (!result.sent && !result.rejected) {
            announce(t("Ingenting skickades. Försök igen om en stund.", "Nothing was sent. Try again in a while."));
          }
        });
      });
    }
    var login = document.getElementById("outbox-login");
    if (login) { login.href = loginLink(); }
    redraw();
  }

  /* --- Log-out: the kept copies of this user's pages go with the session ------------------- */

  function logoutForms() {
    document.querySelectorAll('form[action="' + C.logout + '"]').forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (form.dataset.cleared === "1" || !window.caches) { return; }
        ev.preventDefault();
        var go = function () { form.dataset.cleared = "1"; form.submit(); };
        caches.delete(PAGES_CACHE).then(go, go);
      });
    });
  }

  /* --- The service worker -------------------------------------------------------------------- */

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !window.workbox || !window.workbox.Workbox) { return; }
    var wb = new window.workbox.Workbox(C.sw, { scope: "/" });
    wb.register().then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      /* Asked of the active worker itself: it may have been installed by another page. */
      if (!navigator.onLine || !registration.active) { return null; }
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        registration.active.postMessage({ type: "keep-copies", user: USER }, [channel.port2]);
      });
    }).then(function () {
      document.documentElement.dataset.odsOfflineReady = "1";
    }).catch(function () { /* the platform works without it, only not offline */ });
  }

  function init() {
    registerWorker();
    logoutForms();
    var form = document.querySelector("form.observation-form");
    if (form) { observationForm(form); }
    if (list) { outboxPage(); }
    updateBadge().then(function (mine) {
      if (mine.length) { flush(false); }
    });
    window.addEventListener("online", function () { flush(false); });
    setInterval(function () {
      entriesOf(USER).then(function (mine) {
        if (mine.some(function (e) { return e.state !== "rejected"; })) { flush(false); }
      });
    }, RETRY_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
