import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService, MigrationHook } from '../../lib';
import { logStreamPrefixProblem } from '../../lib/service/private/imported-service';
import { recordedProblems } from '../../lib/private/validation';
import { mockCluster, testImage } from '../util';
import { importAttributes } from './imported-fixture';

/** A service defined in stack A, imported in stack B with `logStreamPrefix`, and a migration hook on the import. */
function importedWithPrefix(logStreamPrefix: string | undefined) {
  const app = new App({ builtinCloudFormationValidation: false });
  const a = new Stack(app, 'ServiceStack');
  const { cluster } = mockCluster(a);
  const defined = new BlueGreenService(a, 'Orders', { cluster, image: testImage, serviceName: 'orders-api' });
  const b = new Stack(app, 'ReleaseStack');
  const service = BlueGreenService.fromBlueGreenServiceAttributes(b, 'Orders', importAttributes(b, defined, {
    containerName: defined.containerName,
    logStreamPrefix,
  }));
  new MigrationHook(b, 'Migrate', { service, command: ['npm', 'run', 'migrate'] });
  return { app, b, defined, service };
}

describe('an imported service\'s logStreamPrefix', () => {
  test.each([
    ['p:q*', 'holds \':\' at index 1, got \'p:q*\', which CloudWatch Logs refuses in a log stream name'],
    ['orders*', 'holds \'*\' at index 6, got \'orders*\', which CloudWatch Logs refuses in a log stream name'],
    ['', 'is empty; give the awslogs stream prefix of the container (awslogs-stream-prefix), or leave logStreamPrefix unset when it has none'],
  ])('fails when it is %j', (prefix, detail) => {
    expect(logStreamPrefixProblem(prefix, 'web')).toContain(detail);
  });

  test('fails when the stream name <prefix>/<container>/<task id> would exceed 512 characters', () => {
    // 512 - 'web'.length - 32 - 2 = 475.
    expect(logStreamPrefixProblem('p'.repeat(475), 'web')).toBeUndefined();
    expect(logStreamPrefixProblem('p'.repeat(476), 'web')).toBe('is 476 characters, but the awslogs stream name \'<prefix>/<container>/<task id>\' '
      + 'then exceeds CloudWatch Logs\' 512 characters: with container \'web\' and a 32-character task id, the prefix may have at most 475; '
      + 'give the awslogs stream prefix the container logs with');
    expect(logStreamPrefixProblem('p'.repeat(1000), 'web')).toMatch(/^is 1000 characters/);
    // A container name known only at deployment may have ECS's 255 characters.
    const container = Lazy.string({ produce: () => 'web' });
    expect(logStreamPrefixProblem('p'.repeat(223), container)).toBeUndefined();
    expect(logStreamPrefixProblem('p'.repeat(224), container)).toMatch(/with a container name of up to 255 .* at most 223;/);
  });

  test('passes a token, and prefixes with \'/\', \'-\' and \'.\'', () => {
    expect(logStreamPrefixProblem(Lazy.string({ produce: () => 'p:q' }), 'web')).toBeUndefined();
    expect(logStreamPrefixProblem('orders-api/v2.1', 'web')).toBeUndefined();
    expect(logStreamPrefixProblem(undefined, 'web')).toBeUndefined();
  });

  test('fails the synthesis naming the imported service and the prefix, and gives the migration hook no prefix', () => {
    const { app, service } = importedWithPrefix('p:q*');
    expect(recordedProblems(service)).toEqual([
      'ReleaseStack/Orders: invalid logStreamPrefix: holds \':\' at index 1, got \'p:q*\', which CloudWatch Logs refuses in a log stream name; '
        + 'give the awslogs stream prefix the container logs with',
    ]);
    expect(service.logStreamPrefix).toBeUndefined();
    expect(() => app.synth({ force: true })).toThrow('ReleaseStack/Orders: invalid logStreamPrefix: holds \':\' at index 1');
  });

  test('writes a valid prefix into the migration hook\'s configuration', () => {
    const { b, service } = importedWithPrefix('orders-api/v2');
    expect(recordedProblems(service)).toEqual([]);
    expect(JSON.stringify(Template.fromStack(b).toJSON())).toContain('\\"logStreamPrefix\\":\\"orders-api/v2\\"');
  });
});
