// Shared by the Node tests.
import assert from 'node:assert/strict';
import { GuestlinkError, errorCodes } from '../node.js';

export const NOW = 1_800_000_000;
export const DAY = 86_400;

export function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

export function unhex(s) {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

// Read once at import, before any test can poison the module.
const codes = errorCodes();

/** Asserts that `fn` throws a GuestlinkError with this name and the matching code. */
export function throwsCode(fn, name) {
  assert.ok(name in codes, `unknown error name ${name}`);
  assert.throws(fn, (e) => {
    assert.ok(e instanceof GuestlinkError, `expected GuestlinkError, got ${e}`);
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.code, codes[name]);
    return true;
  });
}
