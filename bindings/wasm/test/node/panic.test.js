// After a trap (a Rust panic aborts), the module refuses every call, on every object, with
// PANICKED. Its own file: node --test runs each file in a fresh process, and this one poisons
// the module instance for good.
// It loads the testing build (pkg-testing/, `scripts/build.sh --testing`): the package has no
// way to panic on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as pkg from '../../node.js';
import {
  initSync, HostIdentity, InviteLink, errorCodes, panicForTestingOnly,
} from '../../pkg-testing/guestlink_wasm.js';
import { NOW, DAY, throwsCode } from '../helpers.js';

initSync({ module: readFileSync(new URL('../../pkg-testing/guestlink_wasm_bg.wasm', import.meta.url)) });

test('the package has no test hook; the testing build has', () => {
  assert.equal('panicForTestingOnly' in pkg, false);
  assert.equal(typeof panicForTestingOnly, 'function');
});

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
