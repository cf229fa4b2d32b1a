import { Options, periodEnd, required } from '../args';
import { Aws } from '../aws';
import { addFreeze, endFreezes } from '../calendar';
import { Command, Context, Result } from '../command';
import { FoundPipeline, discover, selectService, stagesOf } from '../discovery';
import { OperationError, UsageError } from '../errors';

/** What CodePipeline accepts as the reason a transition is disabled. */
const TRANSITION_REASON = /^[a-zA-Z0-9!@ ().*?-]{1,300}$/;

/** The one pipeline that has deploy stage `stage`, narrowed by --pipeline or --service. */
async function stageTarget(aws: Aws, options: Options, stage: string): Promise<FoundPipeline> {
  const inventory = await discover(aws);
  const candidates = options.service !== undefined
    ? stagesOf(inventory, selectService(inventory, options.service), stage).map((found) => found.pipeline)
    : inventory.pipelines.filter((pipeline) => pipeline.stages.has(stage) && (options.pipeline === undefined || pipeline.name === options.pipeline));
  if (candidates.length === 0) {
    const known = inventory.pipelines.flatMap((pipeline) => [...pipeline.stages.keys()].map((name) => `${pipeline.name}/${name}`));
    throw new OperationError(`no deploy stage '${stage}' found${options.pipeline ? ` in pipeline ${options.pipeline}` : ''}; the deploy stages found are: ${known.join(', ') || 'none'}`);
  }
  if (candidates.length > 1) {
    throw new UsageError(`${candidates.length} pipelines have a stage '${stage}' (${candidates.map((p) => p.name).join(', ')}); pass --pipeline`);
  }
  return candidates[0];
}

/** The calendar to change: --calendar, or the only one the library created. */
async function calendarName(aws: Aws, options: Options): Promise<string> {
  if (options.calendar !== undefined) {
    return options.calendar;
  }
  const { calendars } = await discover(aws, { calendars: true });
  if (calendars.length === 1) {
    return calendars[0].name;
  }
  throw new UsageError(calendars.length === 0
    ? 'no Change Calendar found by its tag; pass --calendar <name>, or --stage to freeze a pipeline stage'
    : `${calendars.length} Change Calendars found (${calendars.map((c) => c.name).join(', ')}); pass --calendar`);
}

/** Reads the calendar's default version, lets `change` rewrite it, writes it as the new default. */
async function rewriteCalendar(aws: Aws, name: string, change: (content: string) => string): Promise<string> {
  const ssm = await aws.ssm();
  const document = await aws.call('ssm:GetDocument', `document ${name}`, () => ssm.client.send(new ssm.sdk.GetDocumentCommand({ Name: name })));
  if (document.DocumentType !== undefined && document.DocumentType !== 'ChangeCalendar') {
    throw new OperationError(`${name} is not a Change Calendar: its document type is ${document.DocumentType}`);
  }
  const content = change(document.Content ?? '');
  const updated = await aws.call('ssm:UpdateDocument', `document ${name}`, () => ssm.client.send(new ssm.sdk.UpdateDocumentCommand({
    Name: name, Content: content, DocumentFormat: 'TEXT', DocumentVersion: '$LATEST',
  })));
  const version = updated.DocumentDescription?.DocumentVersion;
  if (!version) {
    throw new OperationError(`ssm:UpdateDocument on document ${name} returned no version; the calendar is unchanged`);
  }
  await aws.call('ssm:UpdateDocumentDefaultVersion', `document ${name}`, () => ssm.client.send(
    new ssm.sdk.UpdateDocumentDefaultVersionCommand({ Name: name, DocumentVersion: version })));
  return version;
}

function checkTarget(command: string, options: Options): void {
  if (options.stage !== undefined && options.calendar !== undefined) {
    throw new UsageError(`${command} takes --stage or --calendar, not both`);
  }
}

async function freezeStage(aws: Aws, options: Options, stage: string): Promise<Result> {
  const reason = required(options, 'reason', 'freeze', '--reason "year-end freeze"');
  if (options.until !== undefined || options.for !== undefined) {
    throw new UsageError('a stage freeze lasts until unfreeze: --until and --for apply to a Change Calendar (--calendar)');
  }
  if (!TRANSITION_REASON.test(reason)) {
    throw new UsageError('CodePipeline takes a reason of 1-300 letters, digits, spaces and ! @ ( ) . * ? -; reword --reason');
  }
  const pipeline = await stageTarget(aws, options, stage);
  const codePipeline = await aws.codePipeline();
  await aws.call('codepipeline:DisableStageTransition', `pipeline ${pipeline.name}, stage ${stage}`, () => codePipeline.client.send(
    new codePipeline.sdk.DisableStageTransitionCommand({ pipelineName: pipeline.name, stageName: stage, transitionType: 'Inbound', reason })));
  return { json: { frozen: { pipeline: pipeline.name, stage, reason } }, text: `froze ${pipeline.name}/${stage}: no release enters it until unfreeze (${reason})` };
}

export const freeze: Command = {
  name: 'freeze',
  summary: 'stop releases: disable a stage\'s inbound transition, or add a CLOSED event to a Change Calendar',
  usage: 'cdk-ecs-release freeze --stage X --reason R [--pipeline P | --service S]\n'
    + 'cdk-ecs-release freeze [--calendar C] --reason R (--until ISO | --for 2h)\n\n'
    + 'On a stage: DisableStageTransition (Inbound), so no release enters the stage until unfreeze. On a Change Calendar '
    + '(--calendar, or the one found by its tag): a CLOSED event from now on, a new version of the calendar made its default; '
    + 'the pre-flight hook then refuses deployments.',
  options: ['stage', 'calendar', 'reason', 'until', 'for', 'pipeline', 'service'],
  async run({ aws, options, now }: Context) {
    checkTarget('freeze', options);
    if (options.stage !== undefined) {
      return freezeStage(aws, options, options.stage);
    }
    const reason = required(options, 'reason', 'freeze', '--reason "year-end freeze" --for 2h');
    if (/[\r\n]/.test(reason) || reason.length > 200) {
      throw new UsageError('--reason must be one line of at most 200 characters');
    }
    const end = periodEnd(options, now);
    if (!end) {
      throw new UsageError('a calendar freeze needs an end: pass --until <ISO time> or --for <duration>, e.g. --for 2h');
    }
    const name = await calendarName(aws, options);
    const version = await rewriteCalendar(aws, name, (content) => addFreeze(content, { start: now, end, reason, uid: `cdk-ecs-release-${now.getTime()}` }));
    return {
      json: { frozen: { calendar: name, start: now.toISOString(), end: end.toISOString(), reason, version } },
      text: `froze ${name} from ${now.toISOString()} to ${end.toISOString()} (${reason}); calendar version ${version}`,
    };
  },
};

export const unfreeze: Command = {
  name: 'unfreeze',
  summary: 'let releases go again: enable the stage\'s transition, or end the calendar\'s running freezes',
  usage: 'cdk-ecs-release unfreeze --stage X [--pipeline P | --service S]\n'
    + 'cdk-ecs-release unfreeze [--calendar C]\n\n'
    + 'On a stage: EnableStageTransition (Inbound). On a Change Calendar: every event running now ends now '
    + '(later freezes stay), in a new default version of the calendar.',
  options: ['stage', 'calendar', 'pipeline', 'service'],
  async run({ aws, options, now }: Context) {
    checkTarget('unfreeze', options);
    if (options.stage !== undefined) {
      const pipeline = await stageTarget(aws, options, options.stage);
      const codePipeline = await aws.codePipeline();
      await aws.call('codepipeline:EnableStageTransition', `pipeline ${pipeline.name}, stage ${options.stage}`, () => codePipeline.client.send(
        new codePipeline.sdk.EnableStageTransitionCommand({ pipelineName: pipeline.name, stageName: options.stage, transitionType: 'Inbound' })));
      return { json: { unfrozen: { pipeline: pipeline.name, stage: options.stage } }, text: `unfroze ${pipeline.name}/${options.stage}` };
    }
    const name = await calendarName(aws, options);
    let ended: string[] = [];
    let localTimeEvents: string[] = [];
    const version = await rewriteCalendar(aws, name, (content) => {
      const result = endFreezes(content, now);
      ({ ended, localTimeEvents } = result);
      if (ended.length === 0) {
        const skipped = localTimeEvents.length > 0 ? `; events in a local time zone or repeating are not changed here (${localTimeEvents.join(', ')}): end them in the Change Calendar console` : '';
        throw new OperationError(`nothing frozen now in ${name}: no event of the calendar runs at ${now.toISOString()}${skipped}`);
      }
      return result.content;
    });
    return {
      json: { unfrozen: { calendar: name, ended, version } },
      text: `ended ${ended.map((summary) => `'${summary}'`).join(', ')} in ${name} at ${now.toISOString()}; calendar version ${version}`,
    };
  },
};
