import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as esbuild from 'esbuild';
import { main } from '../../../lambda/artifact-writer/index';
import {
  InputError, digestFromDockerPush, imageUriFromDetail, run, toRegisterTaskDefinitionRequest,
} from '../../../lambda/artifact-writer/writer';
import { ReleaseManifest } from '../../../contract/artifacts';

const DIGEST = 'sha256:4f1c7d2b9e8a6f5d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';
const REPOSITORY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders-api';
const IMAGE_URI = `${REPOSITORY}@${DIGEST}`;

const APPSPEC = `version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "<TASK_DEFINITION>"
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 8080
Hooks:
  - AfterAllowTestTraffic: "orders-smoke-test"
`;

/** `aws ecs describe-task-definition --task-definition orders-api --include TAGS`, abridged. */
const DESCRIBED = {
  taskDefinition: {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api:42',
    containerDefinitions: [
      {
        name: 'web',
        image: `${REPOSITORY}@sha256:0000000000000000000000000000000000000000000000000000000000000000`,
        cpu: 0,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
        essential: true,
        environment: [{ name: 'LOG_LEVEL', value: 'info' }],
        mountPoints: [],
        volumesFrom: [],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': 'orders-api', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'orders' },
        },
        systemControls: [],
      },
      { name: 'xray', image: 'public.ecr.aws/xray/aws-xray-daemon:3.3.12', essential: false },
    ],
    family: 'orders-api',
    taskRoleArn: 'arn:aws:iam::123456789012:role/orders-task',
    executionRoleArn: 'arn:aws:iam::123456789012:role/orders-execution',
    networkMode: 'awsvpc',
    revision: 42,
    volumes: [],
    status: 'ACTIVE',
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }, { name: 'ecs.capability.task-eni' }],
    placementConstraints: [],
    compatibilities: ['EC2', 'FARGATE'],
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    registeredAt: '2026-11-20T10:12:45.123000+00:00',
    registeredBy: 'arn:aws:sts::123456789012:assumed-role/deploy/session',
  },
  tags: [{ key: 'team', value: 'orders' }],
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artifact-writer-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: unknown): string {
  const target = path.join(dir, name);
  fs.writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content));
  return target;
}

function readJson(...parts: string[]): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, ...parts), 'utf8'));
}

function manifest(): ReleaseManifest {
  const request = toRegisterTaskDefinitionRequest(DESCRIBED, 'web');
  return {
    environments: [
      { name: 'Staging', directory: 'Staging', containerName: 'web', taskDefinition: { ...request, family: 'orders-staging' }, appSpec: APPSPEC },
      { name: 'Production', directory: 'Production', containerName: 'web', taskDefinition: { ...request, family: 'orders-production' }, appSpec: APPSPEC },
    ],
  };
}

describe('artifact writer', () => {
  test('turns describe-task-definition output into taskdef.json, and writes imageDetail.json and appspec.yaml', () => {
    run(['--task-definition', file('current.json', DESCRIBED), '--container-name', 'web',
      '--appspec', file('appspec.yaml', APPSPEC), '--image-uri', IMAGE_URI, '--out', path.join(dir, 'out')]);

    // imageDetail.json: exactly the documented shape.
    expect(readJson('out', 'imageDetail.json')).toEqual({ ImageURI: IMAGE_URI });

    // taskdef.json: a RegisterTaskDefinition request, field by field.
    const taskdef = readJson('out', 'taskdef.json');
    expect(Object.keys(taskdef).sort()).toEqual([
      'containerDefinitions', 'cpu', 'executionRoleArn', 'family', 'memory', 'networkMode',
      'placementConstraints', 'requiresCompatibilities', 'tags', 'taskRoleArn', 'volumes',
    ]);
    expect(taskdef.family).toBe('orders-api');
    expect(taskdef.taskRoleArn).toBe('arn:aws:iam::123456789012:role/orders-task');
    expect(taskdef.executionRoleArn).toBe('arn:aws:iam::123456789012:role/orders-execution');
    expect(taskdef.networkMode).toBe('awsvpc');
    expect(taskdef.requiresCompatibilities).toEqual(['FARGATE']);
    expect(taskdef.cpu).toBe('512');
    expect(taskdef.memory).toBe('1024');
    expect(taskdef.tags).toEqual([{ key: 'team', value: 'orders' }]);
    const [web, xray] = taskdef.containerDefinitions as Record<string, unknown>[];
    expect(web).toEqual({ ...DESCRIBED.taskDefinition.containerDefinitions[0], image: '<IMAGE1_NAME>' });
    expect(xray).toEqual(DESCRIBED.taskDefinition.containerDefinitions[1]);

    // appspec.yaml: as given.
    expect(fs.readFileSync(path.join(dir, 'out', 'appspec.yaml'), 'utf8')).toBe(APPSPEC);
  });

  test('drops every read-only field of a described task definition', () => {
    const request = toRegisterTaskDefinitionRequest(DESCRIBED, 'web');

    for (const field of ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy']) {
      expect(request).not.toHaveProperty(field);
    }
    const deregistered = toRegisterTaskDefinitionRequest({ ...DESCRIBED.taskDefinition, status: 'INACTIVE', deregisteredAt: '2026-11-21T00:00:00Z' }, 'web');
    expect(deregistered).not.toHaveProperty('deregisteredAt');
    expect(deregistered).not.toHaveProperty('status');
  });

  test('writes every environment of a manifest read from an environment variable', () => {
    const written = run(['--manifest', 'env:RELEASE', '--image-uri', IMAGE_URI, '--out', dir], { RELEASE: JSON.stringify(manifest()) });

    expect(written.map((w) => w.name)).toEqual(['Staging', 'Production']);
    for (const environment of ['Staging', 'Production']) {
      expect(fs.readdirSync(path.join(dir, environment)).sort()).toEqual(['appspec.yaml', 'imageDetail.json', 'taskdef.json']);
      expect(readJson(environment, 'imageDetail.json')).toEqual({ ImageURI: IMAGE_URI });
      expect(readJson(environment, 'taskdef.json').family).toBe(`orders-${environment.toLowerCase()}`);
    }
  });

  test('writes each environment\'s own image where the manifest names the variable that holds it (a monorepo\'s several images)', () => {
    const workerImage = `${REPOSITORY.replace(/orders[^/]*$/, 'worker')}@sha256:${'b'.repeat(64)}`;
    const m = manifest();
    const release = { environments: [m.environments[0], { ...m.environments[1], imageUriVariable: 'IMAGE_URI_1' }] };

    run(['--manifest', 'env:RELEASE', '--image-uri', IMAGE_URI, '--out', dir], { RELEASE: JSON.stringify(release), IMAGE_URI_1: workerImage });

    expect(readJson('Staging', 'imageDetail.json')).toEqual({ ImageURI: IMAGE_URI });
    expect(readJson('Production', 'imageDetail.json')).toEqual({ ImageURI: workerImage });
  });

  test.each([
    [{}, "environment 'Production': its image is in IMAGE_URI_1, which is not set; the build exports it once it has pushed that image"],
    [{ IMAGE_URI_1: 'worker:latest' }, "image 'worker:latest' is not pinned by digest"],
  ])('fails when an environment\'s image variable is %j', (variables, message) => {
    const m = manifest();
    const release = { environments: [m.environments[0], { ...m.environments[1], imageUriVariable: 'IMAGE_URI_1' }] };

    expect(() => run(['--manifest', 'env:RELEASE', '--image-uri', IMAGE_URI, '--out', dir], { RELEASE: JSON.stringify(release), ...variables })).toThrow(message);
  });

  test('fails when an environment\'s image variable is no variable name', () => {
    const m = manifest();
    const release = { environments: [{ ...m.environments[0], imageUriVariable: 'IMAGE URI' }] };

    expect(() => run(['--manifest', 'env:RELEASE', '--image-uri', IMAGE_URI, '--out', dir], { RELEASE: JSON.stringify(release) }))
      .toThrow("manifest environment 'Staging' has the imageUriVariable \"IMAGE URI\", which is not an environment variable name");
  });

  test('sets the release version in the application container of every environment, and there only', () => {
    const release = { ...manifest(), releaseVersionVariable: 'RELEASE_VERSION' };

    run(['--manifest', 'env:RELEASE', '--image-uri', IMAGE_URI, '--out', dir, '--release-version', '4f1c7d2'], { RELEASE: JSON.stringify(release) });

    for (const environment of ['Staging', 'Production']) {
      const [web, xray] = readJson(environment, 'taskdef.json').containerDefinitions as Record<string, unknown>[];
      expect(web.environment).toEqual([{ name: 'LOG_LEVEL', value: 'info' }, { name: 'RELEASE_VERSION', value: '4f1c7d2' }]);
      expect(xray).toEqual(DESCRIBED.taskDefinition.containerDefinitions[1]);
    }
  });

  test('the release version replaces a variable of the same name the container has, in its place', () => {
    const described = structuredClone(DESCRIBED);
    described.taskDefinition.containerDefinitions[0].environment = [
      { name: 'RELEASE_VERSION', value: 'dev' }, { name: 'LOG_LEVEL', value: 'info' }, { name: 'RELEASE_VERSION', value: 'stale' },
    ];

    const request = toRegisterTaskDefinitionRequest(described, 'web', { variable: 'RELEASE_VERSION', value: '4f1c7d2' });

    expect((request.containerDefinitions as Record<string, unknown>[])[0].environment)
      .toEqual([{ name: 'RELEASE_VERSION', value: '4f1c7d2' }, { name: 'LOG_LEVEL', value: 'info' }]);
  });

  test('names the release version variable with --release-version-variable when writing one set', () => {
    run(['--task-definition', file('current.json', DESCRIBED), '--container-name', 'web', '--appspec', file('appspec.yaml', APPSPEC),
      '--image-uri', IMAGE_URI, '--out', dir, '--release-version', 'v2.4.0', '--release-version-variable', 'APP_VERSION']);

    const [web] = readJson('taskdef.json').containerDefinitions as Record<string, unknown>[];
    expect(web.environment).toEqual([{ name: 'LOG_LEVEL', value: 'info' }, { name: 'APP_VERSION', value: 'v2.4.0' }]);
  });

  test('reads the image from the imageDetail.json of an ECR source action', () => {
    const detail = file('imageDetail.json', {
      ImageSizeInBytes: '44728918',
      ImageDigest: DIGEST,
      Version: '1.0',
      ImagePushedAt: 'Mon Nov 23 20:04:00 UTC 2026',
      RegistryId: '123456789012',
      RepositoryName: 'orders-api',
      ImageURI: IMAGE_URI,
      ImageTags: ['latest'],
    });

    run(['--manifest', file('manifest.json', manifest()), '--image-detail', detail, '--out', dir]);

    expect(readJson('Staging', 'imageDetail.json')).toEqual({ ImageURI: IMAGE_URI });
  });

  test('pins a tagged ImageURI by the digest of the image detail', () => {
    expect(imageUriFromDetail({ ImageURI: `${REPOSITORY}:latest`, ImageDigest: DIGEST })).toBe(IMAGE_URI);
  });

  test('reads the digest from docker push output', () => {
    const output = [
      'The push refers to repository [123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders-api]',
      '5f70bf18a086: Pushed',
      `a1b2c3d: digest: ${DIGEST} size: 1778`,
    ].join('\n');

    run(['--repository-uri', `${REPOSITORY}:a1b2c3d`, '--docker-push-output', file('push.txt', output),
      '--manifest', file('manifest.json', manifest()), '--out', dir]);

    expect(readJson('Production', 'imageDetail.json')).toEqual({ ImageURI: IMAGE_URI });
    expect(digestFromDockerPush(output)).toBe(DIGEST);
  });

  test('uses the container that holds the placeholder when no container is named', () => {
    const request = toRegisterTaskDefinitionRequest({
      family: 'orders-api',
      containerDefinitions: [{ name: 'xray', image: 'xray:3' }, { name: 'web', image: '<IMAGE1_NAME>' }],
    });

    expect(request.containerDefinitions).toEqual([{ name: 'xray', image: 'xray:3' }, { name: 'web', image: '<IMAGE1_NAME>' }]);
  });

  test('fails when the image is not pinned by digest', () => {
    expect(() => run(['--image-uri', `${REPOSITORY}:latest`, '--manifest', file('m.json', manifest()), '--out', dir]))
      .toThrow(/is not pinned by digest .*a tag can move between the stages of one release/);
  });

  test('fails when the named container is missing', () => {
    expect(() => toRegisterTaskDefinitionRequest(DESCRIBED, 'api'))
      .toThrow("task definition 'orders-api' has no container 'api' (containers: web, xray); pass the application container to --container-name");
  });

  test('fails when several containers and none holds the placeholder', () => {
    expect(() => toRegisterTaskDefinitionRequest(DESCRIBED))
      .toThrow(/has 2 containers \(web, xray\) and none holds <IMAGE1_NAME>; pass the application container to --container-name/);
  });

  test('fails when the appspec lacks the task definition placeholder', () => {
    const appSpec = file('appspec.yaml', APPSPEC.replace('"<TASK_DEFINITION>"', 'arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api:41'));

    expect(() => run(['--task-definition', file('t.json', DESCRIBED), '--container-name', 'web', '--appspec', appSpec, '--image-uri', IMAGE_URI, '--out', dir]))
      .toThrow(/the appspec does not mention <TASK_DEFINITION>/);
  });

  test('fails when two manifest environments share a directory', () => {
    const m = manifest();
    const clash = { environments: [m.environments[0], { ...m.environments[1], directory: 'Staging' }] };

    expect(() => run(['--manifest', file('m.json', clash), '--image-uri', IMAGE_URI, '--out', dir]))
      .toThrow("manifest environments share the directory 'Staging'; each needs its own");
  });

  test('fails when the manifest names a release version variable and no release version is given', () => {
    const release = { ...manifest(), releaseVersionVariable: 'RELEASE_VERSION' };

    expect(() => run(['--manifest', file('m.json', release), '--image-uri', IMAGE_URI, '--out', dir]))
      .toThrow('the manifest sets the release version in RELEASE_VERSION; pass --release-version <version>, e.g. the image tag');
  });

  test('fails when the release version is empty', () => {
    expect(() => run(['--manifest', file('m.json', manifest()), '--image-uri', IMAGE_URI, '--out', dir, '--release-version', ' ']))
      .toThrow(/^--release-version is empty; pass the version the release was built from, e.g. the image tag/);
  });

  test('fails when the release version variable is not a name, or named twice', () => {
    expect(() => run(['--manifest', file('m.json', { ...manifest(), releaseVersionVariable: 'release-version' }), '--image-uri', IMAGE_URI, '--out', dir]))
      .toThrow('the manifest\'s releaseVersionVariable "release-version" is not an environment variable name');
    expect(() => run(['--manifest', file('m.json', manifest()), '--image-uri', IMAGE_URI, '--out', dir, '--release-version', 'v1', '--release-version-variable', 'V']))
      .toThrow('--release-version-variable cannot be combined with --manifest: the manifest names the variable (releaseVersionVariable)');
  });

  test('fails when the application container takes the release version variable from a secret', () => {
    const described = structuredClone(DESCRIBED) as typeof DESCRIBED & { taskDefinition: { containerDefinitions: Record<string, unknown>[] } };
    described.taskDefinition.containerDefinitions[0].secrets = [{ name: 'RELEASE_VERSION', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/version' }];

    expect(() => toRegisterTaskDefinitionRequest(described, 'web', { variable: 'RELEASE_VERSION', value: '4f1c7d2' }))
      .toThrow("container 'web' of task definition 'orders-api' takes RELEASE_VERSION from a secret, where the release version goes; rename the secret");
  });

  test('fails when the manifest variable is not set', () => {
    expect(() => run(['--manifest', 'env:RELEASE', '--image-uri', IMAGE_URI, '--out', dir], {}))
      .toThrow('the manifest environment variable RELEASE is empty or not set');
  });

  test('fails when the arguments are incomplete or unknown', () => {
    expect(() => run(['--image-uri', IMAGE_URI, '--manifest', 'm.json'])).toThrow(InputError);
    expect(() => run(['--image-uri', IMAGE_URI, '--out', dir])).toThrow('pass --manifest, or both --task-definition and --appspec');
    expect(() => run(['--tag', 'x'])).toThrow("unknown argument '--tag'");
    expect(() => run(['--out', dir, '--manifest', 'm.json'])).toThrow('pass exactly one of --image-uri, --image-detail or --repository-uri, got none');
  });

  test('the command line exits 1 with one line on stderr for bad input', () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((message: string) => {
      errors.push(message);
    });
    try {
      expect(main(['--out', dir, '--image-uri', 'nope', '--manifest', 'x'])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors).toEqual([expect.stringMatching(/^artifact-writer: image 'nope' is not pinned by digest/)]);
  });
});

describe('bundled artifact writer', () => {
  test('runs as one file with node alone and stays small', async () => {
    const bundle = path.join(dir, 'artifact-writer.js');
    await esbuild.build({
      entryPoints: [path.join(__dirname, '..', '..', '..', 'lambda', 'artifact-writer', 'index.ts')],
      outfile: bundle,
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node18',
      format: 'cjs',
      logLevel: 'silent',
    });
    // Production runs a second image of the build, as a monorepo's service may.
    const m = manifest();
    const workerImage = `${REPOSITORY}-worker@sha256:${'c'.repeat(64)}`;
    const manifestJson = JSON.stringify({
      environments: [m.environments[0], { ...m.environments[1], imageUriVariable: 'IMAGE_URI_1' }], releaseVersionVariable: 'RELEASE_VERSION',
    });

    const stdout = execFileSync(process.execPath, [bundle, '--manifest', 'env:CDK_ECS_RELEASE_MANIFEST', '--image-uri', IMAGE_URI,
      '--out', path.join(dir, 'release'), '--release-version', '4f1c7d2'], {
      env: { PATH: process.env.PATH, CDK_ECS_RELEASE_MANIFEST: manifestJson, IMAGE_URI_1: workerImage },
      encoding: 'utf8',
    });

    expect(stdout).toContain('Staging: wrote');
    expect(readJson('release', 'Staging', 'imageDetail.json')).toEqual({ ImageURI: IMAGE_URI });
    expect(readJson('release', 'Production', 'imageDetail.json')).toEqual({ ImageURI: workerImage });
    expect((readJson('release', 'Production', 'taskdef.json').containerDefinitions as Record<string, unknown>[])[0].environment)
      .toContainEqual({ name: 'RELEASE_VERSION', value: '4f1c7d2' });
    expect(fs.statSync(bundle).size).toBeLessThan(20 * 1024);

    const failed = spawnSync(process.execPath, [bundle, '--out', dir], { encoding: 'utf8' });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^artifact-writer: pass exactly one of/);
  });
});
