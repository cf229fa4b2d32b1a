import { runHookBenchmarks } from './hooks';
import { runSynthBenchmarks } from './synth';

/** `npm run bench`: every benchmark, one after the other, in one process. */
async function main(): Promise<void> {
  await runSynthBenchmarks();
  await runHookBenchmarks();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
