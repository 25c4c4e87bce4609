// Real-client checks for TeamsBot's Adaptive Card templates, in ONE Node process for all cards.
// stdin:  { cases: [{ id, template, data, card }], renderDir?: string, chromium?: string }
//   template+data: expanded with the official adaptivecards-templating engine (conformance oracle)
//   card:          the .NET engine's output; validated by the official adaptivecards renderer (schema 1.5)
//                  and, when renderDir is set, rendered in headless Chromium to <renderDir>/<id>.png
// stdout: { results: [{ id, expanded?, expandError?, validation?: [{ phase, event, message }] }], render?: { files, error? } }
'use strict';
const path = require('path');
const fs = require('fs');
const ACData = require('adaptivecards-templating');
const AC = require('adaptivecards/dist/adaptivecards.js');
const hostConfig = require('./teams-host-config.json');

function expand(template, data) {
  try {
    return { expanded: new ACData.Template(template).expand({ $root: data }) };
  } catch (e) {
    return { expandError: String((e && e.message) || e) };
  }
}

function validate(card) {
  const events = [];
  try {
    const ac = new AC.AdaptiveCard();
    const ctx = new AC.SerializationContext(AC.Versions.v1_5);
    ac.parse(card, ctx);
    for (let i = 0; i < ctx.eventCount; i++) {
      const ev = ctx.getEventAt(i);
      events.push({ phase: ev.phase, event: ev.event, message: ev.message });
    }
    const results = ac.validateProperties();
    for (const ev of results.validationEvents) events.push({ phase: ev.phase, event: ev.event, message: ev.message });
  } catch (e) {
    events.push({ phase: -1, event: -1, message: 'exception: ' + String((e && e.message) || e) });
  }
  return events;
}

async function render(cases, renderDir, executablePath) {
  const { chromium } = require('playwright-core');
  fs.mkdirSync(renderDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const files = [];
  try {
    const page = await browser.newPage({ viewport: { width: 560, height: 400 }, deviceScaleFactor: 1 });
    // No internet: serve a neutral placeholder for every remote image so layout matches what people see.
    await page.route(/^https?:\/\//, (route) => route.fulfill({
      status: 200,
      contentType: 'image/svg+xml',
      body: '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="320"><rect width="640" height="320" fill="#C5C7E8"/>'
        + '<text x="320" y="170" font-family="sans-serif" font-size="28" text-anchor="middle" fill="#464775">image</text></svg>',
    }));
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"><style>'
      + 'body{margin:0;padding:16px;background:#F5F5F5;font-family:"Segoe UI",system-ui,sans-serif}'
      + '#root{width:500px;background:#fff;border:1px solid #E0E0E0;border-radius:8px;overflow:hidden}'
      + '</style></head><body><div id="root"></div></body></html>');
    await page.addScriptTag({ path: require.resolve('adaptivecards/dist/adaptivecards.js') });
    for (const c of cases) {
      await page.evaluate(({ card, hostConfig }) => {
        // Teams renders a markdown subset in TextBlocks: bold, italic, links, lists. Escape HTML first.
        AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
          // Backslash escapes first (CommonMark), then HTML-escape everything else.
          let html = '';
          for (let i = 0; i < text.length; i++) {
            const ch = text[i];
            if (ch === '\\' && i + 1 < text.length && /[!-\/:-@\[-`{-~]/.test(text[i + 1])) { html += '&#' + text.charCodeAt(++i) + ';'; continue; }
            html += ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch;
          }
          html = html.replace(/\[([^\]]+)\]\((https:\/\/[^)\s]+)\)/g, '<a href="$2">$1</a>');
          html = html.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/(^|\s)_([^_]+)_/g, '$1<em>$2</em>');
          html = html.split('\n').map((l) => /^\s*[-*] /.test(l) ? '&bull; ' + l.replace(/^\s*[-*] /, '') : l).join('<br>');
          result.outputHtml = html;
          result.didProcess = true;
        };
        const ac = new AdaptiveCards.AdaptiveCard();
        ac.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
        ac.parse(card);
        const el = ac.render();
        const root = document.getElementById('root');
        root.replaceChildren(el);
      }, { card: c.card, hostConfig });
      // Let placeholder images load before the screenshot.
      await page.evaluate(() => Promise.all(Array.from(document.images).map((img) => img.complete ? null
        : new Promise((r) => { img.onload = r; img.onerror = r; }))));
      const file = path.join(renderDir, c.id + '.png');
      await (await page.$('#root')).screenshot({ path: file });
      files.push(file);
    }
  } finally {
    await browser.close();
  }
  return files;
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const results = input.cases.map((c) => {
    const r = { id: c.id };
    if (c.template !== undefined) Object.assign(r, expand(c.template, c.data));
    if (c.card !== undefined) r.validation = validate(c.card);
    return r;
  });
  const output = { results };
  if (input.renderDir) {
    try {
      output.render = { files: await render(input.cases.filter((c) => c.card !== undefined), input.renderDir, input.chromium || '/usr/bin/chromium') };
    } catch (e) {
      output.render = { files: [], error: String((e && e.stack) || e) };
    }
  }
  process.stdout.write(JSON.stringify(output));
}

main().catch((e) => { process.stderr.write(String((e && e.stack) || e)); process.exit(1); });
