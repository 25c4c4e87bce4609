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

// Teams chart elements (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/charts-in-adaptive-cards)
// are not part of the official renderer, which logs an unknown element type for each. They are registered here through the
// renderer's own extension point (a CardElement subclass in GlobalRegistry.elements): each checks its documented shape and
// reports problems as validation events, and draws a plain SVG chart so the PNGs show bars and lines. This function runs in
// Node (validation) and, as source text, inside the Chromium page (rendering), so it uses nothing from its surroundings.
function installTeamsCharts(AC) {
  if (AC.GlobalRegistry.elements.findByName('Chart.Line')) return;

  const PALETTE = {
    good: '#107C10', warning: '#C19C00', attention: '#C4314B', neutral: '#A19F9D',
    categoricalRed: '#D13438', categoricalPurple: '#8764B8', categoricalLavender: '#A4A6E8', categoricalBlue: '#0F6CBD',
    categoricalLightBlue: '#4F9FE0', categoricalTeal: '#038387', categoricalGreen: '#0B6A0B', categoricalLime: '#73AA24',
    categoricalMarigold: '#EAA300',
    sequential1: '#C7E0F4', sequential2: '#A9D3F2', sequential3: '#7FBAE8', sequential4: '#5CA4DE', sequential5: '#2F86D1',
    sequential6: '#0F6CBD', sequential7: '#0E5A9E', sequential8: '#0A3D6B',
    divergingBlue: '#0F6CBD', divergingLightBlue: '#4F9FE0', divergingCyan: '#00B7C3', divergingTeal: '#038387',
    divergingYellow: '#FCE100', divergingPeach: '#FF8C5A', divergingLightRed: '#F1707B', divergingRed: '#D13438',
    divergingMaroon: '#750B1C', divergingGray: '#8A8886',
  };
  const SERIES = ['#5B5FC7', '#0F6CBD', '#C239B3', '#038387', '#CA5010', '#73AA24', '#8764B8', '#EAA300'];
  const colorNames = Object.keys(PALETTE);
  const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const show = (v) => (v === undefined ? 'nothing' : typeOf(v) + ' ' + JSON.stringify(v));
  const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const colorOf = (name, i) => (typeof name === 'string' && PALETTE[colorNames.find((c) => c.toLowerCase() === name.toLowerCase())])
    || SERIES[i % SERIES.length];

  // x: the category (string; numbers too where Teams' SDK allows them), y/value/size: numbers.
  const SPECS = {
    'Chart.VerticalBar': { kind: 'bars', x: ['string', 'number'], props: { showBarValues: 'boolean', xAxisTitle: 'string', yAxisTitle: 'string' } },
    'Chart.HorizontalBar': { kind: 'bars', x: ['string'], props: { xAxisTitle: 'string', yAxisTitle: 'string' },
      values: { displayMode: ['AbsoluteWithAxis', 'AbsoluteNoAxis', 'PartToWhole'] } },
    'Chart.Line': { kind: 'series', x: ['string', 'number'], props: { xAxisTitle: 'string', yAxisTitle: 'string' } },
    'Chart.VerticalBar.Grouped': { kind: 'series', x: ['string', 'number'],
      props: { stacked: 'boolean', showBarValues: 'boolean', xAxisTitle: 'string', yAxisTitle: 'string' } },
    'Chart.HorizontalBar.Stacked': { kind: 'stacked', props: { xAxisTitle: 'string', yAxisTitle: 'string' } },
    'Chart.Donut': { kind: 'slices', props: {} },
    'Chart.Pie': { kind: 'slices', props: {} },
    'Chart.Gauge': { kind: 'gauge', props: { value: 'number', min: 'number', max: 'number', subLabel: 'string', showLegend: 'boolean', showMinMax: 'boolean' },
      values: { valueFormat: ['Percentage', 'Fraction'] } },
  };
  const RAW = ['title', 'colorSet', 'color', 'data', 'displayMode', 'showBarValues', 'stacked', 'xAxisTitle', 'yAxisTitle',
    'value', 'min', 'max', 'segments', 'subLabel', 'showLegend', 'showMinMax', 'valueFormat'];

  function checkColor(problems, path, color) {
    if (color === undefined) return;
    if (typeof color !== 'string' || !colorNames.some((c) => c.toLowerCase() === color.toLowerCase())) {
      problems.push(`${path}.color must be one of the chart colours (good, warning, attention, neutral, categorical…, sequential1–8, diverging…), got ${show(color)}`);
    }
  }

  function checkPoint(problems, path, p, xTypes) {
    if (!isObject(p)) { problems.push(`${path} must be an object with x and y, got ${show(p)}`); return; }
    if (!xTypes.includes(typeOf(p.x))) problems.push(`${path}.x must be a ${xTypes.join(' or ')}, got ${show(p.x)}`);
    if (!isNumber(p.y)) problems.push(`${path}.y must be a number, got ${show(p.y)}`);
    checkColor(problems, path, p.color);
  }

  function checkData(type, spec, get) {
    const problems = [];
    for (const [name, expected] of Object.entries(Object.assign({ title: 'string', colorSet: 'string' }, spec.props))) {
      const v = get(name);
      if (v !== undefined && typeOf(v) !== expected) problems.push(`${name} must be a ${expected}, got ${show(v)}`);
    }
    for (const [name, allowed] of Object.entries(spec.values || {})) {
      const v = get(name);
      if (v !== undefined && !(typeof v === 'string' && allowed.some((a) => a.toLowerCase() === v.toLowerCase()))) {
        problems.push(`${name} must be one of ${allowed.join(', ')}, got ${show(v)}`);
      }
    }
    checkColor(problems, 'chart', get('color'));
    if (spec.kind === 'gauge') {
      const segments = get('segments');
      if (segments !== undefined) {
        if (!Array.isArray(segments)) problems.push(`segments must be an array, got ${show(segments)}`);
        else segments.forEach((s, i) => {
          if (!isObject(s)) { problems.push(`segments[${i}] must be an object, got ${show(s)}`); return; }
          if (!isNumber(s.size)) problems.push(`segments[${i}].size must be a number, got ${show(s.size)}`);
          if (s.legend !== undefined && typeof s.legend !== 'string') problems.push(`segments[${i}].legend must be a string, got ${show(s.legend)}`);
          checkColor(problems, `segments[${i}]`, s.color);
        });
      }
      return problems;
    }
    const data = get('data');
    if (data === undefined) { problems.push('data is missing: the chart has nothing to draw'); return problems; }
    if (!Array.isArray(data)) { problems.push(`data must be an array, got ${show(data)}`); return problems; }
    if (data.length === 0) problems.push('data is empty: the chart has nothing to draw');
    data.forEach((d, i) => {
      const path = `data[${i}]`;
      if (spec.kind === 'bars') { checkPoint(problems, path, d, spec.x); return; }
      if (!isObject(d)) { problems.push(`${path} must be an object, got ${show(d)}`); return; }
      if (spec.kind === 'slices') {
        if (!isNumber(d.value)) problems.push(`${path}.value must be a number, got ${show(d.value)}`);
        if (d.legend !== undefined && typeof d.legend !== 'string') problems.push(`${path}.legend must be a string, got ${show(d.legend)}`);
        checkColor(problems, path, d.color);
      } else if (spec.kind === 'series') {
        if (d.legend !== undefined && typeof d.legend !== 'string') problems.push(`${path}.legend must be a string, got ${show(d.legend)}`);
        checkColor(problems, path, d.color);
        if (!Array.isArray(d.values)) problems.push(`${path}.values must be an array of { x, y } points, got ${show(d.values)}`);
        else d.values.forEach((p, j) => checkPoint(problems, `${path}.values[${j}]`, p, spec.x));
      } else if (spec.kind === 'stacked') {
        if (d.title !== undefined && typeof d.title !== 'string') problems.push(`${path}.title must be a string, got ${show(d.title)}`);
        if (!Array.isArray(d.data)) problems.push(`${path}.data must be an array of { legend, value } parts, got ${show(d.data)}`);
        else d.data.forEach((p, j) => {
          if (!isObject(p) || !isNumber(p.value)) problems.push(`${path}.data[${j}].value must be a number, got ${show(isObject(p) ? p.value : p)}`);
          else checkColor(problems, `${path}.data[${j}]`, p.color);
        });
      }
    });
    return problems;
  }

  // ---- drawing (browser only) ----
  const NS = 'http://www.w3.org/2000/svg';
  const W = 460;
  function svg(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  const fmt = (n) => (isNumber(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 1 }) : '');
  const clip = (s, n) => { s = String(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
  const compact = (n) => (isNumber(n) ? n.toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 1 }) : '');
  const niceMax = (m) => {
    if (!(m > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(m)));
    return [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((f) => f * p).find((v) => v >= m * 1.05) || 10 * p;
  };
  const label = (text, x, y, extra) => svg('text', Object.assign({ x, y, 'font-size': 11, fill: '#424242' }, extra || {}), text);

  function axes(root, left, top, w, h, max) {
    for (const f of [0, 0.5, 1]) {
      const y = top + h - f * h;
      root.appendChild(svg('line', { x1: left, x2: left + w, y1: y, y2: y, stroke: f === 0 ? '#8A8886' : '#E0E0E0' }));
      root.appendChild(label(compact(max * f), left - 4, y + 4, { 'text-anchor': 'end' }));
    }
  }

  function drawBars(root, points, horizontal, showValues, color) {
    const max = niceMax(Math.max(0, ...points.map((p) => p.y)));
    if (horizontal) {
      const row = 22; const left = 150; const w = W - left - 56;
      points.forEach((p, i) => {
        const y = i * row + 4;
        const t = label(clip(p.x, 21), left - 6, y + 14, { 'text-anchor': 'end' }); t.appendChild(svg('title', {}, p.x)); root.appendChild(t);
        root.appendChild(svg('rect', { x: left, y: y + 3, width: Math.max(1, (p.y / max) * w), height: row - 8, rx: 2, fill: colorOf(p.color || color, 0) }));
        root.appendChild(label(fmt(p.y), left + (p.y / max) * w + 4, y + 14));
      });
      return points.length * row + 8;
    }
    const rotate = points.length > 4;
    const left = rotate ? 72 : 44; const top = 14; const h = 150; const w = W - left - 8;
    axes(root, left, top, w, h, max);
    const slot = w / Math.max(1, points.length); const bw = Math.min(36, slot * 0.6);
    points.forEach((p, i) => {
      const cx = left + slot * (i + 0.5); const bh = (Math.max(0, p.y) / max) * h;
      root.appendChild(svg('rect', { x: cx - bw / 2, y: top + h - bh, width: bw, height: Math.max(1, bh), rx: 2, fill: colorOf(p.color || color, 0) }));
      if (showValues) root.appendChild(label(fmt(p.y), cx, top + h - bh - 3, { 'text-anchor': 'middle' }));
      const t = rotate
        ? label(clip(p.x, 14), cx, top + h + 12, { 'text-anchor': 'end', transform: `rotate(-35 ${cx} ${top + h + 12})` })
        : label(clip(p.x, 16), cx, top + h + 14, { 'text-anchor': 'middle' });
      t.appendChild(svg('title', {}, p.x)); root.appendChild(t);
    });
    return top + h + (rotate ? 90 : 24);
  }

  function drawSeries(root, series, grouped, color) {
    const xs = []; for (const s of series) for (const p of s.values) if (!xs.includes(p.x)) xs.push(p.x);
    const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((p) => p.y))));
    const left = 52; const top = 12; const h = 150; const w = W - left - 16;
    axes(root, left, top, w, h, max);
    const at = (x) => (grouped ? left + (w / Math.max(1, xs.length)) * (xs.indexOf(x) + 0.5)
      : left + 28 + (xs.length < 2 ? (w - 56) / 2 : ((w - 56) * xs.indexOf(x)) / (xs.length - 1)));
    series.forEach((s, i) => {
      const c = colorOf(s.color || color, i);
      if (grouped) {
        const slot = w / Math.max(1, xs.length); const bw = Math.min(18, (slot * 0.7) / series.length);
        s.values.forEach((p) => {
          const bh = (Math.max(0, p.y) / max) * h;
          root.appendChild(svg('rect', { x: at(p.x) - (series.length * bw) / 2 + i * bw, y: top + h - bh, width: bw, height: Math.max(1, bh), fill: c }));
        });
      } else {
        root.appendChild(svg('polyline', { points: s.values.map((p) => `${at(p.x)},${top + h - (p.y / max) * h}`).join(' '), fill: 'none', stroke: c, 'stroke-width': 2.5 }));
        s.values.forEach((p) => root.appendChild(svg('circle', { cx: at(p.x), cy: top + h - (p.y / max) * h, r: 3.5, fill: c })));
      }
    });
    // At most about six x labels; the last always shows, and one too close before it gives way.
    const step = Math.max(1, Math.ceil(xs.length / 6)); const last = xs.length - 1;
    xs.forEach((x, i) => {
      if (i === last || (i % step === 0 && last - i >= step * 0.75)) root.appendChild(label(clip(x, 12), at(x), top + h + 14, { 'text-anchor': 'middle' }));
    });
    let y = top + h + 34;
    series.forEach((s, i) => {
      root.appendChild(svg('rect', { x: left, y: y - 9, width: 10, height: 10, fill: colorOf(s.color || color, i) }));
      root.appendChild(label(clip(s.legend || '', 50), left + 16, y)); y += 16;
    });
    return y;
  }

  function drawStacked(root, rows) {
    const row = 24; const left = 120; const w = W - left - 10;
    const max = Math.max(1, ...rows.map((r) => r.data.reduce((a, p) => a + Math.max(0, p.value), 0)));
    rows.forEach((r, i) => {
      const y = i * row + 4; let x = left;
      root.appendChild(label(clip(r.title || '', 18), left - 6, y + 14, { 'text-anchor': 'end' }));
      r.data.forEach((p, j) => { const pw = (Math.max(0, p.value) / max) * w; root.appendChild(svg('rect', { x, y: y + 3, width: pw, height: row - 8, fill: colorOf(p.color, j) })); x += pw; });
    });
    return rows.length * row + 8;
  }

  function drawSlices(root, slices, donut) {
    const total = slices.reduce((a, s) => a + Math.max(0, s.value), 0) || 1;
    const cx = 90; const cy = 90; const r = 80; let angle = -Math.PI / 2;
    slices.forEach((s, i) => {
      const a = (Math.max(0, s.value) / total) * Math.PI * 2; const end = angle + Math.min(a, Math.PI * 2 - 1e-6);
      const d = `M ${cx} ${cy} L ${cx + r * Math.cos(angle)} ${cy + r * Math.sin(angle)} A ${r} ${r} 0 ${a > Math.PI ? 1 : 0} 1 ${cx + r * Math.cos(end)} ${cy + r * Math.sin(end)} Z`;
      root.appendChild(svg('path', { d, fill: colorOf(s.color, i), stroke: '#fff' })); angle = end;
      root.appendChild(svg('rect', { x: 200, y: 14 + i * 18, width: 10, height: 10, fill: colorOf(s.color, i) }));
      root.appendChild(label(`${clip(s.legend || '', 30)} (${fmt(s.value)})`, 216, 23 + i * 18));
    });
    if (donut) root.appendChild(svg('circle', { cx, cy, r: r * 0.55, fill: '#fff' }));
    return Math.max(190, slices.length * 18 + 24);
  }

  function drawGauge(root, get) {
    const min = isNumber(get('min')) ? get('min') : 0;
    const segments = Array.isArray(get('segments')) ? get('segments').filter((s) => isObject(s) && isNumber(s.size)) : [];
    const max = isNumber(get('max')) ? get('max') : (segments.length ? min + segments.reduce((a, s) => a + s.size, 0) : 100);
    const value = isNumber(get('value')) ? get('value') : 0;
    const cx = W / 2; const cy = 120; const r = 100;
    const point = (v, rr) => { const a = Math.PI * (1 - (Math.min(max, Math.max(min, v)) - min) / ((max - min) || 1)); return [cx + rr * Math.cos(a), cy - rr * Math.sin(a)]; };
    let from = min;
    (segments.length ? segments : [{ size: max - min, color: 'neutral' }]).forEach((s, i) => {
      const [x1, y1] = point(from, r); const [x2, y2] = point(from + s.size, r);
      root.appendChild(svg('path', { d: `M ${x1} ${y1} A ${r} ${r} 0 0 1 ${x2} ${y2}`, fill: 'none', stroke: colorOf(s.color, i), 'stroke-width': 18 }));
      from += s.size;
    });
    const [nx, ny] = point(value, r - 24);
    root.appendChild(svg('line', { x1: cx, y1: cy, x2: nx, y2: ny, stroke: '#242424', 'stroke-width': 3 }));
    root.appendChild(label(get('valueFormat') && String(get('valueFormat')).toLowerCase() === 'fraction' ? `${fmt(value)}/${fmt(max)}` : `${fmt(Math.round(((value - min) / ((max - min) || 1)) * 100))}%`,
      cx, cy + 24, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 600 }));
    return cy + 34;
  }

  class TeamsChart extends AC.CardElement {
    raw(name) { return this.getValue(TeamsChart.rawProperties[name]); }

    internalValidateProperties(context) {
      super.internalValidateProperties(context);
      const type = this.getJsonTypeName();
      for (const problem of checkData(type, SPECS[type], (n) => this.raw(n))) {
        context.addFailure(this, AC.ValidationEvent.InvalidPropertyValue, `${type}: ${problem}`);
      }
    }

    internalRender() {
      const type = this.getJsonTypeName(); const spec = SPECS[type]; const get = (n) => this.raw(n);
      const element = document.createElement('div');
      element.className = 'teams-chart';
      element.setAttribute('data-chart', type);
      if (typeof get('title') === 'string') {
        const title = document.createElement('div');
        title.textContent = get('title');
        title.style.cssText = 'font-weight:600;font-size:13px;color:#242424;margin-bottom:4px';
        element.appendChild(title);
      }
      const root = svg('svg', { width: '100%', role: 'img', 'font-family': 'Segoe UI, system-ui, sans-serif' });
      if (typeof get('title') === 'string') root.setAttribute('aria-label', get('title'));
      const data = Array.isArray(get('data')) ? get('data').filter(isObject) : [];
      const point = (p) => (typeof p.x === 'string' || isNumber(p.x)) && isNumber(p.y);
      let height;
      if (spec.kind === 'bars') {
        height = drawBars(root, data.filter(point), type === 'Chart.HorizontalBar', get('showBarValues') === true, get('color'));
      } else if (spec.kind === 'series') {
        height = drawSeries(root, data.map((s) => ({ legend: s.legend, color: s.color, values: Array.isArray(s.values) ? s.values.filter((p) => isObject(p) && point(p)) : [] })),
          type !== 'Chart.Line', get('color'));
      } else if (spec.kind === 'stacked') {
        height = drawStacked(root, data.map((r) => ({ title: r.title, data: Array.isArray(r.data) ? r.data.filter((p) => isObject(p) && isNumber(p.value)) : [] })));
      } else if (spec.kind === 'slices') {
        height = drawSlices(root, data.filter((s) => isNumber(s.value)), type === 'Chart.Donut');
      } else {
        height = drawGauge(root, get);
      }
      root.setAttribute('viewBox', `0 0 ${W} ${height}`);
      element.appendChild(root);
      return element;
    }
  }
  TeamsChart.rawProperties = {};
  for (const name of RAW) {
    // Kept as written (any JSON) so validation sees exactly what the card says.
    const prop = new AC.CustomProperty(AC.Versions.v1_0, name,
      (sender, p, source) => source[p.name],
      (sender, p, target, value, context) => context.serializeValue(target, p.name, value));
    TeamsChart[name + 'Property'] = prop;
    TeamsChart.rawProperties[name] = prop;
  }
  for (const typeName of Object.keys(SPECS)) {
    const element = class extends TeamsChart {
      getJsonTypeName() { return typeName; }
    };
    AC.GlobalRegistry.elements.register(typeName, element, AC.Versions.v1_5);
  }
}

installTeamsCharts(AC);

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
    await page.addScriptTag({ content: `(${installTeamsCharts.toString()})(AdaptiveCards);` });
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
