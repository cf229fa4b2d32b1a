/**
 * The dry-run build's command, run by bash against a stand-in `aws` CLI and a stand-in program
 * (what `aws s3 cp` fetches) that exits as the scenario says.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DRY_RUN_ENV } from '../../../contract/migration-dry-run';
import { renderDryRunCommand } from '../../../lib/pipeline/private/migration-dry-run';

/** A stand-in `aws`: records its calls; `s3 cp s3://… <file>` writes the stand-in program there. */
const FAKE_AWS = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_DIR/calls"
if [ "$1 $2" = "s3 cp" ] && [ "\${3#s3://}" != "$3" ]; then cp "$FAKE_DIR/program.js" "$4"; exit 0; fi
if [ "$1 $2" = "s3 cp" ]; then cp "$3" "$FAKE_DIR/uploaded"; exit "\${FAKE_UPLOAD_EXIT:-0}"; fi
exit 2
`;

/** The stand-in program: writes its output and variables, and exits with FAKE_EXIT. */
const FAKE_PROGRAM = `
const fs = require('fs');
const args = process.argv.slice(2);
const code = Number(process.env.FAKE_EXIT);
if (code !== 1) {
  fs.writeFileSync(args[args.indexOf('--output') + 1], 'Plan: ALTER TABLE orders ADD COLUMN note text\\n');
  fs.writeFileSync(args[args.indexOf('--variables') + 1], "export DRY_RUN_SUMMARY='The dry run ' \\nexport DRY_RUN_EXIT_CODE='" + code + "'\\n");
}
process.exit(code);
`;

function run(exit: number, env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dry-run-command-'));
  try {
    fs.writeFileSync(path.join(dir, 'aws'), FAKE_AWS, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'program.js'), FAKE_PROGRAM);
    // As CodeBuild runs it: then the exported variables are read from the same shell.
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', `${renderDryRunCommand()}\necho "exported: $DRY_RUN_SUMMARY|$DRY_RUN_EXIT_CODE"`], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: `${dir}:${process.env.PATH}`, FAKE_DIR: dir, FAKE_EXIT: String(exit),
        [DRY_RUN_ENV.programUrl]: 's3://assets/program.js', [DRY_RUN_ENV.outputBucket]: 'artifacts',
        [DRY_RUN_ENV.outputObject]: 'migration-dry-runs/e-1/Production.log', [DRY_RUN_ENV.outputKey]: 'arn:aws:kms:eu-west-1:111111111111:key/k',
        ...env,
      },
    });
    const read = (name: string) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : undefined);
    return { ...result, calls: read('calls')?.trim().split('\n') ?? [], uploaded: read('uploaded') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the dry-run build command', () => {
  test('a dry run that passes: keeps the output encrypted with the artifact key, and leaves the variables in the shell', () => {
    const result = run(0);

    expect(result.status).toBe(0);
    expect(result.calls[1]).toBe('s3 cp ' + result.calls[1].split(' ')[2]
      + ' s3://artifacts/migration-dry-runs/e-1/Production.log --only-show-errors --sse aws:kms --sse-kms-key-id arn:aws:kms:eu-west-1:111111111111:key/k');
    expect(result.uploaded).toBe('Plan: ALTER TABLE orders ADD COLUMN note text\n');
    expect(result.stdout).toContain('exported: The dry run |0');
  });

  test('a dry run that fails: the output is still kept, and the build fails with the program\'s code', () => {
    const result = run(2);

    expect(result.status).toBe(2);
    expect(result.uploaded).toBe('Plan: ALTER TABLE orders ADD COLUMN note text\n');
    expect(result.stderr).toContain('The migration dry run failed: the release stops before its approval');
    expect(result.stdout).not.toContain('exported:');
  });

  test('a program that could not run (no output) fails the build without an upload', () => {
    const result = run(1);

    expect(result.status).toBe(1);
    expect(result.calls).toHaveLength(1);
  });

  test('an upload that fails does not hide the verdict', () => {
    const result = run(0, { FAKE_UPLOAD_EXIT: '1' });

    expect(result.status).toBe(0);
    expect(result.stderr).toContain('Could not keep the output in the artifact bucket; the build log above holds it');
  });
});
