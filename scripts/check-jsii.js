#!/usr/bin/env node
// The library as other languages get it, checked in one pass: jsii compiles the public API
// (warnings are errors), jsii-pacmak writes the Python, Java, .NET and Go sources, jsii-docgen
// renders API.md, which must equal the committed one, and jsii-rosetta compiles every example of
// the README and the doc comments against the fixtures in rosetta/ (strict), so each translates.
//
// It works on a copy of the sources in a temporary folder: jsii writes `.jsii` and dist/ into the
// project it compiles, and the checkout's dist/ must not change under tests running beside this.
//
//   node scripts/check-jsii.js            check (a gate of npm test)
//   node scripts/check-jsii.js --update   also write the regenerated API.md into the checkout
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { packageBin: bin } = require('./package-bin');

const ROOT = path.join(__dirname, '..');
/** What jsii, pacmak, docgen and rosetta read: the library's sources, its manifest, README and fixtures. */
const SOURCES = ['package.json', 'tsconfig.jsii.json', 'README.md', 'LICENSE', 'lib', 'contract', 'rosetta'];
/** Each checked rule of jsii is an error except this one: tests run against the newest constructs, not the oldest the peer range admits. */
const SILENCED_WARNINGS = ['metadata/missing-dev-dependency'];

const update = process.argv.includes('--update');
/** The examples' translations, reused while an example and the types it names are unchanged. */
const ROSETTA_CACHE = path.join('rosetta', 'examples.tabl.json.gz');
const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '1', JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' };

/** Runs one step in `cwd`; on failure prints its output and exits. Returns its output. */
function step(name, args, cwd) {
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (Date.now() - started) / 1000;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').filter((line) => !line.startsWith('!!')).join('\n');
  if (result.status !== 0) {
    process.stderr.write(`${output}\n${name} failed (exit ${result.status ?? result.signal}) after ${seconds.toFixed(1)} s\n`);
    process.exit(1);
  }
  console.log(`${name}: ok in ${seconds.toFixed(1)} s`);
  return output;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ecs-release-jsii-'));
try {
  for (const entry of SOURCES) {
    if (fs.existsSync(path.join(ROOT, entry))) {
      fs.cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true });
    }
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  // pacmak packs the copy for its JavaScript target; as the published package, it has no scripts
  // (they need the repository: the handlers are not bundled here, nothing reads them).
  const manifest = JSON.parse(fs.readFileSync(path.join(work, 'package.json'), 'utf8'));
  delete manifest.scripts;
  fs.writeFileSync(path.join(work, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  step('jsii', [bin('jsii'), '--fail-on-warnings', ...SILENCED_WARNINGS.flatMap((rule) => ['--silence-warnings', rule])], work);
  step('jsii-docgen', [bin('jsii-docgen'), '-o', path.join(work, 'API.md')], work);
  const generated = fs.readFileSync(path.join(work, 'API.md'), 'utf8');
  const committedPath = path.join(ROOT, 'API.md');
  const committed = fs.existsSync(committedPath) ? fs.readFileSync(committedPath, 'utf8') : undefined;
  if (generated !== committed) {
    if (update) {
      fs.writeFileSync(committedPath, generated);
      console.log('API.md: regenerated');
    } else {
      process.stderr.write(`API.md is ${committed === undefined ? 'missing' : 'stale'}: it must be what jsii-docgen renders from the `
        + 'public API. Regenerate it with `npm run docgen` and commit it.\n');
      process.exit(1);
    }
  }
  // The committed tablet holds each example's compiled translation: rosetta compiles again only the
  // examples whose text, fixture or referenced types changed (all 54 take 80 s on 2 vCPUs, none 2 s).
  const cache = path.join(work, ROSETTA_CACHE);
  const rosetta = step('jsii-rosetta (every example compiles)', [bin('jsii-rosetta'), 'extract', '--strict', '-v',
    ...(fs.existsSync(cache) ? ['--cache-from', cache] : []), '--cache-to', path.join(work, '.jsii.tabl.json'), '.'], work);
  if (update) {
    // The run's own tablet holds exactly the current examples' translations: kept, compressed, as the next run's cache.
    fs.writeFileSync(path.join(ROOT, ROSETTA_CACHE), zlib.gzipSync(fs.readFileSync(path.join(work, '.jsii.tabl.json'))));
    console.log(`${ROSETTA_CACHE}: regenerated`);
  } else if (!/Reused all \d+ translations from cache/.test(rosetta)) {
    console.log(`${ROSETTA_CACHE} is stale, so some examples were compiled again; refresh it with \`npm run docgen\` and commit it`);
  }
  step('jsii-pacmak --code-only (python, java, dotnet, go)',
    [bin('jsii-pacmak'), '--code-only', '--rosetta-tablet', path.join(work, '.jsii.tabl.json'), '-o', path.join(work, 'dist-packages')], work);
  for (const target of ['python', 'java', 'dotnet', 'go']) {
    if (!fs.existsSync(path.join(work, 'dist-packages', target))) {
      process.stderr.write(`jsii-pacmak wrote no ${target} package into ${path.join(work, 'dist-packages')}\n`);
      process.exit(1);
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
