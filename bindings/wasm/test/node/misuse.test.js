// Misuse from JavaScript: freed and consumed objects, wrong argument types, truncated and
// tampered input. Each throws a GuestlinkError with a stable code, and a failed call changes
// nothing: the conversation goes on afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as pkg from '../../node.js';
import {
  HostIdentity, HostSession, InviteLink, InviteRecord, GuestSession, OpenedInvite, SafetyCode, peek,
  verifyRelayAuth, snapshotInfo, fingerprint, errorCodes, GuestlinkError,
} from '../../node.js';
import { NOW, DAY, throwsCode } from '../helpers.js';

function claimed() {
  const identity = HostIdentity.generate();
  const { session: host, link, record } = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  const pre = host.encrypt('pre-claim', NOW);
  const parsed = InviteLink.parse(link);
  const opened = parsed.open(record, NOW);
  const { session: guest, envelope } = opened.claim(NOW);
  const accepted = host.decrypt(envelope, NOW);
  guest.decrypt(accepted.confirmation);
  return { identity, host, guest, parsed, opened, record, pre, accepted };
}

test('error codes: the core codes unchanged, the binding codes in 9xx', () => {
  const codes = errorCodes();
  assert.equal(codes.LINK_MISSING_FRAGMENT, 101);
  assert.equal(codes.DECRYPT_FAILED, 401);
  assert.equal(codes.SNAPSHOT_WRONG_OBJECT, 505);
  assert.equal(codes.OBJECT_CONSUMED, 901);
  assert.equal(codes.OBJECT_FREED, 902);
  assert.equal(codes.PANICKED, 903);
  assert.equal(new Set(Object.values(codes)).size, Object.keys(codes).length);
  try {
    InviteLink.parse('https://chat.example/g');
    assert.fail('no throw');
  } catch (e) {
    assert.ok(e instanceof GuestlinkError);
    assert.ok(e instanceof Error);
    assert.equal(e.code, 101);
    assert.equal(e.name, 'LINK_MISSING_FRAGMENT');
    assert.equal(e.message, 'the link has no fragment');
  }
});

test('every object throws OBJECT_FREED after free(), and free() twice is fine', () => {
  const { identity, host, guest, parsed, record, accepted } = claimed();
  const code = guest.safetyCode();
  const rec = InviteRecord.parse(record);
  const opened = parsed.open(record, NOW);
  const cases = [
    [identity, () => identity.publicKey, () => identity.createInvite('https://x.example/', NOW + 1, NOW)],
    [host, () => host.state, () => host.encrypt('x', NOW)],
    [guest, () => guest.isConfirmed, () => guest.decrypt(accepted.confirmation)],
    [opened, () => opened.mailboxId, () => opened.claim(NOW)],
    [parsed, () => parsed.mailboxId, () => parsed.open(record, NOW)],
    [code, () => code.longForm, () => code.matchesLongForm('1')],
    [rec, () => rec.hash, () => rec.verifyClaimed(accepted.claimedRecord)],
  ];
  for (const [obj, getter, method] of cases) {
    obj.free();
    throwsCode(getter, 'OBJECT_FREED');
    throwsCode(method, 'OBJECT_FREED');
    obj.free();
  }
});

test('Symbol.dispose wipes like free()', () => {
  const identity = HostIdentity.generate();
  identity[Symbol.dispose]();
  throwsCode(() => identity.publicKey, 'OBJECT_FREED');
});

test('a claimed OpenedInvite throws OBJECT_CONSUMED; the link can open it again', () => {
  const identity = HostIdentity.generate();
  const { session: host, link, record } = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  const parsed = InviteLink.parse(link);
  const opened = parsed.open(record, NOW);
  const first = opened.claim(NOW);
  throwsCode(() => opened.claim(NOW), 'OBJECT_CONSUMED');
  throwsCode(() => opened.mailboxId, 'OBJECT_CONSUMED');
  throwsCode(() => opened.snapshot(new Uint8Array(32)), 'OBJECT_CONSUMED');
  opened.free();
  throwsCode(() => opened.claim(NOW), 'OBJECT_FREED');
  assert.equal(host.decrypt(first.envelope, NOW).kind, 'claimed');

  // A bad `now` is refused before anything is consumed.
  const again = parsed.open(record, NOW);
  throwsCode(() => again.claim('soon'), 'INVALID_ARGUMENT');
  assert.equal(again.expiresAt, NOW + DAY);
  // A claim that fails in the core still consumes (the failures are final).
  throwsCode(() => again.claim(NOW + DAY + 400), 'INVITE_EXPIRED');
  throwsCode(() => again.claim(NOW), 'OBJECT_CONSUMED');
});

test('wrong argument types are INVALID_ARGUMENT, never coerced', () => {
  const { identity, host, guest, parsed, record } = claimed();
  const notBytes = ['0102', [1, 2, 3], 42, null, undefined, {}, new Uint16Array(4), new ArrayBuffer(8)];
  for (const v of notBytes) {
    throwsCode(() => host.decrypt(v, NOW), 'INVALID_ARGUMENT');
    throwsCode(() => guest.decrypt(v), 'INVALID_ARGUMENT');
    throwsCode(() => parsed.open(v, NOW), 'INVALID_ARGUMENT');
    throwsCode(() => InviteRecord.parse(v), 'INVALID_ARGUMENT');
    throwsCode(() => peek(v), 'INVALID_ARGUMENT');
    throwsCode(() => snapshotInfo(v), 'INVALID_ARGUMENT');
    throwsCode(() => guest.snapshot(v), 'INVALID_ARGUMENT');
  }
  const notStrings = [42, null, undefined, {}, ['a'], new Uint8Array(3), Symbol('s')];
  for (const v of notStrings) {
    throwsCode(() => host.encrypt(v, NOW), 'INVALID_ARGUMENT');
    throwsCode(() => guest.encrypt(v), 'INVALID_ARGUMENT');
    throwsCode(() => InviteLink.parse(v), 'INVALID_ARGUMENT');
    throwsCode(() => InviteLink.fromFragment(v), 'INVALID_ARGUMENT');
    throwsCode(() => identity.createInvite(v, NOW + 1, NOW), 'INVALID_ARGUMENT');
  }
  // Lone surrogates would turn into U+FFFD on the way in: refused instead.
  throwsCode(() => guest.encrypt('broken \uD800 text'), 'INVALID_ARGUMENT');
  throwsCode(() => host.encrypt('\uDC00', NOW), 'INVALID_ARGUMENT');
  // A real U+FFFD is fine.
  assert.deepEqual(host.decrypt(guest.encrypt('ok \uFFFD'), NOW), { kind: 'text', text: 'ok \uFFFD' });

  for (const v of ['1800000000', -1, 1.5, NaN, Infinity, 2 ** 53, 10n, {}]) {
    throwsCode(() => host.encrypt('x', v), 'INVALID_ARGUMENT');
    throwsCode(() => identity.createInvite('https://chat.example/g', v, NOW), 'INVALID_ARGUMENT');
    throwsCode(() => GuestSession.fromSnapshot(new Uint8Array(10), new Uint8Array(32), v), 'INVALID_ARGUMENT');
  }
  // Fixed-size arguments of the wrong length.
  for (const n of [0, 31, 33]) {
    throwsCode(() => guest.snapshot(new Uint8Array(n)), 'INVALID_ARGUMENT');
    throwsCode(() => fingerprint(new Uint8Array(n)), 'INVALID_ARGUMENT');
  }
  throwsCode(() => verifyRelayAuth(host.mailboxPublicKey, host.mailboxId, new Uint8Array(16), new Uint8Array(63)),
    'INVALID_ARGUMENT');
  throwsCode(() => host.relayAuth(new Uint8Array(15)), 'INVALID_ARGUMENT');
  // Node's Buffer is a Uint8Array and is accepted.
  assert.deepEqual(host.decrypt(Buffer.from(guest.encrypt('buffer')), NOW), { kind: 'text', text: 'buffer' });
  // After all of that, the sessions still talk.
  assert.deepEqual(guest.decrypt(host.encrypt('still fine', NOW)), { kind: 'text', text: 'still fine' });
});

test('truncated, extended and tampered input is refused and changes nothing', () => {
  const { host, guest, record } = claimed();
  const message = guest.encrypt('the real one');
  for (let n = 0; n < message.length; n += 7) {
    assert.throws(() => host.decrypt(message.subarray(0, n), NOW), (e) => {
      assert.ok(e instanceof GuestlinkError);
      // Cut in the header: malformed; cut in the body: the AEAD or framing fails.
      assert.ok(['ENVELOPE_MALFORMED', 'VERSION_UNSUPPORTED', 'DECRYPT_FAILED'].includes(e.name), `${n}: ${e.name}`);
      return true;
    });
  }
  throwsCode(() => host.decrypt(message.subarray(0, 10), NOW), 'ENVELOPE_MALFORMED');
  throwsCode(() => host.decrypt(new Uint8Array([...message, 0]), NOW), 'DECRYPT_FAILED');
  const flipped = message.slice();
  flipped[flipped.length - 20] ^= 1;
  throwsCode(() => host.decrypt(flipped, NOW), 'DECRYPT_FAILED');
  throwsCode(() => host.decrypt(new Uint8Array(0), NOW), 'ENVELOPE_MALFORMED');
  throwsCode(() => host.decrypt(new Uint8Array(70_000), NOW), 'ENVELOPE_TOO_LARGE');
  throwsCode(() => InviteRecord.parse(record.subarray(0, record.length - 1)), 'ENVELOPE_MALFORMED');
  throwsCode(() => peek(new Uint8Array([1])), 'ENVELOPE_MALFORMED');
  throwsCode(() => snapshotInfo(guest.snapshot(new Uint8Array(32)).subarray(0, 5)), 'SNAPSHOT_MALFORMED');
  throwsCode(() => InviteLink.fromFragment('AQ'), 'LINK_MALFORMED');
  // Nothing was burnt: the untouched message still decrypts, once.
  assert.deepEqual(host.decrypt(message, NOW), { kind: 'text', text: 'the real one' });
  throwsCode(() => host.decrypt(message, NOW), 'DUPLICATE');
});

test('decrypted text is exact: never lossy', () => {
  const { host, guest } = claimed();
  const samples = ['\u0000', 'e\u0301', '\u{1F469}\u200D\u{1F4BB}', '\uFEFFbom', 'ｆｕｌｌ', '\r\n\t', 'x'.repeat(65_000)];
  for (const t of samples) {
    const got = host.decrypt(guest.encrypt(t), NOW);
    assert.equal(got.text, t);
    assert.equal(got.text.length, t.length);
  }
  throwsCode(() => guest.encrypt('x'.repeat(65_537)), 'PLAINTEXT_TOO_LARGE');
});

test('no export hands out private keys: the classes have no such accessor', () => {
  const forbidden = /secret|private|seed|signingKey|toLink|fragment$/i;
  const classes = [HostIdentity, HostSession, InviteLink, OpenedInvite, GuestSession, SafetyCode, InviteRecord];
  // The list is every class the package exports (each has a `free` method).
  const exported = Object.values(pkg).filter((v) => typeof v === 'function' && typeof v.prototype?.free === 'function');
  assert.deepEqual(new Set(exported.map((c) => c.name)), new Set(classes.map((c) => c.name)));
  for (const cls of classes) {
    for (const name of Object.getOwnPropertyNames(cls.prototype)) {
      assert.ok(!forbidden.test(name), `${cls.name}.${name}`);
    }
  }
});
