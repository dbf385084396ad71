// A whole host <-> guest conversation through the package's public API, as an application
// would drive it, with the relay played by plain arrays of envelopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HostIdentity, HostSession, InviteLink, InviteRecord, GuestSession, OpenedInvite, peek,
  verifyRelayAuth, snapshotInfo, fingerprint,
} from '../../node.js';
import { NOW, DAY, hex, throwsCode } from '../helpers.js';

function setup() {
  const identity = HostIdentity.generate();
  const invite = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  return { identity, ...invite };
}

test('pre-claim messages, claim, confirmation, both directions, revocation', () => {
  const { identity, session: host, link, record } = setup();
  assert.match(link, /^https:\/\/chat\.example\/g#[A-Za-z0-9_-]{87}$/);
  assert.equal(host.state, 'unclaimed');
  assert.equal(host.expiresAt, NOW + DAY);

  const pre1 = host.encrypt('Hello! Your order is ready.', NOW);
  const pre2 = host.encrypt('Reply here when you can.', NOW + 1);
  assert.equal(peek(pre1).kind, 'preClaim');
  assert.equal(hex(peek(pre1).mailboxId), hex(host.mailboxId));

  // What a relay checks without any key.
  const rec = InviteRecord.parse(record);
  assert.equal(hex(rec.hostIdentity), hex(identity.publicKey));
  assert.equal(hex(rec.hash), hex(host.recordHash));
  assert.equal(hex(rec.hostMailboxKey), hex(host.mailboxPublicKey));
  rec.verifyPreClaim(pre1);

  const parsed = InviteLink.parse(link);
  assert.equal(hex(parsed.mailboxId), hex(host.mailboxId));
  assert.equal(parsed.hostFingerprint, identity.fingerprint);
  assert.equal(fingerprint(identity.publicKey), identity.fingerprint);
  assert.equal(hex(rec.linkMailboxKey), hex(parsed.mailboxPublicKey));
  const challenge = new Uint8Array(32).fill(7);
  verifyRelayAuth(parsed.mailboxPublicKey, parsed.mailboxId, challenge, parsed.relayAuth(challenge));
  verifyRelayAuth(host.mailboxPublicKey, host.mailboxId, challenge, host.relayAuth(challenge));

  const opened = parsed.open(record, NOW + 10);
  assert.equal(opened.expiresAt, NOW + DAY);
  // Out of order, then a replay.
  assert.deepEqual(opened.decrypt(pre2), { kind: 'text', text: 'Reply here when you can.' });
  assert.deepEqual(opened.decrypt(pre1), { kind: 'text', text: 'Hello! Your order is ready.' });
  throwsCode(() => opened.decrypt(pre1), 'DUPLICATE');

  const { session: guest, envelope: claim } = opened.claim(NOW + 20);
  assert.equal(guest.isConfirmed, false);
  assert.equal(peek(claim).kind, 'claim');
  const early = guest.encrypt('are you there?');
  assert.equal(peek(early).kind, 'claim');

  const accepted = host.decrypt(claim, NOW + 30);
  assert.equal(accepted.kind, 'claimed');
  assert.equal(accepted.text, undefined);
  assert.equal(host.state, 'claimed');
  const hostCode = accepted.safetyCode;
  const guestCode = guest.safetyCode();
  assert.equal(hostCode.longForm, guestCode.longForm);
  assert.match(hostCode.longForm, /^\d{5}( \d{5}){7}$/);
  assert.equal(hostCode.shortForm, guestCode.shortForm);
  assert.equal(hex(hostCode.qrPayload), hex(guestCode.qrPayload));
  assert.equal(hostCode.longForm, host.safetyCode().longForm);
  assert.ok(guestCode.matchesLongForm(hostCode.longForm.replaceAll(' ', '')));
  assert.ok(!guestCode.matchesLongForm('00000 00000 00000 00000 00000 00000 00000 00000'));

  const claimed = rec.verifyClaimed(accepted.claimedRecord);
  assert.equal(hex(claimed.claimKey), hex(guest.claimKey));
  assert.equal(hex(claimed.guestMailboxKey), hex(guest.mailboxPublicKey));
  assert.equal(claimed.claimedAt, NOW + 30);
  guest.checkClaimedRecord(accepted.claimedRecord);

  assert.deepEqual(host.decrypt(early, NOW + 31), { kind: 'text', text: 'are you there?' });
  assert.deepEqual(guest.decrypt(accepted.confirmation), { kind: 'confirmed' });
  assert.equal(guest.isConfirmed, true);

  const texts = ['plain', '👍 ünïcödé', 'a'.repeat(5000), '', '\u{10FFFF}\u0000end'];
  for (const [i, t] of texts.entries()) {
    const m = guest.encrypt(t);
    assert.equal(peek(m).kind, 'message');
    assert.deepEqual(host.decrypt(m, NOW + 40 + i), { kind: 'text', text: t });
    const h = host.encrypt(`re: ${t}`, NOW + 40 + i);
    assert.deepEqual(guest.decrypt(h), { kind: 'text', text: `re: ${t}` });
  }

  // Several in a row, delivered out of order: skipped keys are kept and then used.
  const burst = [0, 1, 2, 3].map((i) => host.encrypt(`burst ${i}`, NOW + 50));
  for (const i of [3, 0, 2, 1]) {
    assert.deepEqual(guest.decrypt(burst[i]), { kind: 'text', text: `burst ${i}` });
  }
  assert.equal(guest.skippedKeyCount, 0);

  const revocation = host.revoke(NOW + 60);
  assert.equal(host.state, 'revoked');
  assert.equal(rec.verifyRevocation(revocation.record), NOW + 60);
  assert.deepEqual(guest.decrypt(revocation.endMessage), { kind: 'ended' });
  assert.equal(guest.isEnded, true);
  throwsCode(() => guest.encrypt('still there?'), 'SESSION_ENDED');
  throwsCode(() => host.encrypt('x', NOW + 61), 'INVITE_REVOKED');
});

test('snapshots restore every object and refuse a rollback', () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const { identity, session: host, link, record } = setup();

  const idSnap = identity.snapshot(key);
  assert.equal(identity.snapshotCounter, 1);
  assert.deepEqual(snapshotInfo(idSnap).kind, 'hostIdentity');
  const identity2 = HostIdentity.fromSnapshot(idSnap, key, 1);
  assert.equal(hex(identity2.publicKey), hex(identity.publicKey));

  const pre = host.encrypt('before', NOW);
  const opened = InviteLink.parse(link).open(record, NOW);
  const openedSnap = opened.snapshot(key);
  const opened2 = OpenedInvite.fromSnapshot(openedSnap, key, 0);
  assert.deepEqual(opened2.decrypt(pre), { kind: 'text', text: 'before' });

  const { session: guest, envelope: claim } = opened2.claim(NOW);
  const acc = host.decrypt(claim, NOW);
  guest.decrypt(acc.confirmation);

  const old = guest.snapshot(key);
  host.decrypt(guest.encrypt('one'), NOW);
  guest.decrypt(host.encrypt('two', NOW));
  const fresh = guest.snapshot(key);
  const info = snapshotInfo(fresh);
  assert.equal(info.kind, 'guestSession');
  // The counter carries over from the opened invite the session was claimed from.
  assert.equal(info.counter, snapshotInfo(old).counter + 1);
  assert.equal(info.counter, guest.snapshotCounter);
  assert.equal(hex(info.objectId), hex(guest.mailboxId));
  throwsCode(() => GuestSession.fromSnapshot(old, key, info.counter), 'SNAPSHOT_ROLLED_BACK');
  throwsCode(() => GuestSession.fromSnapshot(fresh, new Uint8Array(32), 0), 'SNAPSHOT_DECRYPT_FAILED');
  throwsCode(() => HostSession.fromSnapshot(fresh, key, 0), 'SNAPSHOT_WRONG_OBJECT');

  const guest2 = GuestSession.fromSnapshot(fresh, key, info.counter);
  assert.equal(guest2.snapshotCounter, info.counter);
  assert.equal(guest2.isConfirmed, true);
  const hostSnap = host.snapshot(key);
  const host2 = HostSession.fromSnapshot(hostSnap, key, 1);
  assert.deepEqual(guest2.decrypt(host2.encrypt('three', NOW)), { kind: 'text', text: 'three' });
  assert.deepEqual(host2.decrypt(guest2.encrypt('four'), NOW), { kind: 'text', text: 'four' });
});

test('a second opener of the same link is refused after the claim', () => {
  const { session: host, link, record } = setup();
  const first = InviteLink.parse(link).open(record, NOW).claim(NOW);
  const acc = host.decrypt(first.envelope, NOW);
  // Someone else who holds the link: a verified competing claim, and no way to read on.
  const eve = InviteLink.parse(link).open(record, NOW);
  throwsCode(() => eve.checkClaimedRecord(acc.claimedRecord), 'CLAIMED_BY_OTHER');
  const evesClaim = eve.claim(NOW);
  throwsCode(() => host.decrypt(evesClaim.envelope, NOW), 'COMPETING_CLAIM');
  throwsCode(() => evesClaim.session.checkClaimedRecord(acc.claimedRecord), 'CLAIMED_BY_OTHER');
  first.session.decrypt(acc.confirmation);
  const secret = host.encrypt('for the first guest only', NOW);
  throwsCode(() => evesClaim.session.decrypt(secret), 'DECRYPT_FAILED');
  assert.deepEqual(first.session.decrypt(secret), { kind: 'text', text: 'for the first guest only' });
});

test('now defaults to the clock', () => {
  const identity = HostIdentity.generate();
  const nowSecs = Math.floor(Date.now() / 1000);
  const { session, record, link } = identity.createInvite('https://chat.example/g', nowSecs + 600);
  assert.ok(Math.abs(InviteRecord.parse(record).createdAt - nowSecs) <= 2);
  const opened = InviteLink.parse(link).open(record);
  assert.deepEqual(opened.decrypt(session.encrypt('hi')), { kind: 'text', text: 'hi' });
  // An invite that expired in the past is refused against the default clock.
  throwsCode(() => identity.createInvite('https://chat.example/g', 1000), 'INVALID_ARGUMENT');
});
