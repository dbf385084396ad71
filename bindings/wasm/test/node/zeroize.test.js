// Secrets must not outlive the objects that hold them: after free(), no copy is left anywhere in
// WebAssembly memory (which any script holding the module's exports can read). The invite secret
// is the one key a test can know (it is in the host's link); texts are marked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { initSync, HostIdentity, InviteLink, OpenedInvite } from '../../node.js';
import { NOW, DAY, throwsCode } from '../helpers.js';

// Already initialised by node.js: initSync returns the same instance's exports.
const wasm = initSync({ module: readFileSync(new URL('../../pkg/guestlink_wasm_bg.wasm', import.meta.url)) });

function copies(needle) {
  const memory = Buffer.from(wasm.memory.buffer);
  let n = 0;
  for (let i = memory.indexOf(needle); i !== -1; i = memory.indexOf(needle, i + 1)) n += 1;
  return n;
}

test('free() leaves no copy of the invite secret in WebAssembly memory', () => {
  const identity = HostIdentity.generate();
  const { session: host, link, record } = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  const fragment = link.slice(link.indexOf('#') + 1);
  const secret = Buffer.from(fragment, 'base64url').subarray(1, 33);
  assert.equal(secret.length, 32);
  // The host never keeps the secret (it is only in the link it hands out).
  assert.equal(copies(secret), 0);

  const pre = host.encrypt('hello', NOW);
  const parsed = InviteLink.parse(link);
  assert.ok(copies(secret) > 0, 'the live link holds the secret: the search works');
  const fromFragment = InviteLink.fromFragment(fragment);
  const opened = parsed.open(record, NOW);
  opened.decrypt(pre);
  const key = new Uint8Array(32).fill(9);
  const restored = OpenedInvite.fromSnapshot(opened.snapshot(key), key, 0);
  const { session: guest, envelope } = restored.claim(NOW);
  guest.decrypt(host.decrypt(envelope, NOW).confirmation);
  host.decrypt(guest.encrypt('reply'), NOW);

  for (const obj of [parsed, fromFragment, opened, restored, guest, host, identity]) obj.free();
  assert.equal(copies(secret), 0);
  assert.equal(copies(Buffer.from(fragment)), 0);
});

// A text that can only come from this test: a random tag repeated, so that a block whose first
// bytes the allocator reused for its free-list links still holds whole tags. `nonAscii` puts a
// character in the middle that UTF-8 encodes in two bytes.
function marked(name, { nonAscii = false, repeat = 24 } = {}) {
  const tag = `${name}-${randomBytes(6).toString('hex')}`;
  const half = `${tag} `.repeat(repeat / 2);
  return { tag, text: half + (nonAscii ? '\u00e9 ' : '') + half };
}

/** The tags found in WebAssembly memory, each with its number of copies. */
function leftOver(tags) {
  return tags.map((tag) => [tag, copies(Buffer.from(tag))]).filter(([, n]) => n > 0);
}

test('free() leaves no copy of a decrypted text in WebAssembly memory', () => {
  const identity = HostIdentity.generate();
  const { session: host, link, record } = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  const texts = [];
  const send = (name, options) => {
    const m = marked(name, options);
    texts.push(m);
    return m.text;
  };

  // Pre-claim host messages, read by the opened invite.
  const parsed = InviteLink.parse(link);
  const opened = parsed.open(record, NOW);
  for (const nonAscii of [false, true]) {
    const text = send('PRECLAIM', { nonAscii });
    assert.deepEqual(opened.decrypt(host.encrypt(text, NOW)), { kind: 'text', text });
  }

  // A claim that carries a text.
  const { session: guest } = opened.claim(NOW);
  const claimText = send('CLAIM', { nonAscii: true });
  const accepted = host.decrypt(guest.encrypt(claimText), NOW);
  assert.equal(accepted.kind, 'claimed');
  assert.equal(accepted.text, claimText);
  assert.deepEqual(guest.decrypt(accepted.confirmation), { kind: 'confirmed' });

  // Both directions, short and long, ASCII and not.
  for (const [nonAscii, repeat] of [[false, 24], [true, 24], [false, 400], [true, 400]]) {
    const toGuest = send('TOGUEST', { nonAscii, repeat });
    assert.deepEqual(guest.decrypt(host.encrypt(toGuest, NOW)), { kind: 'text', text: toGuest });
    const toHost = send('TOHOST', { nonAscii, repeat });
    assert.deepEqual(host.decrypt(guest.encrypt(toHost), NOW), { kind: 'text', text: toHost });
  }

  // A tampered envelope fails to decrypt; the real one then decrypts, and a replay is refused.
  const late = send('LATE', { nonAscii: true });
  const envelope = guest.encrypt(late);
  const tampered = envelope.slice();
  tampered[tampered.length - 1] ^= 1;
  throwsCode(() => host.decrypt(tampered, NOW), 'DECRYPT_FAILED');
  assert.deepEqual(host.decrypt(envelope, NOW), { kind: 'text', text: late });
  throwsCode(() => host.decrypt(envelope, NOW), 'DUPLICATE');

  for (const obj of [accepted.safetyCode, parsed, opened, guest, host, identity]) obj.free();
  assert.deepEqual(leftOver(texts.map((m) => m.tag)), [], 'tags still in memory, with their counts');
});

test('free() leaves no copy of a text that encrypt() refused', () => {
  const identity = HostIdentity.generate();
  const { session: host, link, record } = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  const parsed = InviteLink.parse(link);
  const opened = parsed.open(record, NOW);
  const { session: guest, envelope } = opened.claim(NOW);
  const accepted = host.decrypt(envelope, NOW);
  guest.decrypt(accepted.confirmation);

  // Texts are copied into WebAssembly memory before the core refuses them; those copies must be
  // wiped like any other. Many lengths, most not ASCII (wasm-bindgen's own string passing grows
  // its buffer at the first such character and frees the first one unwiped).
  const big = marked('TOOBIG', { nonAscii: true, repeat: 8000 });
  throwsCode(() => host.encrypt(big.text, NOW), 'PLAINTEXT_TOO_LARGE');
  const tags = [big.tag];
  const { endMessage } = host.revoke(NOW);
  assert.deepEqual(guest.decrypt(endMessage), { kind: 'ended' });
  for (let k = 0; k < 32; k += 1) {
    const m = marked('REFUSED', { nonAscii: k % 4 !== 0, repeat: 2 + 6 * k });
    tags.push(m.tag);
    throwsCode(() => (k % 2 ? host.encrypt(m.text, NOW) : guest.encrypt(m.text)), k % 2 ? 'INVITE_REVOKED' : 'SESSION_ENDED');
  }

  for (const obj of [accepted.safetyCode, parsed, opened, guest, host, identity]) obj.free();
  assert.deepEqual(leftOver(tags), [], 'tags still in memory, with their counts');
});

// HostSession::check_competing in the core decrypts a competing claim (to tell it from junk); the
// core wipes that text, which never reaches this layer.
test('free() leaves no copy of a competing claim\'s text', () => {
  const identity = HostIdentity.generate();
  const { session: host, link, record } = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  const objects = [identity, host];
  const claims = [];
  for (const name of ['WINNER', 'COMPETING']) {
    const parsed = InviteLink.parse(link);
    const opened = parsed.open(record, NOW);
    const { session: guest } = opened.claim(NOW);
    const m = marked(name, { nonAscii: true });
    claims.push({ ...m, envelope: guest.encrypt(m.text) });
    objects.push(parsed, opened, guest);
  }
  const accepted = host.decrypt(claims[0].envelope, NOW);
  assert.equal(accepted.text, claims[0].text);
  throwsCode(() => host.decrypt(claims[1].envelope, NOW), 'COMPETING_CLAIM');

  for (const obj of [accepted.safetyCode, ...objects]) obj.free();
  assert.deepEqual(leftOver(claims.map((c) => c.tag)), [], 'tags still in memory, with their counts');
});
