// Validates a Teams app manifest (JSON on stdin) with Microsoft's own @microsoft/app-manifest, offline: the schema of the
// manifest's version bundled in the package, not fetched. Prints {"errors": [...]} (empty when valid).
const fs = require('fs');
const path = require('path');
const { AppManifestUtils } = require('@microsoft/app-manifest');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', async () => {
  try {
    const manifest = JSON.parse(input);
    const schemaPath = path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')),
      'build', 'json-schemas', 'teams', `v${manifest.manifestVersion}`, 'MicrosoftTeams.schema.json');
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
    const errors = await AppManifestUtils.validateAgainstSchema(manifest, schema);
    process.stdout.write(JSON.stringify({ errors }));
  } catch (e) {
    process.stderr.write(String(e && e.stack || e));
    process.exit(1);
  }
});
