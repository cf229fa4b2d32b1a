/**
 * The release CLI's start-up: `node assets/cli/index.mjs --help` (no AWS call) and `status`
 * against a fake AWS endpoint on 127.0.0.1 (the Tagging API, CodePipeline and ECS answer at once,
 * so the figure is the CLI's own: loading the bundle and the clients it calls), each in fresh
 * processes, timed to the first byte of output, beside bare node's start-up for scale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './compile';
import type { ReleaseCliTimes } from './release-cli-worker';
import { goal, kb, median, ms, printTable, QUICK, runScript, spread } from './stats';

const RUNS = QUICK ? 3 : 10;
const STATUS_GOAL_MS = 500;

export function runReleaseCliBenchmark(dir: string): void {
  console.log('\n## Release CLI (npx cdk-ecs-release)\n');
  const bundle = path.join(REPO_ROOT, 'assets', 'cli', 'index.mjs');
  if (!fs.existsSync(bundle)) {
    console.log('no assets/cli/index.mjs; run `npm run bundle` first');
    goal('release CLI bundle present', 'none', 'built', false);
    return;
  }
  const times = runScript<ReleaseCliTimes>(dir, 'release-cli-worker.js', [String(RUNS)]);
  const chunks = path.join(path.dirname(bundle), 'chunks');
  const total = fs.readdirSync(chunks).reduce((sum, name) => sum + fs.statSync(path.join(chunks, name)).size, fs.statSync(bundle).size);
  printTable(`fresh node processes, ${RUNS} runs each; status against a fake AWS endpoint on 127.0.0.1; entry ${kb(fs.statSync(bundle).size)}, ${kb(total)} with its chunks`,
    ['command', 'first output min / median / max ms', 'exit min / median / max ms'],
    Object.entries(times).map(([command, t]) => [command.startsWith('node') ? command : `cdk-ecs-release ${command}`, spread(t.firstOutput), spread(t.exit)]));
  const statusMs = median(times.status.firstOutput);
  // Beyond node's own start-up, which the machine's load sets and the CLI cannot change.
  const overNode = statusMs - median(times['node (no CLI)'].firstOutput);
  goal('release CLI `status` start-up to first output (median)', `${ms(statusMs)} ms, ${ms(overNode)} ms over bare node`, `≤ ${STATUS_GOAL_MS} ms`, statusMs <= STATUS_GOAL_MS);
}
