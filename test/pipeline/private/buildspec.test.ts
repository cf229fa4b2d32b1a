import { spawnSync } from 'child_process';
import { EXPORTED_VARIABLES, renderReleaseBuildSpec } from '../../../lib/pipeline/private/buildspec';

/** What Docker accepts as a tag. */
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Runs the build's own command that derives the image tag from a source revision. */
function imageTagOf(revision: string, revisionLength: number): string {
  const spec = renderReleaseBuildSpec({ buildsImage: true, preCheckCommands: [], revisionLength, outputs: [] }) as {
    phases: { pre_build: { commands: string[] } };
  };
  const command = spec.phases.pre_build.commands.find((c) => c.startsWith(`export ${EXPORTED_VARIABLES.imageTag}=`));
  expect(command).toBeDefined();
  const result = spawnSync('bash', ['-c', `${command}; printf '%s' "$${EXPORTED_VARIABLES.imageTag}"`], {
    env: { PATH: process.env.PATH, [EXPORTED_VARIABLES.sourceRevision]: revision },
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('the image tag the build derives from the source revision', () => {
  test('is the short commit id of a Git revision', () => {
    expect(imageTagOf('4f1c7d2e9a0b3c5d7e9f1a2b3c4d5e6f7a8b9c0d', 7)).toBe('4f1c7d2');
  });

  test.each([
    ['an S3 object version starting with a slash', '/L4kqtJl40Nr8X8gdRQBpUMLUo', 128],
    ['an S3 object version starting with a plus', '+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo', 128],
    ['an S3 object version starting with a dot', '.3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY', 128],
    ['a revision longer than a tag may be', `A${'b'.repeat(300)}`, 128],
  ])('is a valid Docker tag for %s', (_what, revision, length) => {
    const tag = imageTagOf(revision, length);
    expect(tag).toMatch(DOCKER_TAG);
  });
});
