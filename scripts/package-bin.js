// The path of an installed package's command, from its package.json: packages need not export
// their bin files, so `require.resolve` cannot find them. Shared by the scripts that run tools.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');

/** The command `name` (by default the package's own name) of the package `pkg` in node_modules. */
function packageBin(pkg, name = pkg) {
  const dir = path.join(ROOT, 'node_modules', pkg);
  const { bin: bins } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return path.join(dir, typeof bins === 'string' ? bins : bins[name]);
}

module.exports = { packageBin };
