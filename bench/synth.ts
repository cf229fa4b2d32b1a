/**
 * Synth benchmarks, every measured synth in a fresh node process (see synth-worker.ts):
 * - the library's one-service stack against the stock aws-cdk-lib anchor of the same resources,
 *   in interleaved pairs (A B, B A, A B, ...) so drift in the machine's load hits both sides alike,
 *   with the built-in CloudFormation validation on and off;
 * - the library at N services in one stack, each with every hook and the rollback alarms (validation off);
 * - one such service on each engine, CodeDeploy and Amazon ECS, in interleaved pairs.
 */
import { MAX_STACK_RESOURCES as STACK_RESOURCE_LIMIT } from '../lib/service/private/stack-capacity';
import { goal, kb, median, printTable, QUICK, runScript, spread } from './stats';
import type { WorkerRequest, WorkerResult } from './synth-worker';

const ROUNDS = QUICK ? 2 : 8;
const WARM = QUICK ? 2 : 5;
const SCALE_PROCESSES = QUICK ? 1 : 3;
const SCALE_WARM = QUICK ? 1 : 3;
const SCALE_SIZES = [1, 5, 10, 20];
const RATIO_GOAL = 1.15;

interface Samples {
  readonly first: number[];
  readonly warm: number[];
  last?: WorkerResult;
}

function synthInChild(dir: string, request: WorkerRequest, validation: boolean): WorkerResult {
  return runScript<WorkerResult>(dir, 'synth-worker.js', [JSON.stringify(request)], validation ? {} : { CDK_VALIDATION: 'false' });
}

function collect(samples: Samples, result: WorkerResult): void {
  if (result.error) {
    throw new Error(`synth failed: ${result.error}`);
  }
  samples.first.push(result.firstMs);
  samples.warm.push(...result.warmMs);
  samples.last = result;
}

/** One service with every hook and the rollback alarms on each engine, interleaved, validation on. */
function engines(dir: string): void {
  console.log('\n## Synth: one service with every hook, CodeDeploy engine against Amazon ECS engine\n');
  const codeDeploy: Samples = { first: [], warm: [] };
  const ecs: Samples = { first: [], warm: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order: Array<['scale' | 'scale-ecs', Samples]> = [['scale', codeDeploy], ['scale-ecs', ecs]];
    if (round % 2 === 1) {
      order.reverse();
    }
    for (const [scenario, samples] of order) {
      collect(samples, synthInChild(dir, { scenario, services: 1, warm: WARM }, true));
    }
  }
  printTable(`${ROUNDS} interleaved rounds, 1 first + ${WARM} warm synths per process, validation on`,
    ['engine', 'first synth ms', 'warm synth ms', 'resources', 'template'],
    [['CodeDeploy', codeDeploy], ['Amazon ECS', ecs]].map(([name, s]) => {
      const samples = s as Samples;
      return [name as string, spread(samples.first), spread(samples.warm), samples.last?.resources ?? 0, kb(samples.last?.templateBytes ?? 0)];
    }));
  console.log(`ratio ECS / CodeDeploy (medians): first ${(median(ecs.first) / median(codeDeploy.first)).toFixed(2)}x, `
    + `warm ${(median(ecs.warm) / median(codeDeploy.warm)).toFixed(2)}x`);
}

function pairs(dir: string, validation: boolean): { library: Samples; anchor: Samples } {
  const library: Samples = { first: [], warm: [] };
  const anchor: Samples = { first: [], warm: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order: Array<['library' | 'anchor', Samples]> = [['library', library], ['anchor', anchor]];
    if (round % 2 === 1) {
      order.reverse();
    }
    for (const [scenario, samples] of order) {
      collect(samples, synthInChild(dir, { scenario, warm: WARM }, validation));
    }
  }
  return { library, anchor };
}

/** Resource types the library's stack has more of than the anchor's, as `Type +n`. */
function libraryExtras(library: WorkerResult, anchor: WorkerResult): string {
  const extras = Object.entries(library.resourceTypes)
    .map(([type, count]): [string, number] => [type, count - (anchor.resourceTypes[type] ?? 0)])
    .filter(([, extra]) => extra > 0)
    .map(([type, extra]) => `${type.replace(/^AWS::/, '')} +${extra}`);
  return extras.length > 0 ? extras.join(', ') : 'nothing';
}

function compareWithAnchor(dir: string): void {
  console.log('\n## Synth: one BlueGreenService against the stock aws-cdk-lib anchor\n');
  console.log(`${ROUNDS} interleaved rounds (A B, B A, ...), each side a fresh node process per round: `
    + `1 first synth + ${WARM} warm synths in it. Times in ms, min / median / max.`);
  for (const validation of [true, false]) {
    const { library, anchor } = pairs(dir, validation);
    const label = `validation ${validation ? 'on' : 'off'}`;
    printTable(`Built-in CloudFormation ${label}`,
      ['stack', 'first synth ms', 'warm synth ms', 'resources', 'template'],
      [['library (bench/library-stack.ts)', library], ['anchor (bench/handwritten-stack.ts)', anchor]].map(([name, s]) => {
        const samples = s as Samples;
        return [name as string, spread(samples.first), spread(samples.warm), samples.last?.resources ?? 0, kb(samples.last?.templateBytes ?? 0)];
      }));
    const firstRatio = median(library.first) / median(anchor.first);
    const warmRatio = median(library.warm) / median(anchor.warm);
    console.log(`ratio library / anchor (medians): first ${firstRatio.toFixed(2)}x, warm ${warmRatio.toFixed(2)}x`);
    if (validation && library.last && anchor.last) {
      console.log(`the library's stack adds beyond the anchor's resources: ${libraryExtras(library.last, anchor.last)}`);
    }
    goal(`first synth, library / stock anchor, ${label}`, `${firstRatio.toFixed(2)}x`, `≤ ${RATIO_GOAL}x`, firstRatio <= RATIO_GOAL);
    goal(`warm synth, library / stock anchor, ${label}`, `${warmRatio.toFixed(2)}x`, `≤ ${RATIO_GOAL}x`, warmRatio <= RATIO_GOAL);
  }
}

interface ScalePoint {
  readonly services: number;
  readonly samples: Samples;
  readonly error?: string;
}

/** Raised in the children so that stacks past the limit still synthesize and can be timed. */
const TIMING_RESOURCE_LIMIT = 5000;

function scalePoints(dir: string, scenario: 'scale' | 'scale-shared', sizes: number[], processes: number, warm: number): ScalePoint[] {
  return sizes.map((services) => {
    const samples: Samples = { first: [], warm: [] };
    for (let run = 0; run < processes; run++) {
      const result = synthInChild(dir, { scenario, services, warm, resourceLimit: TIMING_RESOURCE_LIMIT }, false);
      if (result.error) {
        return { services, samples, error: result.error };
      }
      collect(samples, result);
    }
    return { services, samples };
  });
}

function fits(point: ScalePoint): boolean {
  return !point.error && (point.samples.last?.resources ?? Infinity) <= STACK_RESOURCE_LIMIT;
}

/** Resources and template bytes a service adds: the slope from `one` to `wide`, so the shared VPC and cluster do not count. */
function perService(one: ScalePoint, wide: ScalePoint): { readonly resources: number; readonly bytes: number } | undefined {
  const [first, last] = [one.samples.last, wide.samples.last];
  if (!first || !last || wide.services <= one.services) {
    return undefined;
  }
  const extra = wide.services - one.services;
  return { resources: (last.resources - first.resources) / extra, bytes: (last.templateBytes - first.templateBytes) / extra };
}

/** The goal that `point`'s stack fits CloudFormation's limit. */
function fitGoal(name: string, point: ScalePoint | undefined): void {
  goal(name, point?.error ? point.error.slice(0, 160) : `${point?.samples.last?.resources ?? 'not run'} resources`,
    `≤ ${STACK_RESOURCE_LIMIT} resources`, point !== undefined && fits(point));
}

function scaleTable(title: string, points: ScalePoint[]): void {
  printTable(title, ['services', 'resources', 'template', 'first synth ms', 'warm synth ms'], points.map((p) => (p.error
    ? [p.services, 'MISS', '-', '-', `synth threw ${p.error.slice(0, 90)}`]
    : [p.services, `${p.samples.last?.resources ?? 0}${fits(p) ? '' : ` (over ${STACK_RESOURCE_LIMIT})`}`,
      kb(p.samples.last?.templateBytes ?? 0), spread(p.samples.first), spread(p.samples.warm)])));
}

function scale(dir: string): void {
  console.log('\n## Synth: N services in one stack, each with every hook and the rollback alarms\n');
  console.log(`${SCALE_PROCESSES} fresh process(es) per N, 1 first + ${SCALE_WARM} warm synth(s) each, validation off: the `
    + 'validator\'s start-up, the same at every N, would hide how synthesis grows with N (the anchor pair above measures it), '
    + `and it refuses a stack past CloudFormation's ${STACK_RESOURCE_LIMIT} resources. aws-cdk-lib's limit is raised in these `
    + 'processes for the same reason: a stack past it is still timed, and judged by its count.');
  const points = scalePoints(dir, 'scale', SCALE_SIZES, SCALE_PROCESSES, SCALE_WARM);
  scaleTable('Scale, CodeDeploy engine, a load balancer per service', points);

  const ok = points.filter((p) => !p.error && p.samples.last);
  const one = ok.find((p) => p.services === 1);
  const widest = ok[ok.length - 1];
  const per = one && widest ? perService(one, widest) : undefined;
  if (per) {
    goal('resources per service with all hooks and alarms', `${per.resources.toFixed(1)} (N=1→${widest.services})`, '≤ 30', per.resources <= 30);
    goal('template bytes per service with all hooks and alarms', `${kb(per.bytes)} (N=1→${widest.services})`, '≤ 20 KB', per.bytes <= 20 * 1024);
  }
  const twenty = points.find((p) => p.services === 20);
  fitGoal('20 services with every hook fit one stack', twenty);
  if (twenty?.samples.last && one) {
    const ratio = median(twenty.samples.first) / median(one.samples.first);
    goal('first synth, 20 services / 1 service', `${ratio.toFixed(2)}x`, '≤ 20x', ratio <= 20);
  } else {
    goal('first synth, 20 services / 1 service', 'not measurable: 20 services do not synthesize', '≤ 20x', false);
  }

  // The layout that holds many services in a stack: one load balancer, a host rule per service.
  const shared = scalePoints(dir, 'scale-shared', [1, 20], 1, 1);
  scaleTable('Scale, Amazon ECS engine, one SharedLoadBalancer routing by host', shared);
  const sharedOne = shared.find((p) => p.services === 1);
  const sharedTwenty = shared.find((p) => p.services === 20);
  const sharedPer = sharedOne && sharedTwenty ? perService(sharedOne, sharedTwenty) : undefined;
  if (sharedPer) {
    console.log(`per service behind the shared load balancer: ${sharedPer.resources.toFixed(1)} resources, ${kb(sharedPer.bytes)}`);
  }
  fitGoal('20 services with every hook fit one stack, sharing a load balancer (ECS engine)', sharedTwenty);
}

export function runSynthBenchmarks(dir: string): void {
  compareWithAnchor(dir);
  scale(dir);
  engines(dir);
}
