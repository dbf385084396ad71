// The size budget of the .wasm (a byte count, not a timing): at most 80 KiB gzipped.
// scripts/measure.sh prints the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';

test('the .wasm stays within 80 KiB gzipped', () => {
  const wasm = readFileSync(new URL('../../pkg/guestlink_wasm_bg.wasm', import.meta.url));
  const gz = gzipSync(wasm, { level: constants.Z_BEST_COMPRESSION }).length;
  assert.ok(gz <= 80 * 1024, `${gz} bytes gzipped`);
  // The build must have gone through wasm-opt: no name section, no debug sections.
  const mod = new WebAssembly.Module(wasm);
  const custom = ['name', '.debug_info', '__wasm_bindgen_unstable'].filter((s) => WebAssembly.Module.customSections(mod, s).length);
  assert.deepEqual(custom, []);
});
