// Arguments are copied into WebAssembly memory, which never shrinks. An argument over the core's
// limit is refused having copied at most one byte (one UTF-16 unit) past that limit, with the code
// the core gives the whole input: 16 MiB arguments must neither grow the memory nor change a code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as pkg from '../../node.js';
import { NOW, DAY } from '../helpers.js';

const HUGE = 16 * 1024 * 1024;
const RUN = 'x'.repeat(HUGE);

/** `prefix`, then zeros up to HUGE bytes. */
function huge(prefix = new Uint8Array(0)) {
  const out = new Uint8Array(HUGE);
  out.set(prefix);
  return out;
}

const compiled = new WebAssembly.Module(readFileSync(new URL('../../pkg/guestlink_wasm_bg.wasm', import.meta.url)));
let instances = 0;

/** A new instance of the package with a memory of its own (a new URL is a new ES module). */
async function freshInstance() {
  instances += 1;
  const api = await import(`../../pkg/guestlink_wasm.js?instance=${instances}`);
  return { api, memory: api.initSync({ module: compiled }).memory };
}

/** Every call on a huge argument, with the code the core gives it (or the value it returns). */
function cases({ HostIdentity, HostSession, InviteLink, InviteRecord, GuestSession, OpenedInvite, peek, verifyRelayAuth, snapshotInfo }) {
  const identity = HostIdentity.generate();
  const { session: host, link, record } = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  const pre = host.encrypt('before the claim', NOW);
  const parsed = InviteLink.parse(link);
  const opened = parsed.open(record, NOW);
  const { session: guest, envelope: claim } = parsed.open(record, NOW).claim(NOW);
  const accepted = host.decrypt(claim, NOW);
  const rec = InviteRecord.parse(record);
  const key = new Uint8Array(32).fill(3);
  const revoked = identity.createInvite('https://chat.example/g', NOW + DAY, NOW).session;
  revoked.revoke(NOW);

  const snapshot = guest.snapshot(key);
  const fragment = link.slice(link.indexOf('#') + 1);
  const longForm = accepted.safetyCode.longForm;

  return [
    ['HostSession.decrypt', 'ENVELOPE_TOO_LARGE', () => host.decrypt(huge(pre), NOW)],
    ['OpenedInvite.decrypt', 'ENVELOPE_TOO_LARGE', () => opened.decrypt(huge(pre))],
    ['GuestSession.decrypt', 'ENVELOPE_TOO_LARGE', () => guest.decrypt(huge(pre))],
    ['InviteRecord.verifyPreClaim', 'ENVELOPE_TOO_LARGE', () => rec.verifyPreClaim(huge(pre))],
    ['peek', 'ENVELOPE_TOO_LARGE', () => peek(huge(pre))],
    ['InviteRecord.parse', 'ENVELOPE_TOO_LARGE', () => InviteRecord.parse(huge(record))],
    ['InviteLink.open', 'ENVELOPE_TOO_LARGE', () => parsed.open(huge(record), NOW)],
    ['OpenedInvite.checkClaimedRecord', 'ENVELOPE_TOO_LARGE', () => opened.checkClaimedRecord(huge(accepted.claimedRecord))],
    ['GuestSession.checkClaimedRecord', 'ENVELOPE_TOO_LARGE', () => guest.checkClaimedRecord(huge(accepted.claimedRecord))],
    ['OpenedInvite.applyRevocation', 'ENVELOPE_TOO_LARGE', () => opened.applyRevocation(huge(accepted.claimedRecord))],
    ['GuestSession.applyRevocation', 'ENVELOPE_TOO_LARGE', () => guest.applyRevocation(huge(accepted.claimedRecord))],
    ['InviteRecord.verifyClaimed', 'ENVELOPE_TOO_LARGE', () => rec.verifyClaimed(huge(accepted.claimedRecord))],
    ['InviteRecord.verifyRevocation', 'ENVELOPE_TOO_LARGE', () => rec.verifyRevocation(huge(accepted.claimedRecord))],
    ['HostIdentity.fromSnapshot', 'SNAPSHOT_MALFORMED', () => HostIdentity.fromSnapshot(huge(snapshot), key, 0)],
    ['HostSession.fromSnapshot', 'SNAPSHOT_MALFORMED', () => HostSession.fromSnapshot(huge(snapshot), key, 0)],
    ['OpenedInvite.fromSnapshot', 'SNAPSHOT_MALFORMED', () => OpenedInvite.fromSnapshot(huge(snapshot), key, 0)],
    ['GuestSession.fromSnapshot', 'SNAPSHOT_MALFORMED', () => GuestSession.fromSnapshot(huge(snapshot), key, 0)],
    ['snapshotInfo', 'SNAPSHOT_MALFORMED', () => snapshotInfo(huge(snapshot))],
    ['HostSession.relayAuth', 'INVALID_ARGUMENT', () => host.relayAuth(huge())],
    ['InviteLink.relayAuth', 'INVALID_ARGUMENT', () => parsed.relayAuth(huge())],
    ['OpenedInvite.relayAuth', 'INVALID_ARGUMENT', () => opened.relayAuth(huge())],
    ['GuestSession.relayAuth', 'INVALID_ARGUMENT', () => guest.relayAuth(huge())],
    ['verifyRelayAuth', 'INVALID_ARGUMENT',
      () => verifyRelayAuth(host.mailboxPublicKey, host.mailboxId, huge(), new Uint8Array(64))],
    ['HostSession.encrypt', 'PLAINTEXT_TOO_LARGE', () => host.encrypt(RUN, NOW)],
    ['GuestSession.encrypt', 'PLAINTEXT_TOO_LARGE', () => guest.encrypt(`${RUN}\u00e9`)],
    // The core checks the session's state before the text's length.
    ['HostSession.encrypt, revoked', 'INVITE_REVOKED', () => revoked.encrypt(RUN, NOW)],
    ['HostIdentity.createInvite', 'INVALID_ARGUMENT', () => identity.createInvite(`https://x.example/${RUN}`, NOW + DAY, NOW)],
    ['InviteLink.fromFragment', 'LINK_MALFORMED', () => InviteLink.fromFragment(`#${fragment}${RUN}`)],
    ['InviteLink.parse, no #', 'LINK_MISSING_FRAGMENT', () => InviteLink.parse(`https://x.example/${RUN}`)],
    ['InviteLink.parse, long fragment', 'LINK_MALFORMED', () => InviteLink.parse(`${link}${RUN}`)],
    // The # comes after the first 2049 units: the base URL is too long.
    ['InviteLink.parse, long base URL', 'INVALID_ARGUMENT', () => InviteLink.parse(`https://x.example/${RUN}#${fragment}`)],
    // The base URL is checked before the fragment.
    ['InviteLink.parse, secret before #', 'SECRET_OUTSIDE_FRAGMENT',
      () => InviteLink.parse(`https://x.example/${fragment}#${RUN}`)],
    // Whitespace is ignored in any amount; anything else makes a typed code longer than any.
    ['SafetyCode.matchesLongForm, spaces', true,
      () => accepted.safetyCode.matchesLongForm(`\t${longForm.replaceAll(' ', ' '.repeat(HUGE / 8))}\r\n`)],
    ['SafetyCode.matchesLongForm, long', false, () => accepted.safetyCode.matchesLongForm(`${longForm} ${RUN}`)],
  ];
}

/** What `fn` returns, or the name of the error it throws. */
function outcome(fn) {
  try {
    return fn();
  } catch (e) {
    return e.name;
  }
}

test('an argument over the core limit gets the code the core gives it', () => {
  const table = cases(pkg);
  assert.deepEqual(table.map(([name, , fn]) => [name, outcome(fn)]), table.map(([name, want]) => [name, want]));
});

test('refusing a 16 MiB argument does not grow WebAssembly memory', async () => {
  // Each call in a new instance: the allocator would reuse the memory an earlier call grew.
  const grew = [];
  for (let i = 0; i < cases(pkg).length; i += 1) {
    const { api, memory } = await freshInstance();
    const [name, want, fn] = cases(api)[i];
    const before = memory.buffer.byteLength;
    assert.equal(outcome(fn), want, name);
    const grown = memory.buffer.byteLength - before;
    // A cut text takes at most three bytes per UTF-16 unit: under 200 KiB for the longest limit.
    if (grown > 256 * 1024) grew.push([name, grown]);
  }
  assert.deepEqual(grew, [], 'calls that grew the memory by more than 256 KiB, with the growth');
});
