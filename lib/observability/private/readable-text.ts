import { CfnElement, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Writes a value that may hold deploy-time parts (tokens) for a person to read, at synthesis: a
 * resource's name or attribute becomes `<its construct path>` or `<path.Attribute>`, a pseudo
 * parameter `<AWS::Region>`. Nothing is left as a `${Token[…]}` string.
 */
export class ReadableText {
  private pathsByLogicalId?: Map<string, string>;

  constructor(private readonly scope: IConstruct) {}

  /** `value` with each deploy-time part replaced by a readable placeholder. */
  public of(value: string | number): string {
    if (!Token.isUnresolved(value)) {
      return String(value);
    }
    try {
      return this.describe(Stack.of(this.scope).resolve(value));
    } catch {
      return '<resolved at deploy>';
    }
  }

  private describe(value: unknown): string {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    if (Array.isArray(value)) {
      return value.map((item) => this.describe(item)).join(',');
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
      return `<${argument.startsWith('AWS::') ? argument : this.pathOf(argument)}>`;
    }
    if (intrinsic === 'Fn::GetAtt' && Array.isArray(argument) && typeof argument[0] === 'string') {
      return `<${this.pathOf(argument[0])}.${String(argument[1])}>`;
    }
    if (intrinsic === 'Fn::Join' && Array.isArray(argument) && typeof argument[0] === 'string' && Array.isArray(argument[1])) {
      return (argument[1] as unknown[]).map((part) => this.describe(part)).join(argument[0]);
    }
    if (intrinsic === 'Fn::ImportValue') {
      return `<exported ${this.describe(argument)}>`;
    }
    return '<resolved at deploy>';
  }

  /** The construct path of the resource with `logicalId`, without the stack's, for a placeholder. */
  private pathOf(logicalId: string): string {
    if (!this.pathsByLogicalId) {
      const stack = Stack.of(this.scope);
      this.pathsByLogicalId = new Map();
      for (const construct of stack.node.findAll()) {
        if (CfnElement.isCfnElement(construct) && Stack.of(construct) === stack) {
          const id = stack.resolve(construct.logicalId) as string;
          const path = construct.node.path.slice(stack.node.path.length + 1).replace(/\/(Resource|Default)$/, '');
          this.pathsByLogicalId.set(id, path);
        }
      }
    }
    return this.pathsByLogicalId.get(logicalId) ?? logicalId;
  }
}
