// Drives Microsoft 365 Agents Playground's web UI in Chromium like a person: type in the chat, read what appears, press
// card buttons, fill card inputs. Every call between the Playground and the bot is recorded from the Playground's own log
// stream (the same items its Log Panel shows), so a scenario can fail on any 4xx/5xx and inspect what the bot sent.
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

class Playground {
  constructor(browser, page, outDir) {
    this.browser = browser;
    this.page = page;
    this.outDir = outDir;
    /** Log items of the Playground: { activityName, from, to, request: { body }, response: { statusCode, body } }. */
    this.calls = [];
    this.step = 0;
  }

  static async open(url, outDir, { timeout = 60000 } = {}) {
    fs.mkdirSync(outDir, { recursive: true });
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(timeout);
    const playground = new Playground(browser, page, outDir);
    page.on('websocket', ws => ws.on('framereceived', frame => playground.record(frame.payload)));
    await page.goto(url, { waitUntil: 'networkidle' });
    await playground.input().waitFor();
    return playground;
  }

  record(payload) {
    let item;
    try { item = JSON.parse(String(payload)); } catch { return; }
    if (item.logAction === 'appendLog' && item.log && item.log.activityName) this.calls.push(item.log);
  }

  input() { return this.page.locator('[data-lexical-editor="true"]').first(); }

  /** Types a message in the chat box and sends it. */
  async send(text) {
    await this.input().click();
    await this.page.keyboard.type(text);
    await this.page.keyboard.press('Enter');
  }

  /** Waits until text (a string, or a RegExp) is visible in the page; returns its locator. */
  async see(text, { timeout } = {}) {
    const found = this.page.getByText(text).last();
    await found.waitFor({ state: 'visible', timeout });
    return found;
  }

  /** The number of visible elements showing this text. */
  async count(text) { return this.page.getByText(text).count(); }

  /** Presses the last (newest) button with this name. */
  async press(name) {
    const button = this.page.getByRole('button', { name, exact: true }).last();
    await button.scrollIntoViewIfNeeded();
    await button.click();
  }

  /** Fills the newest card input (text, multi-line, date, time, number) with this label. */
  async fill(label, value) {
    const input = this.page.locator('input, textarea').and(this.page.getByLabel(label, { exact: false })).last();
    await input.scrollIntoViewIfNeeded();
    await input.fill(value);
  }

  /** Picks options (a string or a RegExp each) in the newest card dropdown with this label; multi-select takes several. */
  async choose(label, ...options) {
    const combo = this.page.getByRole('combobox').and(this.page.getByLabel(label, { exact: false })).last();
    await combo.scrollIntoViewIfNeeded();
    for (const option of options) {
      await combo.click();
      // Fluent UI dropdowns: single choice lists options; multi-select lists checkable menu items.
      await this.page.locator('[role=option], [role=menuitemcheckbox], [role=menuitemradio]').filter({ hasText: option }).first().click();
    }
    await this.page.keyboard.press('Escape');
  }

  async shot(label) {
    const name = `${String(++this.step).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}.png`;
    await this.page.screenshot({ path: path.join(this.outDir, name), fullPage: true });
  }

  /** Waits until a call matching the predicate was logged (e.g. the bot's reply to an invoke). */
  async call(predicate, { timeout = 60000 } = {}) {
    const until = Date.now() + timeout;
    for (;;) {
      const found = this.calls.find(predicate);
      if (found) return found;
      if (Date.now() > until) throw new Error('No Playground call matched within ' + timeout + ' ms');
      await this.page.waitForTimeout(200);
    }
  }

  /** Waits until no call has been logged for 2 s (at most 15 s), so late calls (card updates, follow-ups) are checked too. */
  async settle() {
    const until = Date.now() + 15000;
    let count = -1;
    while (count !== this.calls.length && Date.now() < until) {
      count = this.calls.length;
      await this.page.waitForTimeout(2000);
    }
  }

  /** Calls between the Playground and the bot that failed (4xx/5xx), in either direction. */
  failures() {
    return this.calls.filter(c => c.response && c.response.statusCode >= 400)
      .map(c => `${c.from} -> ${c.to}: ${c.activityName} ${c.response.statusCode} ${JSON.stringify(c.response.body || '').slice(0, 300)}`);
  }

  /** Messages the bot sent (or updated), as the Playground received them. */
  botMessages() {
    return this.calls.filter(c => c.from === 'User Application' && c.request && c.request.body).map(c => c.request.body);
  }

  async close() { await this.browser.close(); }
}

module.exports = { Playground };
