/**
 * `npx cdk-ecs-release <command>`: operates the releases of the services and pipelines this
 * library created, found by their tags. Bundled into assets/cli/index.js.
 */
import { main } from './main';

// The SDK in this bundle is fixed at build time: its warning about its future Node.js support
// concerns SDK updates the bundle never gets, and would only crowd every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`cdk-ecs-release: ${String(error)}\n`);
  process.exitCode = 1;
});
