import * as fs from 'fs';
import * as path from 'path';
import { Lazy, Stack, Token, attachCustomSynthesis } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ReleasePipeline } from '../pipeline/release-pipeline';
import { recordPropProblem, reportAtSynthesis } from '../private/validation';
import type { IBlueGreenService } from '../service/blue-green-service-base';
import { ReadableText } from '../private/readable-text';
import { RunbookSubject, renderRunbook, renderRunbookSummary, stagesDeploying } from './private/runbook-content';
import type { ReleaseDashboard } from './release-dashboard';

/** A file name of the cloud assembly: letters, digits, `.`, `_` and `-`. */
const FILE_NAME = /^[A-Za-z0-9._-]+\.md$/;

/** Properties of a {@link DeploymentRunbook}. */
export interface DeploymentRunbookProps {
  /** The service the runbook is for. */
  readonly service: IBlueGreenService;

  /**
   * The release pipeline whose stages deploy the service: the runbook lists those stages, their
   * approvals, windows and change calendars, who is notified, and the pipeline's commands.
   *
   * @default - none: the runbook says that releases reach the service by stack updates
   */
  readonly pipeline?: ReleasePipeline;

  /**
   * A dashboard showing the service: the runbook's short form (engine, rollback criteria,
   * emergency commands) is added to it as a text widget, and the runbook links to it.
   *
   * @default - no dashboard widget
   */
  readonly dashboard?: ReleaseDashboard;

  /**
   * Name of the Markdown file in the cloud assembly, next to the stack's template: letters,
   * digits, `.`, `_` and `-`, ending in `.md`.
   *
   * @default `<stack artifact id>.<service name>.runbook.md`
   */
  readonly fileName?: string;
}

/**
 * A deployment runbook for a service, written at synthesis from the constructs themselves: how a
 * release deploys (engine, traffic shifting, approval and termination waits), the pipeline stages
 * with their approvals, windows and change calendars, every hook with its settings in the order
 * they run, the rollback criteria with each alarm's threshold, who is notified, console links,
 * and the emergency commands (the release CLI's and the AWS CLI's). Hooks, alarms and stages
 * added after the runbook are included.
 *
 * It is written as Markdown into the cloud assembly next to the stack's template
 * (`cdk.out/<fileName>`), and, with `dashboard`, in short on the release dashboard. Deploy-time
 * names appear in the file as `<construct path>` placeholders.
 *
 * @exampleMetadata fixture=lib
 * @example
 * new DeploymentRunbook(this, 'ProductionRunbook', { service: production, pipeline: release, dashboard });
 */
export class DeploymentRunbook extends Construct {
  /** The service the runbook is for. */
  public readonly service: IBlueGreenService;
  /** The pipeline whose stages deploy the service, if given. */
  public readonly pipeline?: ReleasePipeline;
  /** The name of the runbook's file in the cloud assembly. */
  public readonly fileName: string;
  private readonly dashboard?: ReleaseDashboard;

  constructor(scope: Construct, id: string, props: DeploymentRunbookProps) {
    super(scope, id);
    this.service = props.service;
    this.pipeline = props.pipeline;
    this.dashboard = props.dashboard;
    this.fileName = this.fileNameOf(props);

    if (props.dashboard) {
      // Deploy-time names stay tokens here: CloudFormation writes the real ones into the dashboard.
      props.dashboard.dashboard.addWidgets(new cloudwatch.TextWidget({
        markdown: Lazy.string({ produce: () => renderRunbookSummary(this.subject((value) => String(value))) }),
        width: 24,
        height: 6,
      }));
    }
    attachCustomSynthesis(this, {
      onSynthesize: (session) => fs.writeFileSync(path.join(session.outdir, this.fileName), this.render()),
    });
    reportAtSynthesis(this, () => this.problems());
  }

  /** The runbook as Markdown, deploy-time names written as `<construct path>` placeholders. */
  public render(): string {
    const readable = new ReadableText(this.service);
    return renderRunbook(this.subject((value) => readable.of(value)));
  }

  /** The short form on the dashboard: engine, rollback criteria and emergency commands. */
  public renderSummary(): string {
    const readable = new ReadableText(this.service);
    return renderRunbookSummary(this.subject((value) => readable.of(value)));
  }

  private subject(text: RunbookSubject['text']): RunbookSubject {
    return { service: this.service, pipeline: this.pipeline, dashboardUrl: this.dashboard?.dashboardUrl, fileName: this.fileName, text };
  }

  private fileNameOf(props: DeploymentRunbookProps): string {
    const stack = Stack.of(this);
    const serviceName = Token.isUnresolved(props.service.serviceName) ? props.service.node.id : props.service.serviceName;
    const fallback = `${stack.artifactId}.${serviceName}.runbook.md`.replace(/[^A-Za-z0-9._-]+/g, '-');
    const given = props.fileName;
    if (given !== undefined && !FILE_NAME.test(given)) {
      recordPropProblem(this, 'fileName', `must be letters, digits, '.', '_' and '-' ending in '.md', got '${given}'; for example '${fallback}'`);
      return fallback;
    }
    return given ?? fallback;
  }

  /** What depends on the rest of the app: the pipeline deploys the service, the dashboard shows it, the file is ours alone. */
  private problems(): string[] {
    const problems: string[] = [];
    const at = (prop: string, detail: string) => problems.push(`${this.node.path}: invalid ${prop}: ${detail}`);
    if (this.pipeline && stagesDeploying(this.pipeline, this.service).length === 0) {
      at('pipeline', `no stage of ${this.pipeline.node.path} deploys ${this.service.node.path}; its stages are `
        + `${this.pipeline.stageNames.map((s) => `'${s}'`).join(', ') || 'none yet'}. Pass the pipeline that releases the service, or leave pipeline out`);
    }
    if (this.dashboard && !this.dashboard.services.includes(this.service)) {
      at('dashboard', `${this.dashboard.node.path} does not show ${this.service.node.path}; add the service to the dashboard `
        + '(services or addService()), or leave dashboard out');
    }
    const stack = Stack.of(this);
    const clash = stack.node.root.node.findAll().find((other) => other !== this && other instanceof DeploymentRunbook
      && other.fileName === this.fileName && Stack.of(other).artifactId === stack.artifactId && Stack.of(other).node.root === stack.node.root);
    if (clash) {
      at('fileName', `'${this.fileName}' is also the file of ${clash.node.path}; give one of them another fileName`);
    }
    return problems;
  }
}
