import { parseDuration, required } from '../args';
import { Command } from '../command';
import { discover, selectService } from '../discovery';
import { UsageError } from '../errors';
import { FreezeOverride, MAX_FREEZE_OVERRIDE_HOURS, freezeOverrideParameterName } from '../../contract/freeze-override';

const DEFAULT_OVERRIDE = '1h';

export const override: Command = {
  name: 'override',
  summary: 'let a hotfix of one service through a change freeze, for a while',
  usage: 'cdk-ecs-release override --service S --reason R --approved-by P [--for 1h] [--version V]\n\n'
    + `Writes the freeze override of S (SSM parameter ${freezeOverrideParameterName('<service>')}): while it lasts `
    + `(--for, 1h by default, at most ${MAX_FREEZE_OVERRIDE_HOURS}h), the pre-flight hook lets releases of S start although a `
    + 'Change Calendar is CLOSED; with --version, only that version. SSM keeps every version with the identity that wrote it.',
  options: ['service', 'reason', 'approved-by', 'for', 'version'],
  async run({ aws, options, now }) {
    required(options, 'service', 'override', '--service orders-api --reason "hotfix INC-123" --approved-by alice');
    const reason = required(options, 'reason', 'override', '--reason "hotfix for INC-123"');
    const approvedBy = required(options, 'approved-by', 'override', '--approved-by "alice (on-call lead)"');
    if (reason.length > 500) {
      throw new UsageError(`--reason takes 1-500 characters, got ${reason.length}`);
    }
    const lasts = parseDuration(options.for ?? DEFAULT_OVERRIDE, 'for');
    if (lasts > MAX_FREEZE_OVERRIDE_HOURS * 3_600_000) {
      throw new UsageError(`an override lasts at most ${MAX_FREEZE_OVERRIDE_HOURS}h (a hotfix, not a way to lift a freeze), got --for ${options.for}; `
        + 'to lift the freeze, end it with unfreeze');
    }
    if (options.version !== undefined && options.version.trim() === '') {
      throw new UsageError('--version must name the version, e.g. --version 1.4.2-hotfix');
    }
    const service = selectService(await discover(aws, { services: true }), options.service);
    const value: FreezeOverride = {
      reason, approvedBy, expiresAt: new Date(now.getTime() + lasts).toISOString(), ...(options.version !== undefined ? { version: options.version } : {}),
    };
    const name = freezeOverrideParameterName(service.name);
    const [caller, ssm] = await Promise.all([aws.callerArn(), aws.ssm()]);
    const written = await aws.call('ssm:PutParameter', `parameter ${name}`, () => ssm.client.send(new ssm.sdk.PutParameterCommand({
      Name: name, Type: 'String', Overwrite: true, Value: JSON.stringify(value),
      Description: `Freeze override for ${service.name}, written with cdk-ecs-release by ${caller}`.slice(0, 1024),
    })));
    return {
      json: { parameter: name, version: written.Version, override: value, writtenBy: caller },
      text: `releases of ${service.name}${value.version ? ` at version ${value.version}` : ''} may start during a freeze until ${value.expiresAt} `
        + `(${name}, version ${written.Version ?? '?'}, written by ${caller})`,
    };
  },
};
