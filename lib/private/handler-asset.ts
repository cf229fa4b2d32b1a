import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The `name` in this package's package.json. */
const PACKAGE_NAME = 'cdk-ecs-release';

const rootCache = new Map<string, string>();

/**
 * The folder of this package's package.json, found by walking up from `from`. Works from the
 * TypeScript sources (`lib/private`, under ts-node or jest) and from the compiled `dist/lib/private`,
 * in this repository or installed under `node_modules/cdk-ecs-release`.
 */
export function packageRoot(from: string = __dirname): string {
  const cached = rootCache.get(from);
  if (cached) {
    return cached;
  }
  let dir = path.resolve(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) {
      rootCache.set(from, dir);
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${from}; the package is incomplete, reinstall it`);
    }
    dir = parent;
  }
}

/**
 * The folder of a bundled hook handler, `assets/handlers/<name>`, holding `index.js`.
 * Throws a message saying how to build it when the bundle is missing.
 */
export function handlerAssetPath(name: string, from: string = __dirname): string {
  const root = packageRoot(from);
  const dir = path.join(root, 'assets', 'handlers', name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(`the bundled '${name}' hook handler is missing (expected ${path.join(dir, 'index.js')}); `
      + 'run `npm run bundle` in the cdk-ecs-release package (npm ci and npm run build do it too)');
  }
  return dir;
}

/**
 * The bundled artifact writer the build runs, `assets/artifact-writer/index.js` at the package root.
 * Throws a message saying how to build it when the bundle is missing.
 */
export function artifactWriterBundlePath(from: string = __dirname): string {
  const file = path.join(packageRoot(from), 'assets', 'artifact-writer', 'index.js');
  if (!fs.existsSync(file)) {
    throw new Error(`the bundled artifact writer is missing (expected ${file}); `
      + 'run `npm run bundle` in the cdk-ecs-release package (npm ci and npm run build do it too)');
  }
  return file;
}

/**
 * The bundled migration dry run a pipeline stage runs before its approval,
 * `assets/migration-dry-run/index.js` at the package root. Throws a message saying how to build it
 * when the bundle is missing.
 */
export function migrationDryRunBundlePath(from: string = __dirname): string {
  const file = path.join(packageRoot(from), 'assets', 'migration-dry-run', 'index.js');
  if (!fs.existsSync(file)) {
    throw new Error(`the bundled migration dry run is missing (expected ${file}); `
      + 'run `npm run bundle` in the cdk-ecs-release package (npm ci and npm run build do it too)');
  }
  return file;
}

/** Lambda code of a bundled hook handler; its entry point is `index.handler`. */
export function handlerCode(name: string): lambda.Code {
  return lambda.Code.fromAsset(handlerAssetPath(name));
}

function readPackageName(manifest: string): string | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}
