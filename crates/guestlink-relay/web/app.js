// The guestlink guest page. No third-party code: the WASM package served by this relay,
// WebCrypto and IndexedDB. It reads the link's fragment, strips it from the address bar at once,
// shows who invited the guest, and claims nothing until the guest clicks "Open chat".
//
// State kept in IndexedDB (database "guestlink"):
//   keys/wrap       a non-extractable AES-GCM key (WebCrypto): it never leaves the browser's
//                   key store and JavaScript cannot read its bytes
//   keys/snapshot   the 32-byte snapshot key of the library, encrypted under keys/wrap
//   sessions/<id>   per mailbox: the library's snapshot (encrypted under the snapshot key) and
//                   the page's own state (link fragment, transcript, outbox) under keys/wrap
// What this protects: the stored chat against someone who copies the profile's files without
// the browser's key store. It does not protect against script running in this origin.

const WASM_MODULE = '/wasm/web.js';
const enc = new TextEncoder();
const dec = new TextDecoder();
const $ = (id) => document.getElementById(id);

const b64 = (bytes) => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
};
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const nowSecs = () => Math.floor(Date.now() / 1000);
// The library throws GuestlinkError with a stable numeric `code` and its SCREAMING_SNAKE name.
const errName = (e) => {
  if (e && typeof e.code === 'number') {
    for (const key of ['errorName', 'codeName', 'name']) {
      if (typeof e[key] === 'string' && /^[A-Z0-9_]+$/.test(e[key])) return e[key];
    }
    if (gl && typeof gl.errorCodes === 'function') {
      const codes = gl.errorCodes();
      for (const [name, code] of Object.entries(codes)) if (code === e.code) return name;
    }
    return `ERROR_${e.code}`;
  }
  return String((e && e.message) || e);
};

// ---------- storage ----------

function idbOpen() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('guestlink', 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('keys');
      req.result.createObjectStore('sessions');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function idb(db, stores, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(stores, mode);
    const out = fn(t);
    t.oncomplete = () => resolve(out && 'result' in out ? out.result : undefined);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

class Vault {
  static async open() {
    const db = await idbOpen();
    let wrap = await idb(db, 'keys', 'readonly', (t) => t.objectStore('keys').get('wrap'));
    if (!wrap) {
      wrap = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      await idb(db, 'keys', 'readwrite', (t) => t.objectStore('keys').put(wrap, 'wrap'));
    }
    const vault = new Vault(db, wrap);
    const boxed = await idb(db, 'keys', 'readonly', (t) => t.objectStore('keys').get('snapshot'));
    if (boxed) {
      vault.snapshotKey = await vault.unseal(boxed, 'snapshot-key');
    } else {
      vault.snapshotKey = crypto.getRandomValues(new Uint8Array(32));
      const box = await vault.seal(vault.snapshotKey, 'snapshot-key');
      await idb(db, 'keys', 'readwrite', (t) => t.objectStore('keys').put(box, 'snapshot'));
    }
    return vault;
  }

  constructor(db, wrap) {
    this.db = db;
    this.wrap = wrap;
  }

  async seal(bytes, label) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const additionalData = enc.encode(`guestlink page v1 ${label}`);
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, this.wrap, bytes);
    return { iv, ct: new Uint8Array(ct) };
  }

  async unseal(box, label) {
    const additionalData = enc.encode(`guestlink page v1 ${label}`);
    const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: box.iv, additionalData }, this.wrap, box.ct);
    return new Uint8Array(pt);
  }

  async save(id, kind, snapshot, counter, state) {
    const box = await this.seal(enc.encode(JSON.stringify(state)), `state ${id}`);
    await idb(this.db, ['sessions', 'keys'], 'readwrite', (t) => {
      t.objectStore('sessions').put({ kind, snapshot, counter, box }, id);
      t.objectStore('keys').put(id, 'last');
    });
  }

  async load(id) {
    const row = await idb(this.db, 'sessions', 'readonly', (t) => t.objectStore('sessions').get(id));
    if (!row) return null;
    const state = JSON.parse(dec.decode(await this.unseal(row.box, `state ${id}`)));
    return { kind: row.kind, snapshot: row.snapshot, counter: row.counter, state };
  }

  last() {
    return idb(this.db, 'keys', 'readonly', (t) => t.objectStore('keys').get('last'));
  }
}

// ---------- the chat ----------

let gl = null; // the WASM module
let vault = null;
const app = {
  id: null, // mailbox id, hex
  link: null, // InviteLink (for the link mailbox proof until our claim is recorded)
  opened: null, // OpenedInvite, before the claim
  session: null, // GuestSession, after it
  state: null, // { fragment, messages, lastSeq, outbox, claimSeen, confirmed, final }
  ws: null,
  role: null,
  nextId: 1,
  inflight: new Map(), // post id -> base64 envelope
  retry: 250,
  safetyCode: null, // long form, computed once
};

// Frames are handled one at a time: each may await IndexedDB.
let chain = Promise.resolve();
const serial = (fn) => {
  chain = chain.then(fn).catch((e) => console.error(e));
  return chain;
};

const NOTICES = {
  used: ['This link was already used', 'Someone opened this chat before you. A link works for one person only: ask the host for a new one.'],
  expired: ['This link has expired', 'Ask the host for a new link.'],
  revoked: ['This invite was revoked', 'The host withdrew this invitation.'],
  ended: ['The host ended this chat', 'You can still read what was said.'],
  invalid: ['This link is damaged', 'The link is incomplete or was altered. Nothing was claimed. Ask the host to send it again.'],
  unknown: ['This link is not known here', 'The relay has no invitation for this link: it may have been mistyped, or expired long ago. Nothing was claimed.'],
  forged: ['The relay answer does not verify', 'The server sent something the host did not sign. Nothing was claimed.'],
  nosession: ['No chat here', 'Open the invite link you were sent.'],
  error: ['Something went wrong', ''],
};

function setState(name) {
  $('app').dataset.state = name;
}

function render() {
  const st = app.state;
  const list = $('messages');
  list.replaceChildren();
  for (const m of st ? st.messages : []) {
    const li = document.createElement('li');
    li.className = `msg ${m.who}`;
    if (m.who !== 'system') {
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = m.who === 'host' ? 'Host' : 'You';
      li.append(who);
    }
    li.append(document.createTextNode(m.text));
    list.append(li);
  }
  list.scrollTop = list.scrollHeight;
  const final = st && st.final;
  $('invite').hidden = !(app.opened && !final);
  $('chat').hidden = !app.session;
  $('composer').hidden = !(app.session && !final);
  if (app.session) {
    const status = $('status');
    if (final === 'ended' || final === 'revoked') {
      status.textContent = 'This chat is over.';
      status.className = 'status ended';
    } else if (st.confirmed) {
      status.textContent = 'Confirmed: end-to-end encrypted with the host.';
      status.className = 'status confirmed';
    } else {
      status.textContent = 'Unconfirmed: waiting for the host to accept…';
      status.className = 'status unconfirmed';
    }
    $('safety').hidden = false;
    if (!app.safetyCode) {
      const code = app.session.safetyCode();
      app.safetyCode = code.longForm;
      code.free();
    }
    $('safety-code').textContent = app.safetyCode;
  }
  if (final) {
    const [title, text] = NOTICES[final] || NOTICES.error;
    $('notice-title').textContent = title;
    $('notice-text').textContent = st.finalDetail ? `${text} (${st.finalDetail})` : text;
    $('notice').hidden = false;
    setState(final);
  } else if (app.session) {
    setState(st.confirmed ? 'confirmed' : 'unconfirmed');
  } else if (app.opened) {
    setState('invite');
  }
}

function stop(kind, detail) {
  if (!app.state) app.state = { messages: [] };
  app.state.final = kind;
  if (detail) app.state.finalDetail = detail;
  if (app.ws) {
    const ws = app.ws;
    app.ws = null;
    ws.close();
  }
  $('connection').textContent = '';
  render();
}

function say(who, text) {
  app.state.messages.push({ who, text });
}

async function save() {
  const obj = app.session || app.opened;
  if (!obj || !app.id) return;
  const snapshot = obj.snapshot(vault.snapshotKey);
  await vault.save(app.id, app.session ? 'guest' : 'opened', snapshot, obj.snapshotCounter, app.state);
}

function wantRole() {
  return app.session && app.state.claimSeen ? 'guest' : 'link';
}

function connect() {
  if (app.state.final) return;
  const role = wantRole();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/v1/mailbox/${app.id}/ws`);
  app.ws = ws;
  app.role = null;
  app.inflight.clear();
  ws.onmessage = (ev) => serial(() => onFrame(ws, role, JSON.parse(ev.data)));
  ws.onclose = () =>
    serial(() => {
      if (app.ws !== ws) return;
      app.ws = null;
      if (app.state.final) return;
      $('connection').textContent = 'connection lost, reconnecting…';
      setTimeout(connect, app.retry);
      app.retry = Math.min(app.retry * 2, 3000);
    });
}

function sendOutbox() {
  if (!app.ws || !app.role || app.ws.readyState !== WebSocket.OPEN) return;
  const inFlight = new Set(app.inflight.values());
  for (const data of app.state.outbox) {
    if (inFlight.has(data)) continue;
    const id = app.nextId++;
    app.inflight.set(id, data);
    app.ws.send(JSON.stringify({ type: 'post', id, data }));
  }
}

function dropFromOutbox(id) {
  const data = app.inflight.get(id);
  app.inflight.delete(id);
  const i = app.state.outbox.indexOf(data);
  if (i >= 0) app.state.outbox.splice(i, 1);
}

// Opens the invite from the relay's record (first visit only).
function openInvite(record) {
  try {
    app.opened = app.link.open(unb64(record), nowSecs());
    return true;
  } catch (e) {
    const name = errName(e);
    if (name === 'INVITE_EXPIRED') stop('expired');
    else if (name === 'RECORD_MISMATCH' || name === 'BAD_SIGNATURE') stop('forged', name);
    else stop('error', name);
    return false;
  }
}

// A claimed record, pushed or attached to a refusal: ours, or someone else's.
async function onClaimed(record) {
  const bytes = unb64(record);
  try {
    if (app.session) {
      app.session.checkClaimedRecord(bytes);
      if (!app.state.claimSeen) {
        app.state.claimSeen = true;
        await save();
      }
      return; // ours: the link connection closes and we come back with our own mailbox key
    }
    if (app.opened) app.opened.checkClaimedRecord(bytes); // always throws
    stop('used');
  } catch (e) {
    const name = errName(e);
    stop(name === 'CLAIMED_BY_OTHER' ? 'used' : 'forged', name === 'CLAIMED_BY_OTHER' ? '' : name);
    await save();
  }
}

async function onRevoked(record) {
  const obj = app.session || app.opened;
  try {
    obj.applyRevocation(unb64(record));
  } catch (e) {
    say('system', `a revocation that does not verify was ignored (${errName(e)})`);
    return;
  }
  stop(app.state.final === 'ended' ? 'ended' : 'revoked');
  await save();
}

async function onEnvelope(ws, seq, data) {
  const obj = app.session || app.opened;
  try {
    const got = obj.decrypt(unb64(data));
    if (got.kind === 'text') say('host', got.text);
    else if (got.kind === 'confirmed') app.state.confirmed = true;
    else if (got.kind === 'ended') {
      app.state.confirmed = true;
      app.state.final = 'ended';
    }
  } catch (e) {
    const name = errName(e);
    if (name !== 'DUPLICATE') say('system', `a message that does not verify was dropped (${name})`);
  }
  if (app.session && app.session.isConfirmed) app.state.confirmed = true;
  app.state.lastSeq = Math.max(app.state.lastSeq, seq);
  await save();
  // Acknowledge (the relay deletes) only after the new state is stored.
  if (app.role === 'guest' && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ack', upto: seq }));
  if (app.state.final) stop(app.state.final);
}

async function onFrame(ws, role, m) {
  if (app.ws !== ws) return;
  switch (m.type) {
    case 'challenge': {
      const prover = role === 'guest' ? app.session : app.opened || app.link;
      const signature = prover.relayAuth(unb64(m.challenge));
      ws.send(JSON.stringify({ type: 'auth', signature: b64(signature), after: app.state.lastSeq }));
      break;
    }
    case 'ready': {
      app.role = m.role;
      app.retry = 250;
      $('connection').textContent = 'connected to the relay';
      if (!app.opened && !app.session) {
        if (!openInvite(m.record)) return;
        await save();
      }
      if (m.revocation) await onRevoked(m.revocation);
      sendOutbox();
      break;
    }
    case 'envelope':
      await onEnvelope(ws, m.seq, m.data);
      break;
    case 'claimed':
      await onClaimed(m.record);
      break;
    case 'revoked':
      await onRevoked(m.record);
      break;
    case 'posted':
      dropFromOutbox(m.id);
      await save();
      break;
    case 'error':
      if (m.id !== undefined && m.id !== null) {
        dropFromOutbox(m.id);
        say('system', `the relay refused a message (${m.name})`);
        await save();
        break;
      }
      if (m.name === 'CLAIMED' && m.claimed) {
        if (!app.opened && !app.session && !openInvite(m.record)) return;
        await onClaimed(m.claimed);
      } else if (m.name === 'UNKNOWN_MAILBOX') stop('unknown');
      else if (m.name === 'INVITE_EXPIRED') stop('expired');
      else if (m.name === 'INVITE_REVOKED') stop('revoked');
      else stop('error', m.name);
      break;
    default:
      break;
  }
  render();
}

async function openChat() {
  $('open-chat').disabled = true;
  let claim;
  try {
    claim = app.opened.claim(nowSecs());
  } catch (e) {
    const name = errName(e);
    stop(name === 'INVITE_EXPIRED' ? 'expired' : name === 'INVITE_REVOKED' ? 'revoked' : 'error', name);
    return;
  }
  app.opened = null;
  app.session = claim.session;
  app.state.outbox.push(b64(claim.envelope));
  await save(); // the claim is stored before it is sent
  render();
  sendOutbox();
  $('reply').focus();
}

async function sendReply(ev) {
  ev.preventDefault();
  const input = $('reply');
  const text = input.value;
  if (!text.trim() || !app.session || app.state.final) return;
  let envelope;
  try {
    envelope = app.session.encrypt(text);
  } catch (e) {
    say('system', `not sent (${errName(e)})`);
    render();
    return;
  }
  input.value = '';
  say('me', text);
  app.state.outbox.push(b64(envelope));
  await save();
  render();
  sendOutbox();
}

async function loadWasm() {
  const mod = await import(WASM_MODULE);
  // The package initialises itself; a bare wasm-bindgen "web" build needs its default init.
  if (typeof mod.default === 'function' && typeof mod.InviteLink === 'undefined') await mod.default();
  else if (typeof mod.init === 'function') await mod.init();
  return mod;
}

async function main() {
  // Read the fragment, then strip it, so it is not left in the address bar or history.
  const fragment = location.hash.replace(/^#/, '');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  try {
    gl = await loadWasm();
  } catch (e) {
    stop('error', `cannot load the cryptography: ${errName(e)}`);
    return;
  }
  try {
    vault = await Vault.open();
  } catch (e) {
    stop('error', 'this page needs IndexedDB and WebCrypto');
    return;
  }
  let saved = null;
  if (fragment) {
    try {
      app.link = gl.InviteLink.fromFragment(fragment);
    } catch (e) {
      stop('invalid', errName(e));
      return;
    }
    app.id = hex(app.link.mailboxId);
    saved = await vault.load(app.id);
    app.state = saved ? saved.state : { fragment, messages: [], lastSeq: 0, outbox: [], claimSeen: false, confirmed: false };
  } else {
    const last = await vault.last();
    saved = last ? await vault.load(last) : null;
    if (!saved) {
      stop('nosession');
      return;
    }
    app.id = last;
    app.state = saved.state;
    app.link = gl.InviteLink.fromFragment(app.state.fragment);
  }
  if (saved) {
    const { kind, snapshot, counter } = saved;
    // The stored counter is the floor: an older snapshot is refused as a rollback.
    if (kind === 'guest') app.session = gl.GuestSession.fromSnapshot(snapshot, vault.snapshotKey, counter);
    else app.opened = gl.OpenedInvite.fromSnapshot(snapshot, vault.snapshotKey, counter);
  }
  $('fingerprint').textContent = app.link.hostFingerprint;
  $('chat-fingerprint').textContent = app.link.hostFingerprint;
  render();
  if (app.state.final) return;
  connect();
}

$('open-chat').addEventListener('click', () => serial(openChat));
$('composer').addEventListener('submit', (ev) => serial(() => sendReply(ev)));
main().catch((e) => stop('error', errName(e)));
