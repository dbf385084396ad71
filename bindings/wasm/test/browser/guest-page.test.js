// A real browser: Debian's Chromium, headless, driven by playwright-core. The page is served from
// 127.0.0.1 and imports the ESM build; the host runs here in Node with the Node build, and a tiny
// in-memory relay in the same server carries the envelopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { HostIdentity } from '../../node.js';

const root = new URL('../../', import.meta.url).pathname; // bindings/wasm/
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

function serve(relay, posted) {
  const server = createServer(async (req, res) => {
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = url.pathname.match(/^\/relay\/([0-9a-f]{32})$/);
    if (m) {
      if (req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        posted(JSON.parse(body).envelopes);
        res.end('{}');
      } else {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(relay.get(m[1]) ?? {}));
      }
      return;
    }
    const path = normalize(url.pathname).replace(/^\/+/, '');
    const allowed = /^(web\.js|error\.js|page\.js|pkg\/[\w.-]+|test\/browser\/guest\.(html|js))$/;
    if (!allowed.test(path)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    try {
      const body = await readFile(join(root, path));
      res.setHeader('Content-Type', TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function chromiumPath() {
  const fromEnv = process.env.CHROMIUM;
  if (fromEnv) return fromEnv;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
}

test('the guest page opens the link, shows the first message, replies and strips the fragment', async () => {
  const relay = new Map();
  let onPost;
  const postedPromise = new Promise((resolve) => { onPost = resolve; });
  const server = await serve(relay, (envelopes) => onPost(envelopes));
  const { port } = server.address();
  const profile = mkdtempSync(join(tmpdir(), 'guestlink-chromium-'));
  let browser;
  try {
    const identity = HostIdentity.generate();
    const now = Math.floor(Date.now() / 1000);
    const base = `http://127.0.0.1:${port}/test/browser/guest.html`;
    const { session: host, link, record } = identity.createInvite(base, now + 3600, now);
    const firstText = 'Hello! Your table is ready — 🍽️';
    relay.set(hex(host.mailboxId), { record: hex(record), messages: [hex(host.encrypt(firstText, now))] });

    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      env: { ...process.env, HOME: profile },
    });
    const page = await browser.newPage();
    const external = [];
    page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/`)) external.push(r.url()); });
    await page.goto(link);
    await page.waitForFunction(() => document.getElementById('status').textContent !== 'loading', null, { timeout: 30_000 });

    assert.equal(await page.textContent('#status'), 'sent');
    assert.equal(await page.textContent('#first'), firstText);
    assert.equal(await page.textContent('#fingerprint'), identity.fingerprint);
    assert.equal(await page.textContent('#error'), 'true LINK_MISSING_FRAGMENT 101');
    assert.equal(await page.evaluate(() => location.hash), '');
    assert.equal(await page.evaluate(() => location.href), base);
    assert.ok(!page.url().includes('#'));
    assert.deepEqual(external, []);

    const [claim, reply] = (await postedPromise).map(unhex);
    const accepted = host.decrypt(claim, now);
    assert.equal(accepted.kind, 'claimed');
    assert.deepEqual(host.decrypt(reply, now), { kind: 'text', text: 'Thanks, on my way! ✓' });
  } finally {
    await browser?.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
