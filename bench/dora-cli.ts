/**
 * `cdk-ecs-release dora` over a busy record table: 10,000 deployments of two services in two
 * stages over 30 days (about 1 KB each, 1,000 to a page as DynamoDB's 1 MB pages hold them),
 * read by the bundled CLI from a fake AWS endpoint on 127.0.0.1, each run a fresh process.
 *
 * The goal, 2 s to the printed table (median): a person waits at the terminal for it. The figure
 * is the CLI's own work (start-up, discovery, unmarshalling and computing 10,000 items) plus the
 * fake's serving on the same machine; against DynamoDB add a round trip per page (~12 pages,
 * four partitions read in parallel, so ~3 sequential pages of tens of milliseconds each).
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './compile';
import type { DoraCliTimes } from './dora-cli-worker';
import { goal, median, ms, printTable, QUICK, runScript, spread } from './stats';

const RUNS = QUICK ? 3 : 10;
const RECORDS = 10_000;
const GOAL_MS = 2000;

export function runDoraCliBenchmark(dir: string): void {
  console.log('\n## Release CLI: dora over 10,000 records\n');
  if (!fs.existsSync(path.join(REPO_ROOT, 'assets', 'cli', 'index.mjs'))) {
    console.log('no assets/cli/index.mjs; run `npm run bundle` first');
    goal('release CLI `dora` over 10,000 records', 'none', 'built', false);
    return;
  }
  const times = runScript<DoraCliTimes>(dir, 'dora-cli-worker.js', [String(RUNS), String(RECORDS)]);
  printTable(`fresh node processes, ${RUNS} runs; ${RECORDS} deployments in 4 partitions, ${times.queriesPerRun} Query calls a run`,
    ['command', 'exit min / median / max ms'], [['cdk-ecs-release dora', spread(times.exit)]]);
  const medianMs = median(times.exit);
  // A run that counted fewer releases than the table holds did not read every page: no figure then.
  const complete = times.releases === RECORDS;
  goal('release CLI `dora` over 10,000 records (median)', `${ms(medianMs)} ms, ${times.releases} releases counted`,
    `≤ ${GOAL_MS / 1000} s, all ${RECORDS} counted`, complete && medianMs <= GOAL_MS);
}
