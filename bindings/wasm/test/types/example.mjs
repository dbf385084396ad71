// The README's complete example: a host and a guest chat through a relay (here a Map).
// Run by test/node/example.test.js and type-checked against guestlink.d.ts by tsc (checkJs).
import { init, HostIdentity, InviteLink, GuestSession, GuestlinkError } from 'guestlink';

await init(); // browsers: loads the .wasm; Node: already loaded

/** @type {Map<string, Uint8Array[]>} the relay: envelopes by mailbox (hex) */
const relay = new Map();
const hex = (/** @type {Uint8Array} */ b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const post = (/** @type {Uint8Array} */ mailbox, /** @type {Uint8Array} */ envelope) =>
  relay.set(hex(mailbox), [...(relay.get(hex(mailbox)) ?? []), envelope]);

// Host: an identity (persist it with identity.snapshot(key)), then an invite valid for a day.
const identity = HostIdentity.generate();
const now = Math.floor(Date.now() / 1000);
const { session: host, link, record } = identity.createInvite('https://chat.example/g', now + 86_400);
post(host.mailboxId, record);
post(host.mailboxId, host.encrypt('Hello! Your order is ready.'));
// `link` carries the invite secret in its fragment: send it to the guest (SMS, email), nowhere else.

// Guest (in a page: `const invite = takeLinkFromLocation();`).
const invite = InviteLink.parse(link);
const [inviteRecord, ...envelopes] = relay.get(hex(invite.mailboxId)) ?? [];
const opened = invite.open(inviteRecord);
invite.free(); // wipes the secret
console.log('invited by', opened.hostFingerprint);
for (const envelope of envelopes) {
  const got = opened.decrypt(envelope);
  if (got.kind === 'text') console.log('host:', got.text);
}
const { session: guest, envelope: claim } = opened.claim(); // `opened` is consumed
post(guest.mailboxId, claim);
post(guest.mailboxId, guest.encrypt('Thanks, on my way!'));

// Host: accept the claim, confirm, read the reply.
const [, , claimEnvelope, reply] = relay.get(hex(host.mailboxId)) ?? [];
const accepted = host.decrypt(claimEnvelope);
if (accepted.kind !== 'claimed') throw new Error('expected the claim');
// Persist the session now (host.snapshot(key)), post accepted.claimedRecord, send the confirmation.
console.log('safety code:', accepted.safetyCode.longForm);
const read = host.decrypt(reply);
if (read.kind === 'text') console.log('guest:', read.text);

// Guest: the confirmation proves the host holds this claim.
guest.decrypt(accepted.confirmation);
console.log('confirmed:', guest.isConfirmed, 'same code:', guest.safetyCode().longForm === accepted.safetyCode.longForm);

// Persist and restore with a 32-byte key from your keystore; refuse rollbacks with minCounter.
const key = crypto.getRandomValues(new Uint8Array(32));
const saved = guest.snapshot(key);
const restored = GuestSession.fromSnapshot(saved, key, guest.snapshotCounter);

// Errors carry the core's stable code and name.
try {
  restored.decrypt(reply); // a guest cannot read its own message
} catch (e) {
  if (!(e instanceof GuestlinkError)) throw e;
  console.log('refused:', e.name, e.code);
}
for (const obj of [guest, restored, host, identity]) obj.free(); // wipe keys now, not at GC
