import { ForwarderFormat, NOTIFICATION_FORWARDER_CONFIG_ENV, NotificationForwarderConfig, PAGERDUTY_EVENTS_URL } from '../../contract/notification-routing';
import { JsonConfigReader } from '../shared/config';

export interface ForwarderSettings {
  readonly routingKeySecret: string;
  readonly endpointUrl: string;
  readonly source: string;
  readonly requestTimeoutMs: number;
  readonly format: ForwarderFormat;
}

const config: JsonConfigReader = new JsonConfigReader(NOTIFICATION_FORWARDER_CONFIG_ENV);

/** Reads the configuration on each invocation: a bad one fails the invocation with a reason. */
export function loadForwarderSettings(env: NodeJS.ProcessEnv = process.env): ForwarderSettings {
  const parsed = config.read<NotificationForwarderConfig>(env, { required: true });
  const timeout = parsed.requestTimeoutMs ?? 8000;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 100 || timeout > 20_000) {
    config.fail('requestTimeoutMs must be an integer between 100 and 20000');
  }
  const format = parsed.format ?? 'PAGERDUTY_EVENTS_V2';
  if (format !== 'PAGERDUTY_EVENTS_V2' && format !== 'JSON') {
    config.fail('format must be PAGERDUTY_EVENTS_V2 or JSON');
  }
  const endpointUrl = config.optionalString(parsed.endpointUrl, 'endpointUrl');
  if (format === 'JSON' && !endpointUrl) {
    config.fail('endpointUrl is required with format JSON');
  }
  return {
    format,
    routingKeySecret: config.requireString(parsed.routingKeySecret, 'routingKeySecret'),
    endpointUrl: endpointUrl ?? PAGERDUTY_EVENTS_URL,
    source: config.requireString(parsed.source, 'source'),
    requestTimeoutMs: timeout,
  };
}
