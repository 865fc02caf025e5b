extension PageAssets {
    /// The whole client: a hash router, the login form, Now (server-sent events), Events, Recent and the player.
    /// No framework, no build step; DOM built with `el`, text always set as text (never parsed as HTML).
    static let script = #"""
    "use strict";
    const $main = document.getElementById("main");
    let csrf = null, leave = null, tiles = null;  // tiles: the configured map tile server, from the session

    function el(tag, attrs, ...kids) {
      const e = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs || {})) {
        if (v === null || v === undefined || v === false) continue;
        if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (k === "cls") e.className = v; else e.setAttribute(k, v === true ? "" : v);
      }
      for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) e.append(k.nodeType ? k : String(k));
      return e;
    }
    const bytes = n => { if (n == null) return "–"; const u = ["B","KB","MB","GB","TB"]; let i = 0; while (n >= 1000 && i < 4) { n /= 1000; i++; } return (i ? n.toFixed(n < 10 ? 1 : 0) : n) + " " + u[i]; };
    // Clip times are the car's local time stored as UTC: shown in UTC they read as the car's clock did.
    const carTime = (s, o) => new Date(s * 1000).toLocaleString(undefined, Object.assign({timeZone: "UTC"}, o || {dateStyle: "medium", timeStyle: "short"}));
    const clock = s => { s = Math.max(0, s); const m = Math.floor(s / 60); return m + ":" + String(Math.floor(s % 60)).padStart(2, "0"); };
    const ago = s => s == null ? "–" : s < 90 ? Math.round(s) + " s ago" : s < 5400 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
    // What the Now and Live pages say of clips the car left open while it is not writing.
    const openClipsNote = (connected, sinceWrite) => connected
      ? "The car is idle" + (sinceWrite != null ? " (its last write " + ago(sinceWrite) + ")" : "") + ": these clips are still open. They play to their last frame and grow again when it records."
      : "The car is not writing: these clips stopped at their last write and play to their last frame.";

    class LoginNeeded extends Error {}
    async function api(path, options) {
      const o = Object.assign({credentials: "same-origin", headers: {}}, options || {});
      if (o.method && o.method !== "GET" && csrf) o.headers["X-CSRF-Token"] = csrf;
      const r = await fetch(path, o);
      if (r.status === 401 && path !== "/api/login") throw new LoginNeeded();
      const body = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.text();
      if (!r.ok) throw new Error(body && body.error ? body.error : "HTTP " + r.status);
      return body;
    }

    function show(...nodes) { $main.replaceChildren(...nodes); }

    function login(message) {
      const input = el("input", {type: "password", autocomplete: "current-password", placeholder: "Password", "aria-label": "Password", required: true});
      const note = el("p", {cls: "error"}, message || "");
      const form = el("form", {cls: "card login", onsubmit: async e => {
        e.preventDefault();
        note.textContent = "";
        try {
          const r = await api("/api/login", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({password: input.value})});
          csrf = r.csrf; route();
        } catch (err) { note.textContent = err.message; }
      }}, el("h1", {}, "TeslaCam"), el("p", {cls: "muted"}, "The board's web UI. Log in with the password set by teslacam passwd."), input,
        el("button", {cls: "btn on", type: "submit"}, "Log in"), note);
      show(form);
      input.focus();
    }

    // ---- Now ----
    function nowView() {
      const box = el("div", {}, el("h1", {}, "Now"), el("p", {cls: "muted"}, "Connecting…"));
      show(box);
      const source = new EventSource("/api/now/stream");
      source.addEventListener("now", e => renderNow(box, JSON.parse(e.data)));
      source.onerror = () => { if (source.readyState === EventSource.CLOSED) api("/api/session").then(s => { if (!s.authenticated) login(); }).catch(() => {}); };
      leave = () => source.close();
    }

    function renderNow(box, n) {
      // From what the engine saw: writes in the last 5 s (the rate's window) are recording; reads or older writes
      // within 30 s are a connected car that is idle (parked, Sentry off).
      const idle = n.secondsSinceWrite != null ? "connected, idle (last write " + ago(n.secondsSinceWrite) + ")" : "connected, idle";
      const car = !n.engine ? ["", "No volume attached (catalog only)"] : n.carWriting && n.writeRate > 0 ? ["ok", "Car connected, recording"] : n.carConnected ? ["warn", "Car " + idle] : ["", "Car not connected"];
      const recording = !!n.engine && n.carWriting && n.writeRate > 0;
      const disk = n.disk || {};
      const used = disk.archiveTotalBytes ? 1 - disk.archiveFreeBytes / disk.archiveTotalBytes : 0;
      // The bar's colour is retention's state: red only under the reserve (it is evicting), amber near it.
      const reserve = n.retention ? n.retention.minFreeBytes : 0;
      const storage = !reserve || disk.archiveFreeBytes == null ? ["", ""] : disk.archiveFreeBytes < reserve ? ["bad", "Under the reserve: retention is removing the oldest clips."]
        : disk.archiveFreeBytes < 2 * reserve ? ["warn", "Near the reserve: retention removes the oldest clips soon."] : ["", "Retention has room: nothing is removed yet."];
      box.replaceChildren(el("h1", {}, "Now"),
        el("div", {cls: "card", id: "car"}, el("span", {cls: "dot " + car[0]}), el("b", {}, car[1])),
        el("div", {cls: "grid"},
          el("div", {cls: "card stat"}, "Write rate", el("b", {id: "rate"}, bytes(n.writeRate) + "/s")),
          el("div", {cls: "card stat"}, "Last flush", el("b", {}, ago(n.secondsSinceFlush))),
          el("div", {cls: "card stat"}, "Written since start", el("b", {}, bytes(n.carBytesWritten))),
          el("div", {cls: "card stat"}, "Write cache", el("b", {}, bytes(n.cacheBytes)), n.heldBytes ? el("span", {cls: "error"}, bytes(n.heldBytes) + " held: disk refusing") : null)),
        // The heading says what the status line says: a clip left open while the car is idle is not "recording".
        el("h2", {id: "growing-head"}, recording || !n.growing.length ? "Recording now" : "Clips left open"),
        el("div", {cls: "card"}, n.growing.length ? [
          recording ? null : el("p", {cls: "muted", id: "growing-note"}, openClipsNote(n.carConnected, n.secondsSinceWrite)),
          el("ul", {cls: "rows", id: "growing"}, n.growing.map(g => el("li", {}, el("a", {href: "#/live"}, g.name), el("b", {}, bytes(g.size))))),
          el("p", {}, el("a", {cls: "btn on", id: "watch-live", href: "#/live"}, recording ? "Watch live" : "Watch"))]
          : el("p", {cls: "muted"}, recording ? "The car is writing, but no clip is open." : "No clip is growing.")),
        el("h2", {}, "Storage"),
        el("div", {cls: "card"}, disk.archiveTotalBytes ? [el("div", {}, bytes(disk.archiveFreeBytes) + " free of " + bytes(disk.archiveTotalBytes)), el("div", {cls: "bar " + storage[0], id: "storage", "data-state": storage[0] || "ok"}, barFill(used)), storage[1] ? el("p", {cls: storage[0] === "bad" ? "error" : "muted"}, storage[1]) : null] : el("span", {cls: "muted"}, "No disk figures."),
          n.retention ? el("p", {cls: "muted"}, `Keeps RecentClips ${n.retention.recentDays} days, events ${n.retention.eventDays} days, at least ${bytes(n.retention.minFreeBytes)} free.`) : null,
          disk.volumeBytes ? el("p", {cls: "muted"}, `The car's drive: ${bytes(disk.volumeBytes)}, ${bytes(disk.volumeFreeBytes)} free.`) : null,
          n.nextEvictions ? nextEvictions(n.nextEvictions) : null),
        el("h2", {}, "Uploads"),
        el("div", {cls: "card"}, sinkRows(n.sinks)));
    }
    // What retention takes next (only clips the car itself deleted): the ones not uploaded anywhere are marked.
    function nextEvictions(list) {
      if (!list.length) return el("p", {cls: "muted", id: "next-evictions"}, "Nothing to remove: the archive holds only clips the car still has.");
      return el("div", {id: "next-evictions"}, el("h3", {}, "Next to go"),
        el("ul", {cls: "rows"}, list.map(x => el("li", {cls: x.notUploaded ? "warnrow" : null},
          el("span", {}, x.path.split("/").pop(), el("div", {cls: x.notUploaded ? "error" : "muted"}, x.reason)),
          el("span", {}, el("b", {}, bytes(x.size)), el("div", {cls: "muted"}, new Date(x.recordedAt * 1000).toLocaleDateString(undefined, {dateStyle: "medium"})))))));
    }
    // The sinks with their controls; `after` gets the new states (Now's stream brings them by itself).
    function sinkRows(sinks, after) {
      return sinks.length ? el("ul", {cls: "rows", id: "sinks"}, sinks.map(s => el("li", {},
        el("span", {}, el("span", {cls: "dot " + ({ok: "ok", failing: "warn", stopped: "bad"}[s.state] || "")}), s.name,
          s.offline ? el("div", {cls: "muted"}, "Not answering (noticed " + ago((Date.now() / 1000) - s.offlineSince) + "): " + s.offline + ". Uploads start when it answers.") : s.lastError ? el("div", {cls: "muted"}, s.lastError) : null),
        el("span", {}, s.state + " · " + s.queued + " queued" + (s.sentBytes ? " · " + bytes(s.sentBytes) + " sent " : " "),
          s.state === "stopped" || s.state === "failing" ? sinkButton(s.name, "retry", "Retry", after) : null,
          sinkButton(s.name, s.enabled ? "disable" : "enable", s.enabled ? "Pause" : "Resume", after))))) : el("p", {cls: "muted"}, "No sinks configured.");
    }
    function sinkButton(name, action, label, after) {
      return el("button", {cls: "btn small", onclick: e => { e.target.disabled = true; api("/api/sinks/" + encodeURIComponent(name) + "/" + action, {method: "POST"}).then(after || (() => {})).catch(failed); }}, label);
    }

    // ---- Settings ----
    async function settingsView() {
      const field = (label, auto) => el("input", {type: "password", autocomplete: auto, placeholder: label, "aria-label": label, required: true});
      const current = field("Current password", "current-password"), next = field("New password", "new-password"), again = field("New password again", "new-password");
      const note = el("p", {id: "password-note"});
      const form = el("form", {cls: "card form", id: "password", onsubmit: async e => {
        e.preventDefault();
        note.className = "error";
        if (next.value !== again.value) { note.textContent = "The two new passwords differ."; return; }
        if (next.value.length < 8) { note.textContent = "The new password needs at least 8 characters."; return; }
        note.className = "muted"; note.textContent = "Changing…";
        try {
          await api("/api/password", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({current: current.value, new: next.value})});
          form.reset(); note.className = "okay"; note.textContent = "Password changed. Other browsers are logged out.";
        } catch (err) { if (err instanceof LoginNeeded) return login(); note.className = "error"; note.textContent = err.message; }
      }}, el("h2", {}, "Password"), current, next, again, el("button", {cls: "btn on", type: "submit"}, "Change password"), note);
      const sinks = el("div", {cls: "card"}, el("p", {cls: "muted"}, "Loading…"));
      const config = el("div", {id: "config"}), dropbox = el("div", {id: "dropbox"});
      show(el("h1", {}, "Settings"), config, form, el("h2", {}, "Uploads"), sinks, dropbox);
      const draw = list => sinks.replaceChildren(sinkRows(list, draw));
      const optional = p => api(p).catch(err => { if (err instanceof LoginNeeded) throw err; return null; });
      const [list, doc, accounts] = await Promise.all([api("/api/sinks"), optional("/api/settings"), optional("/api/dropbox")]);
      draw(list);
      if (doc) configForm(config, doc);
      if (accounts && accounts.length) dropboxCard(dropbox, accounts, () => api("/api/sinks").then(draw));
    }
    // Dropbox's PKCE login from the phone: Dropbox's page allows the app and shows a code; pasted here, the board
    // trades it for a refresh token.
    function dropboxCard(box, accounts, after, said) {
      const rows = accounts.map(a => {
        const steps = el("div", {cls: "steps", hidden: true});
        const start = el("button", {cls: "btn small" + (a.linked ? "" : " on"), type: "button", disabled: !!a.problem, onclick: async () => {
          start.disabled = true;
          try {
            const r = await api("/api/dropbox/" + encodeURIComponent(a.name) + "/authorize", {method: "POST"});
            const code = el("input", {id: "dropbox-code", placeholder: "Code from Dropbox", "aria-label": "Code from Dropbox", autocomplete: "off", required: true});
            const note = el("p", {cls: "muted", id: "dropbox-note"});
            steps.replaceChildren(
              el("p", {}, "1. ", el("a", {href: r.url, target: "_blank", rel: "noopener noreferrer", id: "dropbox-open"}, "Open Dropbox"), ", sign in and allow the app."),
              el("form", {cls: "form", onsubmit: async e => {
                e.preventDefault();
                note.className = "muted"; note.textContent = "Asking Dropbox…";
                try {
                  const done = await api("/api/dropbox/" + encodeURIComponent(a.name) + "/code", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({code: code.value})});
                  dropboxCard(box, done.accounts, after, done.message); after();
                } catch (err) { if (err instanceof LoginNeeded) return login(); note.className = "error"; note.textContent = err.message; }
              }}, el("label", {for: "dropbox-code"}, "2. Paste the code Dropbox shows:"), code, el("button", {cls: "btn on", type: "submit"}, "Link"), note));
            steps.hidden = false;
          } catch (err) { if (err instanceof LoginNeeded) return login(); steps.hidden = false; steps.replaceChildren(el("p", {cls: "error"}, err.message)); start.disabled = false; }
        }}, a.linked ? "Link again" : "Link Dropbox");
        return el("li", {cls: "dropbox-account", "data-linked": a.linked ? "yes" : "no"},
          el("span", {}, el("span", {cls: "dot " + (a.linked ? "ok" : "warn")}), a.name, el("div", {cls: a.problem ? "error" : "muted"}, a.problem || (a.linked ? "linked" : "not linked yet: uploads wait"))),
          el("span", {}, start), steps);
      });
      box.replaceChildren(el("h2", {}, "Dropbox"), el("div", {cls: "card"}, said ? el("p", {cls: "okay", id: "dropbox-said"}, said) : null, el("ul", {cls: "rows"}, rows)));
    }
    // The config file's editable keys: retention applies at once, the rest at a reload (the car keeps its drive).
    function configForm(box, doc, said) {
      const inputs = {};
      const rows = doc.settings.map(s => {
        const id = "setting-" + s.key.replace(/\./g, "-");
        const input = s.choices
          ? el("select", {id, name: s.key}, el("option", {value: ""}, "default (" + s.defaultValue + ")"), s.choices.map(c => el("option", {value: c, selected: s.value === c}, c)))
          : el("input", {id, name: s.key, value: s.value ?? "", placeholder: "default: " + s.defaultValue, inputmode: s.kind === "days" ? "decimal" : null, autocomplete: "off"});
        if (!doc.writable) input.disabled = true;
        inputs[s.key] = input;
        return el("label", {cls: "setting", for: id}, el("span", {}, s.label, s.live ? null : el("small", {cls: "muted"}, " · after a reload")), input, el("small", {cls: "muted"}, s.help));
      });
      const note = el("p", {id: "config-note", cls: said ? said[0] : "muted"}, said ? said[1] : doc.writable ? "Saved into " + doc.file + ", checked as at start." : doc.problem);
      const pending = doc.pendingReload.length ? el("div", {cls: "pending", id: "config-pending"},
        el("p", {cls: "notice"}, "Changed in the file, used after a reload: " + doc.pendingReload.join(", ") + "."),
        doc.canReload ? el("button", {cls: "btn", type: "button", id: "reload", onclick: async e => {
          e.target.disabled = true;
          try {
            const r = await api("/api/reload", {method: "POST"});
            note.className = "muted"; note.textContent = r.message;
            await backAfterReload();
          } catch (err) { if (err instanceof LoginNeeded) return login(); note.className = "error"; note.textContent = err.message; e.target.disabled = false; }
        }}, "Reload now") : el("p", {cls: "muted"}, "Restart the daemon to use them.")) : null;
      const form = el("form", {cls: "card form settings", id: "config-form", onsubmit: async e => {
        e.preventDefault();
        const values = {};
        for (const s of doc.settings) if ((inputs[s.key].value || "") !== (s.value ?? "")) values[s.key] = inputs[s.key].value || null;
        if (!Object.keys(values).length) { note.className = "muted"; note.textContent = "Nothing changed."; return; }
        note.className = "muted"; note.textContent = "Saving…";
        try {
          const r = await api("/api/settings", {method: "PUT", headers: {"Content-Type": "application/json"}, body: JSON.stringify({values})});
          const words = [r.appliedNow.length ? "in force now: " + r.appliedNow.join(", ") : null, r.atReload.length ? "after a reload: " + r.atReload.join(", ") : null].filter(Boolean).join("; ");
          configForm(box, r.document, ["okay", r.changed.length ? "Saved (" + words + ")." : "Nothing changed."]);
        } catch (err) { if (err instanceof LoginNeeded) return login(); note.className = "error"; note.textContent = err.message; }
      }}, el("h2", {}, "Storage and uploads"), rows, doc.writable ? el("button", {cls: "btn on", type: "submit"}, "Save") : null, note, pending);
      box.replaceChildren(form);
    }
    // A reload execs the daemon: the web UI is gone for a few seconds and its sessions with it.
    async function backAfterReload() {
      await new Promise(r => setTimeout(r, 1500));
      for (let i = 0; i < 120; i++) {
        // The old session ends with the old process: a session probe that no longer knows it is the new daemon.
        try { const s = await api("/api/session"); if (!s.authenticated) { csrf = null; return login("The daemon reloaded its settings. Log in again."); } }
        catch (err) { /* not answering yet */ }
        await new Promise(r => setTimeout(r, 1000));
      }
      login("The daemon did not come back after the reload: see journalctl -u teslacam on the board.");
    }
    function barFill(share) { const i = el("i"); i.style.width = Math.round(Math.min(1, Math.max(0, share)) * 100) + "%"; return i; }

    // ---- Events ----
    function eventsView(kind, date) {
      kind = kind || "all";
      date = /^\d{4}-\d\d-\d\d$/.test(date || "") ? date : "";
      const to = (k, d) => { location.hash = "#/events/" + k + (d ? "/" + d : ""); };
      const list = el("div", {cls: "events", id: "events"});
      const sentinel = el("div", {cls: "sentinel"});
      const day = el("input", {type: "date", value: date, "aria-label": "Day", onchange: e => to(kind, e.target.value)});
      const chips = el("div", {cls: "chips"}, ["all", "sentry", "saved"].map(k => el("button", {cls: k === kind ? "on" : "", onclick: () => to(k, date)}, {all: "All", sentry: "Sentry", saved: "Saved"}[k])),
        day, date ? el("button", {onclick: () => to(kind, "")}, "Any day") : null);
      const map = el("div", {cls: "card eventmap", hidden: true});
      const located = [];
      show(el("h1", {}, "Events"), chips, map, list, sentinel);
      let next = "", busy = false;
      const more = async () => {
        if (busy || next === null) return;
        busy = true;
        try {
          const page = await api("/api/events?kind=" + kind + (date ? "&date=" + date : "") + (next ? "&before=" + encodeURIComponent(next) : ""));
          for (const e of page.items) { list.append(eventCard(e)); if (e.latitude != null && e.longitude != null) located.push(e); }
          drawEventMap(map, located);
          if (!list.children.length) list.append(el("p", {cls: "muted"}, date ? "No events on this day." : "No events yet."));
          next = page.next ?? null;  // absent at the end (the encoder leaves nil out)
        } finally { busy = false; }
      };
      const io = new IntersectionObserver(es => { if (es.some(e => e.isIntersecting)) more().catch(failed); });
      io.observe(sentinel);
      leave = () => io.disconnect();
      more().catch(failed);
    }

    // Where the events happened, from event.json's coordinates: our own drawing, so it works without internet.
    function drawEventMap(box, events) {
      if (!events.length) { box.hidden = true; return; }
      box.hidden = false;
      const ns = "http://www.w3.org/2000/svg";
      const lats = events.map(e => e.latitude), lons = events.map(e => e.longitude);
      const [a, b, c, d] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
      const k = Math.cos(((a + b) / 2) * Math.PI / 180), span = Math.max(b - a, (d - c) * k, 0.002);
      const svg = document.createElementNS(ns, "svg"); svg.setAttribute("viewBox", "0 0 300 120"); svg.setAttribute("class", "map wide");
      const fit = fitMap(events.map(e => [e.latitude, e.longitude]), 300, 120, 12, 0.002 / 360);
      tileLayer(svg, fit, 700);
      for (const e of events) {
        const [x, y] = fit.xy([e.latitude, e.longitude]);
        const link = document.createElementNS(ns, "a"); link.setAttribute("href", "#/event/" + e.id);
        const dot = document.createElementNS(ns, "circle"); dot.setAttribute("cx", x.toFixed(1)); dot.setAttribute("cy", y.toFixed(1)); dot.setAttribute("r", "5");
        dot.setAttribute("class", e.kind);
        const title = document.createElementNS(ns, "title"); title.textContent = e.reasonText + (e.city ? " · " + e.city : "");
        dot.append(title); link.append(dot); svg.append(link);
      }
      box.replaceChildren(svg, el("div", {cls: "muted"}, events.length + (events.length === 1 ? " event" : " events") + " with a place · " + (span * 111).toFixed(1) + " km across"));
    }

    function eventCard(e) {
      const place = [e.street, e.city].filter(Boolean).join(", ");
      const when = e.timestamp ? new Date(e.timestamp + "Z") : e.firstClipTime ? new Date(e.firstClipTime * 1000) : null;
      return el("a", {cls: "event", href: "#/event/" + e.id},
        e.thumb ? el("img", {src: "/api/clips/" + e.thumb, alt: "", loading: "lazy"}) : el("span", {cls: "noimg"}),
        el("div", {}, el("div", {}, el("span", {cls: "badge " + e.kind}, e.kind === "sentry" ? "Sentry" : "Saved"), el("span", {cls: "muted"}, when ? when.toLocaleString(undefined, {timeZone: "UTC", dateStyle: "medium", timeStyle: "short"}) : e.name)),
          el("div", {cls: "what"}, e.reasonText), el("div", {cls: "muted"}, place || "Unknown place"), el("div", {cls: "muted"}, bytes(e.bytes) + " · " + e.files + " files")));
    }

    // ---- Recent ----
    function recentView() {
      const list = el("div", {id: "recent"});
      const sentinel = el("div", {cls: "sentinel"});
      show(el("h1", {}, "Recent clips"), list, sentinel);
      let next = "", busy = false, day = null, hour = null, hourBox = null;
      const more = async () => {
        if (busy || next === null) return;
        busy = true;
        try {
          const page = await api("/api/recent" + (next ? "?before=" + next : ""));
          for (const m of page.items) {
            const d = carTime(m.start, {dateStyle: "full"}), h = carTime(m.start, {hour: "2-digit"});
            if (d !== day) { day = d; hour = null; list.append(el("h2", {}, d)); }
            if (h !== hour) { hour = h; hourBox = el("div", {cls: "hour"}); list.append(el("div", {cls: "card"}, el("div", {cls: "muted"}, carTime(m.start, {hour: "2-digit", minute: "2-digit"}).replace(/:\d\d/, ":00")), hourBox)); }
            hourBox.append(el("a", {href: "#/play/" + m.cameras[0].id, title: m.cameras.length + " cameras"}, carTime(m.start, {hour: "2-digit", minute: "2-digit"}), m.cameras.some(c => c.state === "growing") ? " ●" : ""));
          }
          if (!list.children.length) list.append(el("p", {cls: "muted"}, "No RecentClips yet."));
          next = page.next ?? null;  // absent at the end (the encoder leaves nil out)
        } finally { busy = false; }
      };
      const io = new IntersectionObserver(es => { if (es.some(e => e.isIntersecting)) more().catch(failed); });
      io.observe(sentinel);
      leave = () => io.disconnect();
      more().catch(failed);
    }

    // ---- Drives ----
    async function drivesView() {
      show(el("h1", {}, "Drives"), el("p", {cls: "muted"}, "Loading…"));
      const d = await api("/api/drives");
      show(el("h1", {}, "Drives"), d.items.length ? el("div", {cls: "events", id: "drives"}, d.items.map(driveCard))
        : el("p", {cls: "muted"}, "No drives yet: front-camera clips with telemetry make them."));
    }
    function driveCard(d) {
      const place = p => p ? p[0].toFixed(4) + ", " + p[1].toFixed(4) : "unknown";
      const hm = s => s >= 3600 ? Math.floor(s / 3600) + " h " + Math.round(s % 3600 / 60) + " min" : s >= 60 ? Math.round(s / 60) + " min" : Math.round(s) + " s";
      return el("div", {cls: "card drive"}, routeMap(d.route, "map route", null, true), el("div", {},
        el("div", {cls: "what"}, carTime(d.start)),
        el("div", {}, el("b", {}, (d.distance / 1000).toFixed(1) + " km"), " · " + hm(d.duration) + " · Autopilot " + Math.round(d.autopilotShare * 100) + " %"),
        el("div", {cls: "muted"}, "Top speed " + Math.round(d.maxSpeed * 3.6) + " km/h · " + d.clips + " clips"),
        // Named from the events' event.json nearby (the board has no geocoder); coordinates elsewhere.
        el("div", {cls: "muted places"}, "From " + (d.startPlace || place(d.startPosition)) + " to " + (d.endPlace || place(d.endPosition))),
        el("div", {cls: "chips"}, d.firstClip ? el("a", {cls: "btn small", href: "#/play/" + d.firstClip}, "Play") : null,
          el("a", {cls: "btn small", href: "/api/drives/" + d.number + "/gpx", download: ""}, "GPX"),
          el("a", {cls: "btn small", href: "/api/drives/" + d.number + "/geojson", download: ""}, "GeoJSON"))));
    }
    // Web Mercator in [0, 1]²: what slippy-map tiles are cut in, and north up with an equal scale locally.
    function mercator(lat, lon) {
      const s = Math.sin(Math.max(-85.05, Math.min(85.05, lat)) * Math.PI / 180);
      return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
    }
    // Fits [lat, lon] points into a w×h view box, `pad` round them; `least`: the smallest span shown (Mercator units).
    function fitMap(points, w, h, pad, least) {
      const m = points.map(q => mercator(q[0], q[1])), xs = m.map(q => q[0]), ys = m.map(q => q[1]);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const scale = Math.min((w - 2 * pad) / Math.max(x1 - x0, least), (h - 2 * pad) / Math.max(y1 - y0, least));
      const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      return {w, h, scale, cx, cy, xy: q => { const [x, y] = mercator(q[0], q[1]); return [w / 2 + (x - cx) * scale, h / 2 + (y - cy) * scale]; }};
    }
    // Map tiles under a fitted drawing, only when the web section names a tile server and the phone is online
    // (offline, the images fail quietly and the drawing is all there is). The zoom whose tiles come closest to
    // 256 px at `px` CSS pixels across; the server's credit in a corner.
    function tileLayer(svg, fit, px) {
      if (!tiles || navigator.onLine === false) return;
      const ns = "http://www.w3.org/2000/svg";
      const z = Math.max(0, Math.min(19, Math.round(Math.log2(fit.scale * px / fit.w / 256)))), n = 2 ** z;
      const left = fit.cx - fit.w / 2 / fit.scale, top = fit.cy - fit.h / 2 / fit.scale;
      const [tx0, tx1] = [Math.floor(left * n), Math.floor((left + fit.w / fit.scale) * n)];
      const [ty0, ty1] = [Math.max(0, Math.floor(top * n)), Math.min(n - 1, Math.floor((top + fit.h / fit.scale) * n))];
      if ((tx1 - tx0 + 1) * (ty1 - ty0 + 1) > 48) return;
      const g = document.createElementNS(ns, "g"); g.setAttribute("class", "tiles");
      for (let tx = tx0; tx <= tx1; tx++) for (let ty = ty0; ty <= ty1; ty++) {
        const img = document.createElementNS(ns, "image");
        img.setAttribute("href", tiles.url.replace("{z}", z).replace("{x}", ((tx % n) + n) % n).replace("{y}", ty));
        const [x, y] = [fit.w / 2 + (tx / n - fit.cx) * fit.scale, fit.h / 2 + (ty / n - fit.cy) * fit.scale];
        // A hair of overlap: no seams between tiles at fractional positions.
        for (const [k, v] of [["x", x], ["y", y], ["width", fit.scale / n + 0.3], ["height", fit.scale / n + 0.3]]) img.setAttribute(k, v.toFixed(2));
        img.setAttribute("preserveAspectRatio", "none");
        g.append(img);
      }
      const credit = document.createElementNS(ns, "text");
      credit.setAttribute("x", fit.w - 2); credit.setAttribute("y", fit.h - 2); credit.setAttribute("text-anchor", "end");
      credit.setAttribute("class", "credit"); credit.setAttribute("font-size", (fit.w / 40).toFixed(1));
      credit.textContent = tiles.attribution;
      svg.prepend(g); svg.append(credit); svg.classList.add("tiled");
    }
    // A track drawn by us: [lat, lon] points, north up, equal scale; tiles beneath only where `withTiles` asks.
    function routeMap(points, cls, at, withTiles) {
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg"); svg.setAttribute("viewBox", "0 0 100 100"); svg.setAttribute("class", cls || "map");
      if (points.length < 2) return svg;
      const fit = fitMap(points, 100, 100, 5, 3e-9);
      if (withTiles) tileLayer(svg, fit, 200);
      const xy = fit.xy;
      const line = document.createElementNS(ns, "polyline"); line.setAttribute("points", points.map(q => xy(q).map(n => n.toFixed(1)).join(",")).join(" "));
      svg.append(line);
      const dot = (q, name) => { const e = document.createElementNS(ns, "circle"); const [x, y] = xy(q); e.setAttribute("cx", x.toFixed(1)); e.setAttribute("cy", y.toFixed(1)); e.setAttribute("r", "4"); e.setAttribute("class", name); svg.append(e); };
      if (at) dot(at, "now"); else { dot(points[0], "start"); dot(points[points.length - 1], "end"); }
      return svg;
    }

    // ---- Player ----
    const GEARS = ["P", "D", "R", "N"], PILOT = ["", "FSD", "Autosteer", "TACC"];
    const LABEL = {front: "Front", back: "Back", left_repeater: "Left", right_repeater: "Right", left_pillar: "Left pillar", right_pillar: "Right pillar"};

    class Player {
      constructor(segments, trigger) {
        this.segments = segments; this.trigger = trigger;
        this.offsets = []; let t = 0; for (const s of segments) { this.offsets.push(t); t += s.duration; }
        this.total = t; this.index = -1; this.speed = 1; this.playing = false; this.focus = null; this.tracks = {};
        this.cameras = [...new Set(segments.flatMap(s => s.cameras.map(c => c.camera)))];
        this.cells = this.cameras.map(c => {
          const v = this.video(c);
          const cell = el("div", {cls: "cam", onclick: () => this.setFocus(c)}, v, el("span", {}, LABEL[c] || c));
          return {camera: c, video: v, cell};
        });
        this.swaps = 0;
        this.grid = el("div", {cls: "cams" + (this.cameras.length > 4 ? " six" : this.cameras.length === 1 ? " one" : "")}, this.cells.map(x => x.cell));
        this.slider = el("input", {type: "range", min: 0, max: this.total.toFixed(2), step: "0.1", value: 0, "aria-label": "Timeline"});
        this.slider.addEventListener("input", () => this.seek(Number(this.slider.value)));
        this.label = el("span", {cls: "time"});
        this.track = el("div", {cls: "timeline"}, this.slider);
        if (trigger && segments.length) {
          const at = trigger - segments[0].start;
          if (at >= 0 && at <= this.total) { const mark = el("i", {cls: "trigger", title: "The event's trigger"}); mark.style.left = (at / this.total * 100) + "%"; this.track.append(mark); }
        }
        this.playButton = el("button", {cls: "btn on", onclick: () => this.toggle()}, "Play");
        const speeds = el("select", {"aria-label": "Speed", onchange: e => this.setSpeed(Number(e.target.value))}, [0.25, 0.5, 1, 1.5, 2, 4].map(s => el("option", {value: s, selected: s === 1}, s + "×")));
        this.overlay = el("div", {cls: "overlay"});
        this.noteBox = el("p", {cls: "note", id: "player-note", hidden: true});
        this.root = el("div", {cls: "player"}, this.noteBox, this.grid,
          el("div", {cls: "controls"}, this.track, this.playButton,
            el("button", {cls: "btn", title: "Previous frame (,)", onclick: () => this.step(-1)}, "◀︎"),
            el("button", {cls: "btn", title: "Next frame (.)", onclick: () => this.step(1)}, "▶︎"),
            speeds, el("button", {cls: "btn", onclick: () => this.setFocus(null)}, "Grid"), this.label),
          this.overlay);
        this.keys = e => {
          if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
          if (e.key === " ") { e.preventDefault(); this.toggle(); }
          else if (e.key === "ArrowRight") this.seek(this.time() + 5);
          else if (e.key === "ArrowLeft") this.seek(this.time() - 5);
          else if (e.key === ".") this.step(1);
          else if (e.key === ",") this.step(-1);
          else if (/^[1-6]$/.test(e.key) && this.cameras[e.key - 1]) this.setFocus(this.cameras[e.key - 1]);
          else if (e.key === "g") this.setFocus(null);
        };
        document.addEventListener("keydown", this.keys);
        this.load(0, 0);
        this.frame = requestAnimationFrame(() => this.tick());
        this.liveTimer = setInterval(() => this.renewAll(), 3000);
      }
      video(camera) {
        const v = el("video", {muted: true, playsinline: true, preload: "auto", "data-camera": camera});
        v.muted = true;
        v.addEventListener("ended", () => { if (v === this.master() && !this.growing()) this.advance(); });
        return v;
      }
      master() {
        const seg = this.segments[this.index], has = x => seg && seg.cameras.some(k => k.camera === x.camera);
        const c = this.cells.find(x => x.camera === this.focus && has(x)) || this.cells.find(has);
        return c ? c.video : this.cells[0].video;
      }
      // On a phone with a camera focused only that camera streams: the others hold a still, renewed every few
      // seconds (the board's Wi-Fi is slow).
      lean() { return !!this.focus && matchMedia("(max-width: 799px)").matches; }
      time() { return (this.offsets[this.index] || 0) + this.master().currentTime; }
      load(index, offset) {
        this.index = index;
        const seg = this.segments[index];
        const ready = [];
        for (const x of this.cells) {
          const clip = seg.cameras.find(c => c.camera === x.camera);
          x.cell.classList.toggle("missing", !clip);
          if (!clip) { x.video.removeAttribute("src"); delete x.video.dataset.id; continue; }
          if (x.video.dataset.id !== String(clip.id)) {
            if (x.next) { x.next.remove(); x.next = null; }
            x.video.dataset.id = clip.id; x.upto = 0;
            if (clip.state === "growing") this.renew(x, clip); else x.video.src = "/api/clips/" + clip.id + "?play=1";
          }
          ready.push(new Promise(res => { if (x.video.readyState >= 1) res(); else x.video.addEventListener("loadedmetadata", res, {once: true}); }).then(() => { x.video.currentTime = offset; }));
        }
        if (seg.telemetry && !this.tracks[seg.telemetry]) {
          this.tracks[seg.telemetry] = [];
          api("/api/clips/" + seg.telemetry + "/telemetry").then(t => { this.tracks[seg.telemetry] = t.track || []; }).catch(() => {});
        }
        return Promise.all(ready).then(() => { if (this.playing) this.playAll(); });
      }
      growing() { const seg = this.segments[this.index]; return !!seg && seg.cameras.some(c => c.state === "growing"); }
      // A clip the car is still recording plays as the server's view of its bytes so far (named by their count,
      // so all range requests of one load see one file). Every few seconds a longer view loads in a second video
      // element underneath the one playing, seeks to where that one will be, and takes its place once it holds
      // that frame: no reload of the element on screen, no blank frame. (Media Source Extensions would append
      // the new bytes to one element, but they need fragmented MP4 and iPhone Safari offers only ManagedMediaSource,
      // since iOS 17.1; two elements work in every browser that plays the clip at all.)
      async renew(x, clip) {
        if (x.next) return;
        let f = null;
        try { f = await api("/api/clips/" + clip.id + "/live"); } catch (err) { if (err instanceof LoginNeeded) return login(); this.note(x.camera, err.message); return; }
        this.note(x.camera, "");
        if (x.video.dataset.id !== String(clip.id)) return;
        if (!f.growing) {
          clip.state = "complete"; x.upto = 0;
          if (!x.video.currentSrc) { x.video.src = "/api/clips/" + clip.id + "?play=1"; return; }  // it never played live
          return this.replace(x, "/api/clips/" + clip.id + "?play=1");
        }
        if (f.upto <= x.upto) return;
        // The front camera's clip carries the overlay's telemetry: read again for the longer view.
        if (this.segments[this.index] && this.segments[this.index].telemetry === clip.id) api("/api/clips/" + clip.id + "/telemetry").then(t => { this.tracks[clip.id] = t.track || []; }).catch(() => {});
        const src = "/api/clips/" + clip.id + "?play=1&upto=" + f.upto;
        if (!x.upto) { x.upto = f.upto; x.video.src = src; }
        else { await this.replace(x, src); x.upto = Math.max(x.upto, f.upto); }
        const seg = this.segments[this.index];
        if (seg === this.segments[this.segments.length - 1] && f.duration > 0) {
          seg.duration = Math.max(f.duration, ...this.cells.filter(c => c.video.duration > 0).map(c => c.video.duration));
          this.total = this.offsets[this.index] + seg.duration; this.slider.max = this.total.toFixed(2);
        }
      }
      // Loads `src` in a video element beneath the one on screen and swaps it in at the same moment of the clip.
      async replace(x, src) {
        const old = x.video, next = this.video(x.camera);
        next.dataset.id = old.dataset.id;
        next.classList.add("next");
        next.playbackRate = old.playbackRate;
        x.next = next;
        const once = (v, name) => new Promise((res, rej) => { v.addEventListener(name, res, {once: true}); v.addEventListener("error", () => rej(new Error("the longer view did not load")), {once: true}); });
        try {
          next.src = src;
          old.before(next);
          await once(next, "loadeddata");
          // Aim a little ahead of a playing camera: the seek takes a moment, and the swap waits for it to catch up.
          const lead = !old.paused && !old.ended ? 0.3 * old.playbackRate : 0;
          const target = Math.min(old.currentTime + lead, Math.max(0, next.duration - 0.05));
          if (Math.abs(next.currentTime - target) > 0.001) { next.currentTime = target; await once(next, "seeked"); }
          while (x.video === old && !old.paused && !old.ended && old.currentTime < next.currentTime && x.next === next) await new Promise(r => requestAnimationFrame(r));
          if (x.next !== next || !this.cells.includes(x)) { next.removeAttribute("src"); next.load(); next.remove(); return; }
          if (this.playing && (!old.paused || old.ended)) { next.play().catch(() => {}); }
          next.classList.remove("next");
          x.video = next;
          this.swaps++;
          old.remove(); old.removeAttribute("src"); old.load();
        } catch (err) {
          next.remove(); this.note(x.camera, err.message);
        } finally { if (x.next === next) x.next = null; }
      }
      // What keeps a camera from playing, in words (one camera's sentence, and how many more wait).
      note(camera, text) {
        this.notes = this.notes || {};
        if (text) this.notes[camera] = text; else delete this.notes[camera];
        const all = Object.values(this.notes), shown = all.length ? all[0] + (all.length > 1 ? " (" + (all.length - 1) + " more " + (all.length > 2 ? "cameras wait" : "camera waits") + " likewise.)" : "") : "";
        if (this.noteBox.textContent !== shown) this.noteBox.textContent = shown;
        this.noteBox.hidden = !shown;
      }
      renewAll() {
        const seg = this.segments[this.index];
        if (!seg) return;
        for (const x of this.cells) { const clip = seg.cameras.find(c => c.camera === x.camera); if (clip && clip.state === "growing") this.renew(x, clip); }
      }
      playAll() { const m = this.master(), lean = this.lean(); for (const x of this.cells) if (x.video.dataset.id && (!lean || x.video === m)) { x.video.playbackRate = this.speed; x.video.play().catch(() => {}); } }
      toggle() {
        this.playing = !this.playing;
        this.playButton.textContent = this.playing ? "Pause" : "Play";
        if (this.playing) this.playAll(); else for (const x of this.cells) x.video.pause();
      }
      advance() {
        if (this.index + 1 < this.segments.length) this.load(this.index + 1, 0);
        else { this.playing = false; this.playButton.textContent = "Play"; }
      }
      seek(t) {
        t = Math.min(Math.max(0, t), Math.max(0, this.total - 0.05));
        let i = 0; while (i + 1 < this.segments.length && this.offsets[i + 1] <= t) i++;
        if (i !== this.index) return this.load(i, t - this.offsets[i]);
        for (const x of this.cells) if (x.video.dataset.id) x.video.currentTime = t - this.offsets[i];
        return Promise.resolve();
      }
      step(direction) {
        if (this.playing) this.toggle();
        const t = this.master().currentTime + direction / 30;
        for (const x of this.cells) if (x.video.dataset.id) x.video.currentTime = Math.max(0, t);
      }
      setSpeed(s) { this.speed = s; for (const x of this.cells) x.video.playbackRate = s; }
      setFocus(camera) {
        this.focus = this.focus === camera ? null : camera;
        this.grid.classList.toggle("focus", !!this.focus);
        for (const x of this.cells) x.cell.classList.toggle("main", x.camera === this.focus);
      }
      // Every camera follows the master: small drift is taken up by the playback rate, a large one by a seek.
      tick() {
        const m = this.master();
        if (this.playing && !m.paused && !m.seeking) {
          for (const x of this.cells) {
            const v = x.video;
            if (v === m || !v.dataset.id || v.readyState < 2) continue;
            if (this.lean()) {
              if (!v.paused) v.pause();
              if (!(this.still > performance.now() - 4000)) { this.still = performance.now(); v.currentTime = m.currentTime; }
              continue;
            }
            const drift = v.currentTime - m.currentTime;
            if (Math.abs(drift) > 0.3) v.currentTime = m.currentTime;
            else v.playbackRate = Math.max(0.0625, this.speed * (1 - Math.max(-0.25, Math.min(0.25, drift * 2))));
            if (v.paused && !v.ended) v.play().catch(() => {});
          }
        }
        const t = this.time();
        if (document.activeElement !== this.slider) this.slider.value = t.toFixed(2);
        const seg = this.segments[this.index];
        this.label.textContent = clock(t) + " / " + clock(this.total) + (seg ? " · " + carTime(seg.start + m.currentTime, {dateStyle: "short", timeStyle: "medium"}) : "");
        this.drawTelemetry(seg, m.currentTime);
        this.frame = requestAnimationFrame(() => this.tick());
      }
      drawTelemetry(seg, t) {
        const track = seg && seg.telemetry ? this.tracks[seg.telemetry] : null;
        if (!track || !track.length) { if (this.overlay.dataset.state !== "none") { this.overlay.dataset.state = "none"; this.overlay.replaceChildren(el("span", {cls: "muted"}, this.growing() ? "No telemetry in the frames written so far." : "No telemetry for this minute.")); } return; }
        let p = track[0];
        for (const q of track) { if (q[0] <= t) p = q; else break; }
        const key = seg.telemetry + ":" + p[0];
        if (this.overlay.dataset.state !== key) {
          this.overlay.dataset.state = key;
          const kmh = p[3] * 3.6;
          // Steering, blinkers and brake: columns 8-10 (tracks catalogued before them have 7).
          const controls = p.length >= 10 ? [el("span", {cls: "dash"},
            el("span", {cls: "blinker" + (p[8] & 1 ? " on" : ""), id: "blink-left", "data-on": p[8] & 1 ? 1 : 0, title: "Left blinker"}, "◀"),
            this.wheel(p[7]),
            el("span", {cls: "blinker" + (p[8] & 2 ? " on" : ""), id: "blink-right", "data-on": p[8] & 2 ? 1 : 0, title: "Right blinker"}, "▶"),
            el("span", {cls: "brake" + (p[9] ? " on" : ""), id: "brake", "data-on": p[9] ? 1 : 0}, "Brake"))] : [];
          this.overlay.replaceChildren(...[
            el("span", {cls: "speed", id: "speed", "data-t": p[0]}, Math.round(kmh) + " km/h"),
            el("span", {cls: "gear", id: "gear"}, GEARS[p[5]] || String(p[5])),
            PILOT[p[6]] ? el("span", {cls: "ap"}, PILOT[p[6]]) : null,
            ...controls,
            this.miniMap(track, p)].filter(Boolean));
        }
        // The wheel turns smoothly between the track's points (kept about once a second).
        const wheel = this.overlay.querySelector("#steer");
        if (wheel) {
          const i = track.indexOf(p), q = track[i + 1];
          const angle = q && q.length >= 10 && q[0] > p[0] ? p[7] + (q[7] - p[7]) * Math.min(1, Math.max(0, (t - p[0]) / (q[0] - p[0]))) : p[7];
          wheel.querySelector("g").setAttribute("transform", "rotate(" + (angle || 0).toFixed(1) + " 12 12)");
          wheel.dataset.angle = Math.round(angle || 0);
          wheel.querySelector("small").textContent = Math.round(angle || 0) + "°";
        }
      }
      // A steering wheel drawn by us, rotated by the car's angle (positive clockwise, as the car reports it).
      wheel(angle) {
        const ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
        svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("class", "wheel");
        const g = document.createElementNS(ns, "g");
        for (const [tag, a] of [["circle", {cx: 12, cy: 12, r: 10}], ["path", {d: "M2 12h20M12 12v10"}], ["circle", {cx: 12, cy: 2.5, r: 1.2, class: "top"}]]) {
          const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(a)) e.setAttribute(k, v); g.append(e);
        }
        svg.append(g);
        return el("span", {cls: "steer", id: "steer", title: "Steering wheel angle"}, svg, el("small", {}, Math.round(angle || 0) + "°"));
      }
      miniMap(track, p) {
        const pts = track.filter(q => q[1] != null && q[2] != null).map(q => [q[1], q[2]]);
        return pts.length < 2 ? null : routeMap(pts, "map", p[1] != null ? [p[1], p[2]] : null);
      }
      destroy() { cancelAnimationFrame(this.frame); clearInterval(this.liveTimer); document.removeEventListener("keydown", this.keys); for (const x of this.cells) for (const v of [x.video, x.next]) if (v) { v.pause(); v.removeAttribute("src"); v.load(); } for (const x of this.cells) x.next = null; }
    }

    async function playerView(kind, id) {
      show(el("p", {cls: "muted"}, "Loading…"));
      const detail = await api(kind === "event" ? "/api/events/" + id : kind === "live" ? "/api/live" : "/api/recent/" + id);
      const segments = detail.segments;
      if (!segments.length) {
        show(el("h1", {}, kind === "live" ? "Live" : "Player"), el("p", {cls: "muted"}, kind === "live" ? "Nothing is being recorded now." : "No video in this event."));
        if (kind === "live") { const again = setTimeout(route, 5000); leave = () => clearTimeout(again); }
        return;
      }
      const player = new Player(segments, detail.trigger);
      window.teslacamPlayer = player;
      leave = () => { player.destroy(); window.teslacamPlayer = null; };
      const head = [];
      if (kind === "event") {
        const e = detail.event;
        head.push(el("h1", {}, e.reasonText), el("p", {cls: "muted"}, [e.street, e.city].filter(Boolean).join(", ") || "Unknown place", " · ", e.timestamp ? e.timestamp.replace("T", " ") : e.name),
          el("p", {}, el("a", {cls: "btn", id: "download", href: "/api/events/" + e.id + "/zip", download: e.name + ".zip"}, "Download zip (" + bytes(e.bytes) + ")")));
      } else if (kind === "live") {
        // As the Now page: clips an idle car left open are not "live"; the heading follows the car every 5 s.
        const title = el("h1", {id: "live-head"}), note = el("p", {cls: "muted", id: "live-note"});
        const state = d => {
          title.replaceChildren(el("span", {cls: d.recording ? "dot bad" : "dot"}), (d.recording ? "Live · " : "Clips left open · ") + carTime(segments[0].start));
          note.textContent = d.recording ? "The clips the car is writing now, to the last frame written; they keep growing."
            : openClipsNote(d.carConnected, d.secondsSinceWrite);
        };
        state(detail);
        head.push(title, note);
        const poll = setInterval(async () => { try { state(await api("/api/live")); } catch (_) {} }, 5000);
        const end = leave; leave = () => { clearInterval(poll); end(); };
      } else {
        const start = segments.find(s => s.start === detail.start) || segments[0];
        head.push(el("h1", {}, "Recent · " + carTime(start.start)));
      }
      show(...head, player.root);
      if (kind === "event" && detail.trigger && segments.length) {
        const t = Math.max(0, detail.trigger - segments[0].start - 10);
        if (t < player.total) player.seek(t);
      } else if (kind === "recent") {
        const i = segments.findIndex(s => s.start === detail.start);
        if (i > 0) player.seek(player.offsets[i]);
      }
      if (kind === "live") {
        player.toggle();
        // The live edge: the newest view's end, less a moment so there is something to play.
        player.root.querySelector(".controls").append(el("button", {cls: "btn", id: "live-edge", onclick: () => player.seek(Math.max(0, player.total - 2))}, "Live edge"));
      }
    }

    function failed(err) {
      if (err instanceof LoginNeeded) login(); else show(el("p", {cls: "error"}, err.message));
    }

    async function route() {
      if (leave) { try { leave(); } catch (_) {} leave = null; }
      const parts = (location.hash || "#/now").slice(2).split("/");
      for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("on", a.dataset.tab === (parts[0] === "event" ? "events" : parts[0] === "play" ? "recent" : parts[0] === "live" ? "now" : parts[0]));
      try {
        const s = await api("/api/session");
        document.getElementById("logout").hidden = !s.authenticated;
        document.getElementById("nav").hidden = !s.authenticated;
        if (!s.authenticated) return login(s.passwordSet ? "" : "No password is set: run teslacam passwd --state DIR on the board.");
        csrf = s.csrf; tiles = s.mapTiles || null;
        switch (parts[0]) {
          case "events": return eventsView(parts[1], parts[2]);
          case "settings": return await settingsView();
          case "recent": return recentView();
          case "drives": return await drivesView();
          case "event": return await playerView("event", parts[1]);
          case "play": return await playerView("recent", parts[1]);
          case "live": return await playerView("live");
          default: return nowView();
        }
      } catch (err) { failed(err); }
    }

    document.getElementById("logout").addEventListener("click", async () => { try { await api("/api/logout", {method: "POST"}); } catch (_) {} csrf = null; route(); });
    window.addEventListener("hashchange", route);
    route();
    """#
}
