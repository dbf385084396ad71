// End-to-end test of the demo: the relay binary on a free 127.0.0.1 port, the host command line
// driven through stdin/stdout, and the guest page in Debian's headless Chromium (playwright-core,
// no downloaded browser). Every check is counted; the last line is "N passed, N failed".
//
// Environment: RELAY_BIN, HOST_BIN (built binaries), WASM_DIR (the built WASM package, with
// web.js and pkg/), SCREENSHOT (where to write the chat screenshot; optional).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const RELAY_BIN = env('RELAY_BIN');
const HOST_BIN = env('HOST_BIN');
const WASM_DIR = env('WASM_DIR');
const SCREENSHOT = process.env.SCREENSHOT || '';
const TIMEOUT = 30_000;

let passed = 0;
let failed = 0;
function check(cond, what, detail = '') {
  if (cond) {
    passed += 1;
    console.log(`ok - ${what}`);
  } else {
    failed += 1;
    console.log(`not ok - ${what}${detail ? `: ${detail}` : ''}`);
  }
  return cond;
}

const work = mkdtempSync(join(tmpdir(), 'guestlink-e2e-'));
const children = new Set();
function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** A child process whose stdout lines can be awaited. */
class Lines {
  constructor(child, label) {
    this.child = child;
    this.lines = [];
    this.waiters = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(`  [${label}] ${line}`);
      this.lines.push(line);
      for (const w of [...this.waiters]) w();
    });
    child.stderr.on('data', (d) => process.stderr.write(`  [${label} stderr] ${d}`));
  }

  /** Resolves with the first line (from index `from`) containing `needle`. */
  wait(needle, from = 0, timeout = TIMEOUT) {
    return new Promise((resolve, reject) => {
      const look = () => {
        const i = this.lines.findIndex((l, n) => n >= from && l.includes(needle));
        if (i >= 0) {
          this.waiters = this.waiters.filter((w) => w !== look);
          clearTimeout(timer);
          resolve(this.lines[i]);
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== look);
        reject(new Error(`timed out waiting for ${JSON.stringify(needle)}`));
      }, timeout);
      this.waiters.push(look);
      look();
    });
  }

  mark() {
    return this.lines.length;
  }
}

async function startRelay(listen) {
  const child = track(
    spawn(RELAY_BIN, ['--listen', listen, '--db', join(work, 'relay.sqlite'), '--wasm-dir', WASM_DIR], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const out = new Lines(child, 'relay');
  const line = await out.wait('listening on http://127.0.0.1:');
  return { child, url: line.split(' ').pop() };
}

function hostCmd(args) {
  return execFileSync(HOST_BIN, ['--home', join(work, 'home'), ...args], { encoding: 'utf8' });
}

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function profile(name) {
  const executablePath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  const ctx = await chromium.launchPersistentContext(join(work, `profile-${name}`), {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 720, height: 900 },
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.on('console', (m) => console.log(`  [page ${name}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`  [page ${name}] error: ${e.message}`));
  page.setDefaultTimeout(TIMEOUT);
  const requests = [];
  ctx.on('request', (r) => requests.push(r.url()));
  return { ctx, page, requests };
}

const stateIs = (page, ...states) =>
  page.waitForFunction((s) => s.includes(document.getElementById('app').dataset.state), states);

function alterFragment(link, at) {
  const i = link.indexOf('#') + 1 + at;
  const c = link[i] === 'A' ? 'B' : 'A';
  return link.slice(0, i) + c + link.slice(i + 1);
}

async function main() {
  const relay0 = await startRelay('127.0.0.1:0');
  let relay = relay0;
  const relayUrl = relay.url;
  const listen = relayUrl.replace('http://', '');

  // The host creates an identity and an invite with a first message.
  hostCmd(['init']);
  const created = hostCmd(['invite', '--relay', relayUrl, '--message', 'Hello! This is the host. How can I help?']);
  const field = (k) => created.split('\n').find((l) => l.startsWith(`${k}: `)).slice(k.length + 2);
  const link = field('link');
  const invite = field('invite');
  const fingerprint = field('host fingerprint');
  check(link.startsWith(`${relayUrl}/g#`), 'the invite prints a link to the guest page on the relay');

  const expiring = hostCmd(['invite', '--relay', relayUrl, '--expires-in', '2']);
  const expiringLink = expiring.split('\n').find((l) => l.startsWith('link: ')).slice(6);

  const chat = track(spawn(HOST_BIN, ['--home', join(work, 'home'), 'chat', invite], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const host = new Lines(chat, 'host');
  const type = (line) => chat.stdin.write(`${line}\n`);
  await host.wait('waiting for the guest');

  // Guest, profile A: the page shows who invited it and the host's first message, claims nothing.
  const a = await profile('a');
  const response = await a.page.goto(link);
  const headers = response.headers();
  check(headers['referrer-policy'] === 'no-referrer', 'the page is served with Referrer-Policy: no-referrer');
  check(
    /default-src 'none'/.test(headers['content-security-policy'] || '') &&
      /script-src 'self' 'wasm-unsafe-eval'/.test(headers['content-security-policy'] || ''),
    'the page is served with a strict CSP',
    headers['content-security-policy'],
  );
  await stateIs(a.page, 'invite');
  check((await a.page.evaluate(() => location.hash)) === '', 'the fragment is stripped from the address bar');
  check((await a.page.textContent('#fingerprint')) === fingerprint, 'the page shows the host key fingerprint');
  await a.page.waitForSelector('.msg.host');
  check(
    (await a.page.textContent('.msg.host')).includes('Hello! This is the host.'),
    "the page shows the host's first message before anything is claimed",
  );
  check(await a.page.isVisible('#open-chat'), 'an explicit "Open chat" button waits for the guest');
  await a.page.waitForTimeout(500);
  check(!host.lines.some((l) => l.includes('opened the chat')), 'opening the page claims nothing');

  // Profile B opens the same link too, before anyone claims: it sees the invitation.
  const b = await profile('b');
  await b.page.goto(link);
  await stateIs(b.page, 'invite');

  // The guest clicks "Open chat" while the host is paused: the chat shows as unconfirmed.
  chat.kill('SIGSTOP');
  await a.page.click('#open-chat');
  await stateIs(a.page, 'unconfirmed');
  check(
    (await a.page.textContent('#status')).startsWith('Unconfirmed'),
    'after the claim the chat shows as unconfirmed until the host confirms',
  );
  const guestCode = await a.page.textContent('#safety-code');
  chat.kill('SIGCONT');
  const codeLine = await host.wait('Safety code:');
  const hostCode = codeLine.split('Safety code: ').pop().trim();
  await stateIs(a.page, 'confirmed');
  check((await a.page.textContent('#status')).startsWith('Confirmed'), "the host's confirmation confirms the chat");
  await stateIs(b.page, 'used');
  check(
    (await b.page.textContent('#notice-title')).includes('already used') && !(await b.page.isVisible('#open-chat')),
    'a profile that had the invitation open is told at once that the link was used',
  );
  check(guestCode === hostCode && /^[0-9 ]{40,}$/.test(hostCode), 'host and guest show the same safety code');

  // The guest replies; the host receives it. The host answers; the page shows it.
  await a.page.fill('#reply', 'Hi, I have a question about my order.');
  await a.page.click('#send');
  await host.wait('guest: Hi, I have a question about my order.');
  check(true, 'the host receives the guest reply');
  type('Sure, what is the order number?');
  await a.page.waitForFunction(() =>
    [...document.querySelectorAll('.msg.host')].some((m) => m.textContent.includes('what is the order number')),
  );
  check(true, "the page shows the host's answer in real time");

  // The relay is killed mid-conversation and restarted on the same port and database.
  relay.child.kill('SIGKILL');
  await new Promise((r) => relay.child.once('exit', r));
  const mark = host.mark();
  type('Message sent while the relay was down.');
  await a.page.fill('#reply', 'Order 4711, sent while the relay was down.');
  await a.page.click('#send');
  await new Promise((r) => setTimeout(r, 700));
  relay = await startRelay(listen);
  check(relay.url === relayUrl, 'the relay restarts on the same address');
  await host.wait('guest: Order 4711, sent while the relay was down.', mark);
  check(true, 'after the restart the host receives what the guest sent meanwhile');
  await a.page.waitForFunction(() =>
    [...document.querySelectorAll('.msg.host')].some((m) => m.textContent.includes('while the relay was down')),
  );
  check(true, 'after the restart the guest receives what the host sent meanwhile');

  // The session survives a reload (IndexedDB snapshot, no fragment in the URL any more).
  await a.page.reload();
  await stateIs(a.page, 'confirmed');
  const texts = await a.page.$$eval('.msg', (ms) => ms.map((m) => m.textContent));
  check(
    texts.some((t) => t.includes('Hello! This is the host.')) && texts.some((t) => t.includes('Order 4711')),
    'after a reload the chat and its history are back',
  );
  const mark2 = host.mark();
  await a.page.fill('#reply', 'Still here after a reload.');
  await a.page.click('#send');
  await host.wait('guest: Still here after a reload.', mark2);
  type('Thanks, your order ships tomorrow.');
  await a.page.waitForFunction(() =>
    [...document.querySelectorAll('.msg.host')].some((m) => m.textContent.includes('ships tomorrow')),
  );
  check(true, 'the chat continues both ways after the reload');
  const stored = await a.page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('guestlink');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const wrap = await new Promise((res) => {
      const q = db.transaction('keys').objectStore('keys').get('wrap');
      q.onsuccess = () => res(q.result);
    });
    return { type: wrap && wrap.type, extractable: wrap && wrap.extractable, algo: wrap && wrap.algorithm.name };
  });
  check(
    stored.type === 'secret' && stored.extractable === false && stored.algo === 'AES-GCM',
    'the stored snapshot key is wrapped by a non-extractable WebCrypto key',
    JSON.stringify(stored),
  );
  const foreign = a.requests.filter((u) => !u.startsWith(`${relayUrl}/`) && !u.startsWith('about:'));
  check(foreign.length === 0, 'the page loads nothing from any other origin', foreign.join(' '));
  check(
    a.requests.every((u) => !u.includes('#') && !u.includes(link.split('#')[1])),
    'no request carries the fragment',
  );
  if (SCREENSHOT) {
    await a.page.screenshot({ path: SCREENSHOT, fullPage: true });
    check(true, `screenshot written to ${SCREENSHOT}`);
  }

  // Profile D opens the same link after the claim: "already used", nothing reaches the host.
  const d = await profile('d');
  const mark3 = host.mark();
  await d.page.goto(link);
  await stateIs(d.page, 'used');
  check(
    (await d.page.textContent('#notice-title')).includes('already used'),
    'a second browser profile opening the link after the claim sees "already used"',
  );
  check(!(await d.page.isVisible('#open-chat')), 'the second profile cannot claim');

  // Altered fragments: an error, and nothing claimed (a second invite stays claimable).
  const created2 = hostCmd(['invite', '--relay', relayUrl]);
  const link2 = created2.split('\n').find((l) => l.startsWith('link: ')).slice(6);
  const c = await profile('c');
  for (const [what, bad, states] of [
    ['a changed character in the secret', alterFragment(link2, 10), ['invalid', 'unknown']],
    ['a changed character in the host key', alterFragment(link2, 70), ['invalid', 'unknown']],
    ['a truncated fragment', link2.slice(0, -3), ['invalid']],
    ['an extra character', `${link2}A`, ['invalid']],
  ]) {
    // A fresh document each time: a fragment-only change would not reload the page.
    await c.page.goto('about:blank');
    await c.page.goto(bad);
    await stateIs(c.page, ...states);
    const title = await c.page.textContent('#notice-title');
    check(
      (await c.page.isVisible('#notice')) && !(await c.page.isVisible('#open-chat')),
      `a link with ${what} shows an error (${title}) and offers no claim`,
    );
  }
  await c.page.goto('about:blank');
  await c.page.goto(link2);
  await stateIs(c.page, 'invite');
  check(await c.page.isVisible('#open-chat'), 'the unaltered link is still unclaimed afterwards');
  check(
    !host.lines.slice(mark3).some((l) => l.includes('claim')),
    'the host saw no claim from the other profiles or the altered links',
  );
  const list = hostCmd(['list']);
  check(list.split('\n').some((l) => l.startsWith(invite) && l.includes('claimed')), 'guestlink list shows the claim');

  // A revoked invite, and an expired one (created at the start with a 2-second window).
  const invite2 = created2.split('\n').find((l) => l.startsWith('invite: ')).slice(8);
  hostCmd(['revoke', invite2]);
  await c.page.goto('about:blank');
  await c.page.goto(link2);
  await stateIs(c.page, 'revoked');
  check((await c.page.textContent('#notice-title')).includes('revoked'), 'a revoked link says so');
  await c.page.goto('about:blank');
  await c.page.goto(expiringLink);
  await stateIs(c.page, 'expired');
  check((await c.page.textContent('#notice-title')).includes('expired'), 'an expired link says so');

  // The host ends the chat: the guest's page shows it, and the composer goes.
  type('/revoke');
  await stateIs(a.page, 'ended');
  check(!(await a.page.isVisible('#composer')), 'when the host revokes, the guest page shows the chat ended');

  await Promise.all([a.ctx.close(), b.ctx.close(), c.ctx.close(), d.ctx.close()]);
}

try {
  await main();
} catch (e) {
  failed += 1;
  console.log(`not ok - ${e.stack || e}`);
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
