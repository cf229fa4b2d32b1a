/**
 * Precompiles the TypeScript the measured processes run (lib, contract, bin, lambda, bench) to
 * plain CommonJS in a temporary folder, with esbuild one file at a time (no bundling, so module
 * boundaries and load order stay as in the sources).
 *
 * Why not `node -r ts-node/register/transpile-only` in every child: each child would transpile
 * the whole library again, adding seconds of wall time per process on a shared 2-vCPU machine
 * and making the bench take minutes longer; plain node on precompiled output starts in a fraction
 * of that. The timings are taken inside each child around `app.synth()`, so how the code was
 * compiled does not enter them either way.
 *
 * The temporary folder gets a package.json with this package's name and links to `assets` and
 * `node_modules`, so the library finds its bundled handlers exactly as it does from the sources.
 */
import { buildSync } from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['lib', 'contract', 'bin', 'lambda', 'bench'];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return tsFiles(full);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Compiles into a fresh temporary folder and returns it; `removeCompiled` deletes it. */
export function compileForBench(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ecs-release-bench-'));
  const entryPoints = SOURCE_DIRS.flatMap((dir) => tsFiles(path.join(REPO_ROOT, dir)));
  buildSync({
    entryPoints,
    outdir,
    outbase: REPO_ROOT,
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: false,
    logLevel: 'error',
    // import() becomes require(), as tsc does for CommonJS; node's ESM loader would not resolve folder imports.
    supported: { 'dynamic-import': false },
  });
  for (const file of ['package.json', 'cdk.json']) {
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(outdir, file));
  }
  for (const link of ['assets', 'node_modules']) {
    fs.symlinkSync(path.join(REPO_ROOT, link), path.join(outdir, link), 'dir');
  }
  return outdir;
}

export function removeCompiled(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
