/**
 * The memory sizes (MiB) Fargate accepts for each CPU size (units).
 * Source: Amazon ECS developer guide, "Task CPU and memory".
 */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) {
    values.push(value);
  }
  return values;
}

/** Returns a sentence saying what is wrong with the pair, or undefined when Fargate accepts it. */
export function fargateSizeProblem(cpu: number, memoryMiB: number): string | undefined {
  const memories = FARGATE_MEMORY_BY_CPU[cpu];
  if (!memories) {
    return `cpu must be one of ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')}, got ${cpu}`;
  }
  if (!memories.includes(memoryMiB)) {
    const first = memories[0];
    const last = memories[memories.length - 1];
    const step = memories.length > 1 ? memories[1] - memories[0] : 0;
    const allowed = memories.length <= 3 ? memories.join(', ') : `${first} to ${last} in steps of ${step}`;
    return `memoryLimitMiB ${memoryMiB} is not a size Fargate accepts with cpu ${cpu}; use ${allowed}`;
  }
  return undefined;
}
