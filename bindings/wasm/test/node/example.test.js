// The README example runs, prints what the README says, and type-checks against guestlink.d.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const root = new URL('../../', import.meta.url).pathname;

test('the README example runs', () => {
  const out = execFileSync(process.execPath, ['test/types/example.mjs'], { cwd: root, encoding: 'utf8' });
  assert.match(out, /^invited by [0-9a-f]{4}( [0-9a-f]{4}){4}$/m);
  assert.match(out, /^host: Hello! Your order is ready\.$/m);
  assert.match(out, /^safety code: \d{5}( \d{5}){7}$/m);
  assert.match(out, /^guest: Thanks, on my way!$/m);
  assert.match(out, /^confirmed: true same code: true$/m);
  assert.match(out, /^refused: [A-Z_]+ \d+$/m);
});

test('the example and guestlink.d.ts type-check (tsc --strict)', () => {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/types/tsconfig.json'], {
    cwd: root,
    encoding: 'utf8',
  });
});
