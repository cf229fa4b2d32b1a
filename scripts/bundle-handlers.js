#!/usr/bin/env node
// Bundles each Lambda handler in lambda/<name>/index.ts into assets/handlers/<name>/index.js, and the
// programs the pipeline's builds run (not Lambda) into assets/<name>: the artifact writer
// (lambda/artifact-writer) and the migration dry run (lambda/migration-dry-run).
// Runs from the npm `prepare` script, so `npm ci` leaves the bundles ready and users of the
// package need neither esbuild nor Docker at synth time. Writes the third-party packages each
// bundle holds to assets/bundled-packages.json (not shipped): NOTICE must name each of them, which
// test/packaging checks.
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const lambdaDir = path.join(root, 'lambda');
const outRoot = path.join(root, 'assets', 'handlers');
// Programs the pipeline's builds run, bundled whole into assets/<name>/index.js.
const PROGRAMS = ['artifact-writer', 'migration-dry-run'];
// Folders of lambda/ that are not Lambda handlers: the hook runtime, and the programs.
const NOT_HANDLERS = new Set(['shared', ...PROGRAMS]);
// The third-party packages bundled, each with the bundles that hold it.
const bundledPackages = new Map();

/** Records the packages under node_modules that esbuild read into `bundle`. */
function recordPackages(bundle, metafile) {
  for (const input of Object.keys(metafile.inputs)) {
    const name = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(input)?.[1];
    if (name) {
      bundledPackages.set(name, new Set([...(bundledPackages.get(name) ?? []), bundle]));
    }
  }
}

function handlerNames() {
  return fs.readdirSync(lambdaDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !NOT_HANDLERS.has(entry.name))
    .filter((entry) => fs.existsSync(path.join(lambdaDir, entry.name, 'index.ts')))
    .map((entry) => entry.name)
    .sort();
}

async function main() {
  fs.rmSync(outRoot, { recursive: true, force: true });
  const names = handlerNames();
  for (const name of names) {
    const outfile = path.join(outRoot, name, 'index.js');
    const result = await esbuild.build({
      entryPoints: [path.join(lambdaDir, name, 'index.ts')],
      outfile,
      bundle: true,
      minify: true,
      sourcemap: false,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      // The Lambda Node.js runtime ships the AWS SDK v3; bundling it again would only add size.
      external: ['@aws-sdk/*', '@smithy/*'],
      // Client packages are loaded with import() on first use; as a lazy require() they load from the
      // same module cache as everything else (so one instance of each client class), and a single
      // file stays enough.
      supported: { 'dynamic-import': false },
      logLevel: 'warning',
      legalComments: 'none',
      metafile: true,
    });
    recordPackages(`handlers/${name}`, result.metafile);
    const bytes = fs.statSync(outfile).size;
    console.log(`bundled ${name}: ${(bytes / 1024).toFixed(1)} KB`);
  }
  if (names.length === 0) {
    console.log('no handlers to bundle');
  }
  for (const name of PROGRAMS) {
    await bundleProgram(name);
  }
  await bundleCli();
  const packages = Object.fromEntries([...bundledPackages].sort(([a], [b]) => a.localeCompare(b)).map(([name, bundles]) => [name, [...bundles].sort()]));
  fs.writeFileSync(path.join(root, 'assets', 'bundled-packages.json'), `${JSON.stringify(packages, null, 2)}\n`);
}

// The release pipeline's builds run these programs with CodeBuild's Node.js, which has no AWS SDK
// v3: everything, the SDK clients the dry run calls included, is bundled in.
async function bundleProgram(name) {
  const outfile = path.join(root, 'assets', name, 'index.js');
  fs.rmSync(path.dirname(outfile), { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: [path.join(lambdaDir, name, 'index.ts')],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
  recordPackages(name, result.metafile);
  console.log(`bundled ${name}: ${(fs.statSync(outfile).size / 1024).toFixed(1)} KB`);
}

// The release CLI (`npx cdk-ecs-release`) runs on a person's machine: the SDK clients it calls are
// bundled in, so nobody installs SDK packages to use it. ES modules split into chunks, so that each
// client package is read from disk and parsed only when a command first calls it: `--help` reads
// the small entry alone, `status` the clients it calls (a single file would parse all of them).
async function bundleCli() {
  const outdir = path.join(root, 'assets', 'cli');
  fs.rmSync(outdir, { recursive: true, force: true });
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'cli', 'index.ts')],
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // The SDK's ES module builds, which split along its packages.
    mainFields: ['module', 'main'],
    // The few CommonJS dependencies inside require Node.js's own modules, which an ES module does with createRequire.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cdkEcsReleaseRequire } from 'node:module'; const require = __cdkEcsReleaseRequire(import.meta.url);" },
    define: { 'process.env.CDK_ECS_RELEASE_VERSION': JSON.stringify(version) },
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
  recordPackages('cli', result.metafile);
  const entry = path.join(outdir, 'index.mjs');
  fs.chmodSync(entry, 0o755);
  const total = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  console.log(`bundled cli: ${(fs.statSync(entry).size / 1024).toFixed(1)} KB entry, ${(total / 1024).toFixed(1)} KB with its chunks`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
