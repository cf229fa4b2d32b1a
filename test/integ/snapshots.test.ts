/**
 * The integration tests' snapshots: what each integ app synthesizes (the stack under test and the
 * assertion stack) must equal what is committed in `integ.<name>.ts.snapshot/`, as integ-runner
 * checks before it deploys. A change to the library that changes what they deploy shows in the
 * pull request as a snapshot diff.
 *
 * Update them with `INTEG_UPDATE=1 npx jest test/integ` (offline), or, against an account, with
 * `npx integ-runner --directory test/integ --update-on-failed` once an integ-runner that reads this
 * aws-cdk-lib's cloud assembly is published.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';

const INTEG_APPS = ['integ.codedeploy-engine', 'integ.ecs-engine'];
const update = process.env.INTEG_UPDATE === '1';

/** Every template the app synthesizes, by file name, as integ-runner's snapshot holds them. */
function synthesizedTemplates(app: App): Record<string, string> {
  const assembly = app.synth();
  const templates: Record<string, string> = {};
  for (const artifact of assembly.stacks) {
    // The assertions' custom resources carry the synthesis time as `salt`, so they run on every deployment.
    templates[artifact.templateFile] = `${JSON.stringify(artifact.template, (key, value: unknown) => (key === 'salt' ? '<synthesis time>' : value), 1)}\n`;
  }
  return templates;
}

describe.each(INTEG_APPS)('%s', (name) => {
  const snapshotDir = path.join(__dirname, `${name}.ts.snapshot`);

  test('synthesizes what its committed snapshot holds', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { app } = require(`./${name}`) as { app: App };
    const templates = synthesizedTemplates(app);
    expect(Object.keys(templates).length).toBe(2);
    if (update) {
      fs.rmSync(snapshotDir, { recursive: true, force: true });
      fs.mkdirSync(snapshotDir, { recursive: true });
      for (const [file, text] of Object.entries(templates)) {
        fs.writeFileSync(path.join(snapshotDir, file), text);
      }
    }
    const committed = fs.existsSync(snapshotDir) ? fs.readdirSync(snapshotDir).sort() : [];
    expect(committed).toEqual(Object.keys(templates).sort());
    for (const [file, text] of Object.entries(templates)) {
      // A readable diff on failure: the first differing template, parsed.
      expect({ file, template: JSON.parse(text) as unknown })
        .toEqual({ file, template: JSON.parse(fs.readFileSync(path.join(snapshotDir, file), 'utf8')) as unknown });
    }
  });
});
