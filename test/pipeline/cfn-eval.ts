/**
 * Evaluates the few CloudFormation intrinsics that synthesized strings contain, with stand-in
 * values for references, so a test can parse a JSON document CloudFormation would complete.
 */
export function evaluate(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  const intrinsic = value as Record<string, unknown>;
  if (typeof intrinsic.Ref === 'string') {
    return `REF(${intrinsic.Ref})`;
  }
  if (Array.isArray(intrinsic['Fn::GetAtt'])) {
    return `GETATT(${(intrinsic['Fn::GetAtt'] as string[]).join('.')})`;
  }
  if (typeof intrinsic['Fn::ImportValue'] === 'string') {
    return `IMPORT(${intrinsic['Fn::ImportValue']})`;
  }
  if (typeof intrinsic['Fn::Sub'] === 'string') {
    return `SUB(${intrinsic['Fn::Sub']})`;
  }
  if (Array.isArray(intrinsic['Fn::Join'])) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(evaluate).join(separator);
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

/** The JSON document a synthesized string value holds once CloudFormation resolves it. */
export function evaluateJson(value: unknown): unknown {
  return JSON.parse(evaluate(value));
}
