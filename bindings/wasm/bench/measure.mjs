// The WebAssembly per-message cost in Node, printed by scripts/measure.sh next to the native
// figure. A report, not a test: nothing here asserts a time.
import { HostIdentity, InviteLink } from '../node.js';

const NOW = 1_800_000_000;
const N = 2000;
const text = 'x'.repeat(100);
const id = HostIdentity.generate();
const { session: host, link, record } = id.createInvite('https://chat.example/g', NOW + 86_400, NOW);
const { session: guest, envelope } = InviteLink.parse(link).open(record, NOW).claim(NOW);
guest.decrypt(host.decrypt(envelope, NOW).confirmation);

let t = performance.now();
const msgs = [];
for (let i = 0; i < N; i++) msgs.push(host.encrypt(text, NOW));
const enc = ((performance.now() - t) * 1000) / N;
t = performance.now();
for (const m of msgs) guest.decrypt(m);
const dec = ((performance.now() - t) * 1000) / N;
console.log(`wasm    same-direction  encrypt ${enc.toFixed(1).padStart(8)} us/msg  decrypt ${dec.toFixed(1).padStart(8)} us/msg`);

let encTotal = 0;
let decTotal = 0;
for (let i = 0; i < N / 4; i++) {
  t = performance.now();
  const m = i % 2 === 0 ? guest.encrypt(text) : host.encrypt(text, NOW);
  encTotal += performance.now() - t;
  t = performance.now();
  if (i % 2 === 0) host.decrypt(m, NOW);
  else guest.decrypt(m);
  decTotal += performance.now() - t;
}
const n = N / 4;
console.log(`wasm    ping-pong        encrypt ${((encTotal * 1000) / n).toFixed(1).padStart(8)} us/msg  decrypt ${((decTotal * 1000) / n).toFixed(1).padStart(8)} us/msg`);
