// The guest's side, as a web client would write it: take the link out of the address bar, fetch
// the invite from the relay, read the host's first message, claim and reply.
import { init, takeLinkFromLocation, InviteLink, GuestlinkError } from '/web.js';

const $ = (id) => document.getElementById(id);
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s) => new Uint8Array(s.match(/../g).map((x) => parseInt(x, 16)));

try {
  await init();
  const link = takeLinkFromLocation();
  $('fingerprint').textContent = link.hostFingerprint;
  const relay = await (await fetch(`/relay/${hex(link.mailboxId)}`)).json();
  const opened = link.open(unhex(relay.record));
  link.free();
  const first = opened.decrypt(unhex(relay.messages[0]));
  $('first').textContent = first.text;
  const { session, envelope } = opened.claim();
  const reply = session.encrypt('Thanks, on my way! ✓');
  await fetch(`/relay/${hex(session.mailboxId)}`, {
    method: 'POST',
    body: JSON.stringify({ envelopes: [hex(envelope), hex(reply)] }),
  });
  // The error class works in the browser too.
  try {
    InviteLink.parse('https://chat.example/no-fragment');
  } catch (e) {
    $('error').textContent = `${e instanceof GuestlinkError} ${e.name} ${e.code}`;
  }
  $('status').textContent = 'sent';
} catch (e) {
  $('status').textContent = `failed: ${e.name} ${e.code ?? ''} ${e.message}`;
}
