import {
  RECORD_EVENT_TYPES, quote, recentDeploymentsQuery, recentReleasesQuery,
} from '../../../lib/observability/private/deployment-record-queries';

/*
 * The events the deployment record holds, in the shapes EventBridge delivers them (the examples
 * of the CodePipeline and CodeDeploy user guides), and the states each kind of event can carry.
 */
const EVENTS: Record<string, Record<string, unknown>> = {
  [RECORD_EVENT_TYPES.pipelineExecution]: {
    'version': '0',
    'id': '01234567-EXAMPLE',
    'detail-type': RECORD_EVENT_TYPES.pipelineExecution,
    'source': 'aws.codepipeline',
    'account': '123456789012',
    'time': '2024-01-24T22:03:07Z',
    'region': 'eu-west-1',
    'resources': ['arn:aws:codepipeline:eu-west-1:123456789012:myPipeline'],
    'detail': {
      'pipeline': 'myPipeline',
      'execution-id': '12345678-1234-5678-abcd-12345678abcd',
      'execution-trigger': { 'trigger-type': 'StartPipelineExecution', 'trigger-detail': 'arn:aws:sts::123456789012:assumed-role/Admin/me' },
      'state': 'STARTED',
      'version': 1,
      'pipeline-execution-attempt': 1,
    },
  },
  [RECORD_EVENT_TYPES.stageExecution]: {
    'version': '0',
    'id': '01234567-EXAMPLE',
    'detail-type': RECORD_EVENT_TYPES.stageExecution,
    'source': 'aws.codepipeline',
    'account': '123456789012',
    'time': '2024-01-24T22:03:07Z',
    'region': 'eu-west-1',
    'resources': ['arn:aws:codepipeline:eu-west-1:123456789012:myPipeline'],
    'detail': {
      'pipeline': 'myPipeline',
      'execution-id': '12345678-1234-5678-abcd-12345678abcd',
      'stage': 'Production',
      'state': 'STARTED',
      'version': 1,
      'pipeline-execution-attempt': 1,
    },
  },
  [RECORD_EVENT_TYPES.actionExecution]: {
    'version': '0',
    'id': '01234567-EXAMPLE',
    'detail-type': RECORD_EVENT_TYPES.actionExecution,
    'source': 'aws.codepipeline',
    'account': '123456789012',
    'time': '2024-01-24T22:03:07Z',
    'region': 'eu-west-1',
    'resources': ['arn:aws:codepipeline:eu-west-1:123456789012:myPipeline'],
    'detail': {
      'pipeline': 'myPipeline',
      'execution-id': '12345678-1234-5678-abcd-12345678abcd',
      'stage': 'Production',
      'action': 'Deploy',
      'state': 'SUCCEEDED',
      'region': 'eu-west-1',
      'type': { owner: 'AWS', category: 'Deploy', provider: 'CodeDeployToECS', version: '1' },
      'version': 1,
      'pipeline-execution-attempt': 1,
    },
  },
  [RECORD_EVENT_TYPES.deployment]: {
    'account': '123456789012',
    'region': 'eu-west-1',
    'detail-type': RECORD_EVENT_TYPES.deployment,
    'source': 'aws.codedeploy',
    'version': '0',
    'time': '2024-01-24T22:06:31Z',
    'id': 'c071bfbf-83c4-49ca-a6ff-3df053957145',
    'resources': [
      'arn:aws:codedeploy:eu-west-1:123456789012:application:myApplication',
      'arn:aws:codedeploy:eu-west-1:123456789012:deploymentgroup:myApplication/myDeploymentGroup',
    ],
    'detail': {
      instanceGroupId: '9fd2fbef-2157-40d8-91e7-6845af69e2d2',
      region: 'eu-west-1',
      application: 'myApplication',
      deploymentId: 'd-123456789',
      state: 'SUCCESS',
      deploymentGroup: 'myDeploymentGroup',
    },
  },
  [RECORD_EVENT_TYPES.ecsDeployment]: {
    'version': '0',
    'id': 'ddca6449-b258-46c0-8653-e0e3aEXAMPLE',
    'detail-type': RECORD_EVENT_TYPES.ecsDeployment,
    'source': 'aws.ecs',
    'account': '123456789012',
    'time': '2025-07-15T14:20:12Z',
    'region': 'eu-west-1',
    'resources': ['arn:aws:ecs:eu-west-1:123456789012:service/default/orders-api-preview'],
    'detail': {
      eventType: 'INFO',
      eventName: 'SERVICE_DEPLOYMENT_COMPLETED',
      deploymentId: 'ecs-svc/4736471855617349478',
      updatedAt: '2025-07-15T14:20:12.031Z',
      reason: 'ECS deployment ecs-svc/4736471855617349478 completed.',
    },
  },
};

const STATES: Record<string, string[]> = {
  [RECORD_EVENT_TYPES.pipelineExecution]: ['STARTED', 'SUCCEEDED', 'RESUMED', 'FAILED', 'CANCELED', 'SUPERSEDED', 'STOPPING', 'STOPPED'],
  [RECORD_EVENT_TYPES.stageExecution]: ['STARTED', 'SUCCEEDED', 'RESUMED', 'FAILED', 'CANCELED', 'STOPPING', 'STOPPED'],
  [RECORD_EVENT_TYPES.actionExecution]: ['STARTED', 'SUCCEEDED', 'FAILED', 'CANCELED', 'ABANDONED'],
  [RECORD_EVENT_TYPES.deployment]: ['START', 'SUCCESS', 'FAILURE', 'STOP', 'READY'],
  // Amazon ECS's deployment events carry an event name, no state.
  [RECORD_EVENT_TYPES.ecsDeployment]: [],
};

const QUERIES: Record<string, string[]> = {
  recentReleases: recentReleasesQuery(),
  recentDeployments: recentDeploymentsQuery(),
};

/** The field names Logs Insights discovers in a JSON event: nested keys and array indexes joined with dots. */
function discoveredFields(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) {
    return [prefix, ...value.flatMap((inner, index) => discoveredFields(inner, `${prefix}.${index}`))];
  }
  if (value === null || typeof value !== 'object') {
    return prefix ? [prefix] : [];
  }
  return Object.entries(value as Record<string, unknown>)
    .flatMap(([key, inner]) => [prefix ? `${prefix}.${key}` : key, ...discoveredFields(inner, prefix ? `${prefix}.${key}` : key)]);
}

/** The event fields a query reads: backticked names, and bare `detail.x.y` names. */
function fieldsReadBy(query: string): string[] {
  const quoted = [...query.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const bare = [...query.replace(/`[^`]*`/g, '').replace(/'[^']*'/g, '').matchAll(/\bdetail(?:\.[A-Za-z][\w-]*)+/g)].map((m) => m[0]);
  return [...new Set([...quoted, ...bare])];
}

/** The kinds of event a query selects, from the `detail-type` literals in it. */
function eventTypesOf(query: string): string[] {
  return Object.values(RECORD_EVENT_TYPES).filter((type) => query.includes(quote(type)));
}

/** Every state literal a query compares `detail.state` with. */
function statesIn(query: string): string[] {
  const literals = [
    ...[...query.matchAll(/detail\.state = '([A-Z_]+)'/g)].map((m) => [m[1]]),
    ...[...query.matchAll(/detail\.state in \[([^\]]*)\]/g)].map((m) => [...m[1].matchAll(/'([A-Z_]+)'/g)].map((s) => s[1])),
    ...[...query.matchAll(/strcontains\(detail\.state, '([A-Z_]+)'\)/g)].map((m) => [m[1]]),
  ];
  return literals.flat();
}

describe('deployment record queries', () => {
  test.each(Object.entries(QUERIES))('%s reads only fields the events it selects carry', (_name, lines) => {
    const query = lines.join('\n| ');
    const types = eventTypesOf(query);
    expect(types.length).toBeGreaterThan(0);
    const available = new Set(types.flatMap((type) => discoveredFields(EVENTS[type])));
    const missing = fieldsReadBy(query).filter((field) => !available.has(field));
    expect(missing).toEqual([]);
  });

  test.each(Object.entries(QUERIES))('%s quotes every field name with a hyphen in backticks', (_name, lines) => {
    const outsideBackticks = lines.join('\n').replace(/`[^`]*`/g, '').replace(/'[^']*'/g, '');
    expect(outsideBackticks).not.toMatch(/\bdetail[\w.]*-/);
  });

  test.each(Object.entries(QUERIES))('%s compares states the events it selects can have', (_name, lines) => {
    const query = lines.join('\n| ');
    const possible = new Set(eventTypesOf(query).flatMap((type) => STATES[type]));
    expect(statesIn(query).filter((state) => !possible.has(state))).toEqual([]);
  });

  test('the latest releases show pipeline and stage executions, newest first', () => {
    expect(recentReleasesQuery(10)).toEqual([
      'filter `detail-type` in [\'CodePipeline Pipeline Execution State Change\', \'CodePipeline Stage Execution State Change\']',
      'fields @timestamp, coalesce(detail.stage, \'(pipeline)\') as stage, detail.state, `detail.execution-id`',
      'sort @timestamp desc',
      'limit 10',
    ]);
  });

  test('string literals escape quotes and backslashes', () => {
    expect(quote('Prod')).toBe('\'Prod\'');
    expect(quote('it\'s')).toBe('\'it\\\'s\'');
    expect(quote('a\\b')).toBe('\'a\\\\b\'');
  });
});
