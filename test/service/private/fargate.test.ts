import { FARGATE_MEMORY_BY_CPU, fargateSizeProblem } from '../../../lib/service/private/fargate';

describe('fargateSizeProblem', () => {
  test('accepts every documented pair and rejects off-step sizes', () => {
    for (const [cpu, memories] of Object.entries(FARGATE_MEMORY_BY_CPU)) {
      for (const memory of memories) {
        expect(fargateSizeProblem(Number(cpu), memory)).toBeUndefined();
      }
      expect(fargateSizeProblem(Number(cpu), memories[0] - 1)).toMatch(/is not a size Fargate accepts/);
    }
  });

  test('names the documented boundaries', () => {
    expect(FARGATE_MEMORY_BY_CPU[4096]).toContain(30720);
    expect(FARGATE_MEMORY_BY_CPU[8192]).toEqual([16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440]);
    expect(fargateSizeProblem(16384, 122880)).toBeUndefined();
    expect(fargateSizeProblem(128, 512)).toMatch(/cpu must be one of/);
  });
});
