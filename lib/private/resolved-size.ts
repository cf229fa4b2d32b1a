/**
 * The bytes a resolved CloudFormation value takes once deployed: literal parts as they are, each
 * deploy-time reference (an ARN, a generated name) estimated. Shared by every check of a size
 * AWS caps: a function's environment, an SSM parameter, a rule's input.
 */

/** What a deploy-time value (an ARN, a name) is counted as. */
export const REFERENCE_SIZE_ESTIMATE = 100;

/** The bytes of a resolved value: literal text as it is, each reference estimated. */
export function resolvedSize(resolved: unknown): number {
  if (typeof resolved === 'string') {
    return Buffer.byteLength(resolved);
  }
  if (typeof resolved === 'number' || typeof resolved === 'boolean') {
    return String(resolved).length;
  }
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join) {
    const [separator, parts] = join;
    return parts.reduce<number>((sum, part) => sum + resolvedSize(part), 0) + Buffer.byteLength(separator) * Math.max(0, parts.length - 1);
  }
  return REFERENCE_SIZE_ESTIMATE;
}
