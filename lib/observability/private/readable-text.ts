import { CfnElement, IResolvable, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
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

  /** `value` with each deploy-time part replaced by a readable placeholder. */
  public of(value: string | number): string {
    if (!Token.isUnresolved(value)) {
      return String(value);
    }
    if (typeof value === 'number') {
      return this.token(Tokenization.reverseNumber(value));
    }
    const fragments = Tokenization.reverseString(value).mapTokens({ mapToken: (token) => this.token(token) });
    return String(fragments.join({ join: (left: unknown, right: unknown) => `${String(left)}${String(right)}` }));
  }

  /** A token, resolved in the stack of the resource it refers to (a pipeline may be in another stack). */
  private token(token: IResolvable | undefined): string {
    if (token === undefined) {
      return '<resolved at deploy>';
    }
    const stack = Reference.isReference(token) ? Stack.of(token.target) : this.home;
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
      return `<exported ${this.describe(argument, stack)}>`;
    }
    return '<resolved at deploy>';
  }

  /** The construct path of the resource with `logicalId` in `stack`, relative to the runbook's stack, for a placeholder. */
  private pathOf(logicalId: string, stack: Stack): string {
    let paths = this.pathsByStack.get(stack);
    if (!paths) {
      paths = new Map();
      const prefix = stack === this.home ? stack.node.path.length + 1 : 0;
      for (const construct of stack.node.findAll()) {
        if (CfnElement.isCfnElement(construct) && Stack.of(construct) === stack) {
          const id = stack.resolve(construct.logicalId) as string;
          paths.set(id, construct.node.path.slice(prefix).replace(/\/(Resource|Default)$/, ''));
        }
      }
      this.pathsByStack.set(stack, paths);
    }
    return paths.get(logicalId) ?? logicalId;
  }
}
