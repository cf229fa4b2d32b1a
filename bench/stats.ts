/** Shared by the benchmarks: summaries, formatting, tables, goal lines and child processes. */
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';

/** `BENCH_QUICK=1`: fewer rounds and runs, for a quick look while developing. */
export const QUICK = process.env.BENCH_QUICK === '1';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle];
}

/** `min / median / max` of `values` in milliseconds, `-` when there are none. */
export function spread(values: number[]): string {
  if (values.length === 0) {
    return '-';
  }
  return `${ms(Math.min(...values))} / ${ms(median(values))} / ${ms(Math.max(...values))}`;
}

export function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** Prints rows as an aligned plain-text table. */
export function printTable(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells.slice(1)) {
    console.log(line(row));
  }
}

export interface Goal {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  /** Undefined when the run did not measure it. */
  readonly pass?: boolean;
}

const goals: Goal[] = [];

/** Records a goal; `printGoals` prints each on one line. */
export function goal(name: string, measured: string, target: string, pass: boolean): void {
  goals.push({ name, measured, target, pass });
}

/** A goal this run did not measure: its line says so, neither PASS nor MISS. */
export function notMeasured(name: string, target: string, why: string): void {
  goals.push({ name, measured: why, target });
}

export function printGoals(): void {
  console.log('\n## Goals\n');
  for (const g of goals) {
    console.log(`${g.name}: ${g.measured} (goal ${g.target}) ${g.pass === undefined ? 'NOT MEASURED' : g.pass ? 'PASS' : 'MISS'}`);
  }
}

/** Runs a precompiled bench script in a fresh node process and parses the JSON line it prints. */
export function runScript<T>(compiledDir: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}): T {
  const output = execFileSync(process.execPath, ['--no-deprecation', '--no-warnings', '--expose-gc', path.join(compiledDir, 'bench', script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    // Warnings the children print (validation findings, deprecations) are not the bench's output.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = output.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** Wall-clock milliseconds of a command, which must succeed. */
export function timeCommand(command: string, args: string[], cwd: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${(result.stderr || result.stdout).split('\n')[0]}`);
  }
  return elapsed;
}
