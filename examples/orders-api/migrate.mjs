// The example's database migration, run by the release's MigrationHook as a one-off task of the
// new task definition (`npm run db:migrate`, with `-- --dry-run` at production's approval). The
// example has no database: it says what it would do, and exits 0.
const dryRun = process.argv.includes('--dry-run');
console.log(JSON.stringify({ message: dryRun ? 'dry run: no pending migrations' : 'no pending migrations', version: process.env.RELEASE_VERSION ?? 'unknown' }));
