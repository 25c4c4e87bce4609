// Runs one end-to-end scenario against a running Agents Playground (and the bot behind it):
//   node playground/run.js <scenario> <playgroundUrl> <outDir> [argsJson]
// Prints the scenario's result as JSON on the last line of stdout. Fails (exit 1) when a step does not happen, or when any
// call between the Playground and the bot failed (4xx/5xx); a screenshot of the moment of failure is saved in <outDir>.
const { Playground } = require('./driver');
const scenarios = require('./scenarios');

(async () => {
  const [name, url, outDir, argsJson] = process.argv.slice(2);
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`Unknown scenario '${name}'; known: ${Object.keys(scenarios).join(', ')}`);
  const playground = await Playground.open(url, outDir);
  try {
    const result = await scenario(playground, argsJson ? JSON.parse(argsJson) : {});
    await playground.settle();
    const failures = playground.failures();
    if (failures.length) throw new Error('Calls failed between the Playground and the bot:\n' + failures.join('\n'));
    process.stdout.write('\n' + JSON.stringify(result || {}) + '\n');
  } catch (e) {
    await playground.shot('failure').catch(() => {});
    await playground.page.content().then(html => require('fs').writeFileSync(require('path').join(outDir, 'failure.html'), html)).catch(() => {});
    throw e;
  } finally {
    await playground.close();
  }
})().catch(e => { console.error(e && e.stack || e); process.exit(1); });
