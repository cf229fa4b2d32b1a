import {
  APPROVAL_WAIT_CONFIG_ENV,
  APPROVAL_WAIT_DEFAULTS,
  ApprovalWaitHookConfig,
  MAX_APPROVAL_POLL_SECONDS,
  MAX_APPROVAL_WAIT_SECONDS,
} from '../../contract/approval-wait';
import { JsonConfigReader } from '../shared/config';

/** The configuration with every default applied. */
export interface ApprovalWaitSettings {
  readonly serviceName: string;
  readonly approvalParameterName: string;
  readonly waitSeconds: number;
  readonly pollSeconds: number;
  readonly eventSource: string;
  readonly eventBusName: string;
}

// Typed explicitly so that TypeScript narrows after `config.fail(...)`, which never returns.
const config: JsonConfigReader = new JsonConfigReader(APPROVAL_WAIT_CONFIG_ENV);

/** What SSM accepts in a parameter name: a path of letters, digits and `_ . - /`. */
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,2048}$/;

/** Reads and checks the configuration the construct put in the environment. */
export function loadApprovalWaitSettings(env: NodeJS.ProcessEnv = process.env): ApprovalWaitSettings {
  const parsed = config.read<ApprovalWaitHookConfig>(env, { required: true });
  const approvalParameterName = config.requireString(parsed.approvalParameterName, 'approvalParameterName');
  if (!PARAMETER_NAME.test(approvalParameterName)) {
    config.fail(`approvalParameterName ${JSON.stringify(approvalParameterName)} is not an SSM parameter name (letters, digits, _ . - / only)`);
  }
  const eventSource = config.optionalString(parsed.eventSource, 'eventSource') ?? APPROVAL_WAIT_DEFAULTS.eventSource;
  if (eventSource.toLowerCase().startsWith('aws.')) {
    // EventBridge refuses PutEvents with a source of AWS's own namespace.
    config.fail(`eventSource ${JSON.stringify(eventSource)} starts with aws., which EventBridge keeps for AWS services`);
  }
  return {
    serviceName: config.requireString(parsed.serviceName, 'serviceName'),
    approvalParameterName,
    waitSeconds: wholeSeconds(parsed.waitSeconds, 'waitSeconds', MAX_APPROVAL_WAIT_SECONDS),
    pollSeconds: wholeSeconds(parsed.pollSeconds ?? APPROVAL_WAIT_DEFAULTS.pollSeconds, 'pollSeconds', MAX_APPROVAL_POLL_SECONDS),
    eventSource,
    eventBusName: config.optionalString(parsed.eventBusName, 'eventBusName') ?? APPROVAL_WAIT_DEFAULTS.eventBusName,
  };
}

function wholeSeconds(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    config.fail(`${field} must be a whole number of seconds from 1 to ${max}, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  return value;
}
