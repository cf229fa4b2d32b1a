/**
 * The configuration of a service's library hooks, read by the hook functions shared by the
 * services of a stack: one SSM parameter per service (id `HookConfiguration`, a child of the
 * service), one section per hook kind.
 */
import { Lazy, Stack, Token } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import {
  HOOK_CONFIGURATION_PREFIX,
  HookConfigurationSection,
  HookKind,
  PARAMETER_NAME_SEGMENT,
  ServiceHookConfiguration,
  hookConfigurationParameterName,
} from '../../../contract/hook';
import { recordPropProblem } from '../../private/validation';
import type { IBlueGreenService } from '../../service/blue-green-service-base';

/** Construct id of the parameter under the service. */
export const HOOK_CONFIGURATION_ID = 'HookConfiguration';

/** SSM's limit for an advanced parameter's value; a standard one holds 4 KB. */
export const MAX_PARAMETER_VALUE_BYTES = 8192;

interface ServiceConfiguration {
  readonly parameter: ssm.StringParameter;
  readonly sections: { [kind: string]: HookConfigurationSection };
}

const configurations = new WeakMap<IBlueGreenService, ServiceConfiguration>();

/**
 * Adds the section of `kind` to the configuration parameter of `service`, creating the parameter
 * on first use. `section.config` is rendered at synthesis, so values added to it later count.
 * A name SSM would refuse is recorded as a problem of `hook`.
 */
export function addHookConfiguration(hook: IConstruct, service: IBlueGreenService, deploymentGroup: codedeploy.IEcsDeploymentGroup,
  kind: HookKind, section: HookConfigurationSection): ssm.StringParameter {
  const applicationName = deploymentGroup.application.applicationName;
  const deploymentGroupName = deploymentGroup.deploymentGroupName;
  const names: Array<[string | undefined, string]> = [
    [givenName(deploymentGroup.application, applicationName, 'applicationName'), 'applicationName'],
    [givenName(deploymentGroup, deploymentGroupName, 'deploymentGroupName'), 'deploymentGroupName'],
  ];
  for (const [name, prop] of names) {
    if (name !== undefined && !PARAMETER_NAME_SEGMENT.test(name)) {
      recordPropProblem(hook, 'service', `the ${prop} '${name}' of ${service.node.path} has characters SSM refuses in a parameter name, `
        + `and the hook's configuration is stored under ${HOOK_CONFIGURATION_PREFIX}<application>/<deployment group>; `
        + `set the service's ${prop} to letters, digits, '_', '.' and '-' only`);
    }
  }
  let configuration = configurations.get(service);
  if (!configuration) {
    const sections: { [kind: string]: HookConfigurationSection } = {};
    const parameter: ssm.StringParameter = new ssm.StringParameter(service, HOOK_CONFIGURATION_ID, {
      parameterName: hookConfigurationParameterName(HOOK_CONFIGURATION_PREFIX, applicationName, deploymentGroupName),
      // The name always holds '/', which aws-cdk-lib cannot see in a name made of tokens.
      simpleName: false,
      description: `Hook configuration of ${service.serviceName}`.slice(0, 1024),
      // Standard, and free, while the value fits 4 KB; Advanced only for a longer one.
      tier: ssm.ParameterTier.INTELLIGENT_TIERING,
      stringValue: Lazy.string({
        produce: (): string => {
          const value: ServiceHookConfiguration = { version: 1, serviceName: service.serviceName, hooks: sections };
          return Stack.of(parameter).toJsonString(value);
        },
      }),
    });
    configuration = { parameter, sections };
    configurations.set(service, configuration);
  }
  configuration.sections[kind] = section;
  return configuration.parameter;
}

/**
 * The name as written: a resource of this app names itself by a reference, but its CloudFormation
 * resource holds the name given to it. Undefined when the name is known only at deployment.
 */
function givenName(resource: IConstruct, name: string, prop: string): string | undefined {
  if (!Token.isUnresolved(name)) {
    return name;
  }
  const given = (resource.node.defaultChild as unknown as Record<string, unknown> | undefined)?.[prop];
  return typeof given === 'string' && !Token.isUnresolved(given) ? given : undefined;
}

/** The configuration parameter of `service`, once one of its hooks has added a section. */
export function hookConfigurationOf(service: IBlueGreenService): ssm.StringParameter | undefined {
  return configurations.get(service)?.parameter;
}
