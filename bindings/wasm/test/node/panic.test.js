// After a trap (a Rust panic aborts), the module refuses every call, on every object, with
// PANICKED. Its own file: node --test runs each file in a fresh process, and this one poisons
// the module instance for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostIdentity, InviteLink, errorCodes, panicForTestingOnly } from '../../node.js';
import { NOW, DAY, throwsCode } from '../helpers.js';

test('a panic poisons the module: every later call throws PANICKED', () => {
  const identity = HostIdentity.generate();
  const { session, link } = identity.createInvite('https://chat.example/g', NOW + DAY, NOW);
  assert.throws(() => panicForTestingOnly(), (e) => e instanceof WebAssembly.RuntimeError);
  throwsCode(() => identity.publicKey, 'PANICKED');
  throwsCode(() => session.encrypt('x', NOW), 'PANICKED');
  throwsCode(() => InviteLink.parse(link), 'PANICKED');
  throwsCode(() => HostIdentity.generate(), 'PANICKED');
  throwsCode(() => identity.free(), 'PANICKED');
  throwsCode(() => panicForTestingOnly(), 'PANICKED');
  assert.throws(() => errorCodes(), (e) => e.name === "PANICKED");
});
