/** Times one fresh node process from spawn to its first byte of output and to its exit. */
import { spawn } from 'child_process';

export interface ProcessTime {
  readonly firstOutput: number;
  readonly exit: number;
}

/** Runs `node <args>` with `env`; it must exit 0 and print something. */
export function timeNode(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessTime> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    let firstOutput: number | undefined;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const seen = () => {
      firstOutput ??= elapsed();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && firstOutput !== undefined
      ? resolve({ firstOutput, exit: elapsed() })
      : reject(new Error(`node ${args.join(' ')} exited with ${code}`))));
  });
}
