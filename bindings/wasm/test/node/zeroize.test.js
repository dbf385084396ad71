// The invite secret must not outlive the objects that hold it: after free(), no copy of it is
// left anywhere in WebAssembly memory (which any script holding the module's exports can read).
// The secret is the one key a test can know: it is in the host's link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { initSync, HostIdentity, InviteLink, OpenedInvite } from '../../node.js';
import { NOW, DAY } from '../helpers.js';

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
