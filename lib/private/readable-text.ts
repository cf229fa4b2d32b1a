import { CfnElement, CfnOutput, IResolvable, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Writes a value that may hold deploy-time parts (tokens) for a person to read, at synthesis: a
 * resource's name or attribute becomes `<its construct path>` or `<path.Attribute>` (with the
 * stack's name when it is another stack's), a pseudo parameter `<AWS::Region>`. Nothing is left
 * as a `${Token[…]}` string.
 */
export class ReadableText {
  private readonly pathsByStack = new Map<Stack, Map<string, string>>();
  private readonly home: Stack;

  constructor(scope: IConstruct) {
    this.home = Stack.of(scope);
  }

  /**
   * `value` with each deploy-time part replaced by a readable placeholder. A part that is no
   * reference (a lazy value) is resolved in the stack of `scope`, by default the stack this was made for.
   */
  public of(value: string | number, scope?: IConstruct): string {
    if (!Token.isUnresolved(value)) {
      return String(value);
    }
    const stack = scope ? Stack.of(scope) : this.home;
    if (typeof value === 'number') {
      return this.token(Tokenization.reverseNumber(value), stack);
    }
    const fragments = Tokenization.reverseString(value).mapTokens({ mapToken: (token) => this.token(token, stack) });
    return String(fragments.join({ join: (left: unknown, right: unknown) => `${String(left)}${String(right)}` }));
  }

  /**
   * A structure that may hold deploy-time parts (a rendered API request, an L1 property), resolved
   * in the stack of `scope` (by default the stack this was made for), with every CloudFormation
   * intrinsic in it written as a readable placeholder string: plain JSON, no token left.
   */
  public json(value: unknown, scope?: IConstruct): unknown {
    const stack = scope ? Stack.of(scope) : this.home;
    return this.walk(stack.resolve(value), stack);
  }

  private walk(value: unknown, stack: Stack): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.walk(item, stack));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
      return this.describe(value, stack);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.walk(item, stack)]));
  }

  /** A token, resolved in the stack of the resource it refers to (a pipeline may be in another stack), else in `home`. */
  private token(token: IResolvable | undefined, home: Stack): string {
    if (token === undefined) {
      return '<resolved at deploy>';
    }
    const stack = Reference.isReference(token) ? Stack.of(token.target) : home;
    try {
      return this.describe(stack.resolve(token), stack);
    } catch {
      return '<resolved at deploy>';
    }
  }

  private describe(value: unknown, stack: Stack): string {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    if (Array.isArray(value)) {
      return value.map((item) => this.describe(item, stack)).join(',');
    }
    if (value === null || typeof value !== 'object') {
      return '<resolved at deploy>';
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length !== 1) {
      return '<resolved at deploy>';
    }
    const [intrinsic, argument] = entries[0];
    if (intrinsic === 'Ref' && typeof argument === 'string') {
      return `<${argument.startsWith('AWS::') ? argument : this.pathOf(argument, stack)}>`;
    }
    if (intrinsic === 'Fn::GetAtt' && Array.isArray(argument) && typeof argument[0] === 'string') {
      return `<${this.pathOf(argument[0], stack)}.${String(argument[1])}>`;
    }
    if (intrinsic === 'Fn::Join' && Array.isArray(argument) && typeof argument[0] === 'string' && Array.isArray(argument[1])) {
      return (argument[1] as unknown[]).map((part) => this.describe(part, stack)).join(argument[0]);
    }
    if (intrinsic === 'Fn::ImportValue') {
      const exportName = this.describe(argument, stack);
      return this.outputValue(stack, (output, other) => other.resolve(output.exportName) === exportName) ?? `<exported ${exportName}>`;
    }
    if (intrinsic === 'Fn::GetStackOutput' && typeof argument === 'object' && argument !== null) {
      // A reference to another stack (in another region or account): its output, read where it is defined.
      const { StackName: stackName, OutputName: outputName } = argument as Record<string, unknown>;
      return this.outputValue(stack, (output, other) => other.stackName === stackName && other.resolve(output.logicalId) === outputName)
        ?? `<output ${String(outputName)} of stack ${String(stackName)}>`;
    }
    return '<resolved at deploy>';
  }

  /** The value of the first output of the app that `matches`, written as its own stack sees it. */
  private outputValue(stack: Stack, matches: (output: CfnOutput, other: Stack) => boolean): string | undefined {
    const output = stack.node.root.node.findAll().find((c): c is CfnOutput => c instanceof CfnOutput && matches(c, Stack.of(c)));
    return output ? this.describe(Stack.of(output).resolve(output.value), Stack.of(output)) : undefined;
  }

  /** The construct path of the resource with `logicalId` in `stack`, relative to the home stack, for a placeholder. */
  private pathOf(logicalId: string, stack: Stack): string {
    // A reference resolved in another stack than its resource's: the resource is found in its own.
    return this.pathsOf(stack).get(logicalId) ?? this.pathElsewhere(logicalId, stack) ?? logicalId;
  }

  private pathsOf(stack: Stack): Map<string, string> {
    let paths = this.pathsByStack.get(stack);
    if (!paths) {
      paths = new Map();
      const prefix = stack === this.home ? stack.node.path.length + 1 : 0;
      for (const construct of stack.node.findAll()) {
        if (CfnElement.isCfnElement(construct) && Stack.of(construct) === stack) {
          const id = stack.resolve(construct.logicalId) as string;
          paths.set(id, construct.node.path.slice(prefix).replace(/(\/(Resource|Default))+$/, ''));
        }
      }
      this.pathsByStack.set(stack, paths);
    }
    return paths;
  }

  private pathElsewhere(logicalId: string, stack: Stack): string | undefined {
    const stacks = stack.node.root.node.findAll().filter((other): other is Stack => Stack.isStack(other) && other !== stack);
    return stacks.map((other) => this.pathsOf(other).get(logicalId)).find((found) => found !== undefined);
  }
}
