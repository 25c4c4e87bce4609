// Drives Microsoft 365 Agents Playground's web UI like a person: open the chat, type messages, take screenshots.
// Usage: node playground-try.js <outDir> <message>...   (the Playground must be running on 127.0.0.1:56150)
const { chromium } = require('playwright-core');
(async () => {
  const [outDir, ...messages] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto('http://127.0.0.1:56150/', { waitUntil: 'networkidle' });
  await page.waitForTimeout(3000);
  await page.screenshot({ path: `${outDir}/00-open.png` });
  let i = 1;
  for (const message of messages) {
    const box = page.locator('[data-lexical-editor="true"]').first();
    await box.click();
    await page.keyboard.type(message);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(6000);
    await page.screenshot({ path: `${outDir}/${String(i++).padStart(2, '0')}-${message.replace(/[^a-z0-9]+/gi, '-').slice(0, 30)}.png`, fullPage: true });
  }
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
