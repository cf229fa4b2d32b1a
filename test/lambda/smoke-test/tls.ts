/**
 * What the TLS tests of the smoke test need: a throwaway certificate authority and a certificate
 * it issues for a host name (with the openssl CLI), and a run of the handler in a fresh Node.js
 * process that trusts that authority. Node reads its trusted authorities once, at start-up, from
 * NODE_EXTRA_CA_CERTS: the only way to make a certificate valid without changing the handler.
 */
import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface IssuedCertificate {
  readonly key: string;
  readonly cert: string;
  /** The authority's certificate file, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  /** Removes the files. */
  cleanup(): void;
}

/** A certificate for `hostName` issued by a throwaway certificate authority. */
export function issuedCertificate(hostName: string): IssuedCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-ca-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=Smoke Test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', ...ec, '-subj', `/CN=${hostName}`, '-keyout', file('leaf.key'), '-out', file('leaf.csr'));
  fs.writeFileSync(file('leaf.ext'), `subjectAltName=DNS:${hostName}\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-days', '1', '-extfile', file('leaf.ext'), '-out', file('leaf.pem'));
  return {
    key: fs.readFileSync(file('leaf.key'), 'utf8'),
    cert: fs.readFileSync(file('leaf.pem'), 'utf8'),
    caFile: file('ca.pem'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ChildRun {
  /** What the handler returned. */
  readonly result: { verdict?: string; reason?: string };
  /** Every PutLifecycleEventHookExecutionStatus input. */
  readonly reports: Array<{ status?: string }>;
}

/**
 * Runs `handler` of `modulePath` (a bundle, or TypeScript source through ts-node) once with the
 * test event in a new process with `env`, CodeDeploy's report and EC2's answer (the load
 * balancer's private IP is 127.0.0.1) stubbed there. Asynchronous, so that a server of this
 * process keeps answering.
 */
export function runHandlerInChild(modulePath: string, env: Record<string, string>): Promise<ChildRun> {
  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-run-')), 'result.json');
  const script = `
    const fs = require('fs');
    const { mockClient } = require('aws-sdk-client-mock');
    const { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } = require('@aws-sdk/client-codedeploy');
    const { EC2Client, DescribeNetworkInterfacesCommand } = require('@aws-sdk/client-ec2');
    const codeDeploy = mockClient(CodeDeployClient);
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
    mockClient(EC2Client).on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [{ Status: 'in-use', PrivateIpAddress: '127.0.0.1' }],
    });
    const { handler } = require(${JSON.stringify(modulePath)});
    const deadline = Date.now() + 30000;
    handler({ DeploymentId: 'd-ABCDEF123', LifecycleEventHookExecutionId: 'exec-42' },
      { functionName: 'hook-fn', awsRequestId: 'req-1', getRemainingTimeInMillis: () => deadline - Date.now() })
      .then((result) => fs.writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify({
        result, reports: codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((c) => c.args[0].input),
      })));
  `;
  const typescript = modulePath.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...typescript, '-e', script], {
      cwd: path.join(__dirname, '..', '..', '..'),
      env: { ...process.env, ...env },
      timeout: 60_000,
    }, (error, _stdout, stderr) => {
      try {
        if (error) {
          reject(new Error(`child run failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(fs.readFileSync(resultFile, 'utf8')) as ChildRun);
      } finally {
        fs.rmSync(path.dirname(resultFile), { recursive: true, force: true });
      }
    });
  });
}
