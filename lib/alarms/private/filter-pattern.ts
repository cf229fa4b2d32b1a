/**
 * Synth-time checks of CloudWatch Logs filter patterns, so a pattern CloudWatch would reject
 * fails `cdk synth` instead of the deployment. Pure functions, no CDK imports.
 */

/** PutMetricFilter accepts filter patterns of at most 1024 characters. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;

/**
 * What is wrong with a filter pattern, or undefined when it looks acceptable.
 *
 * Checked: not empty (an empty pattern matches every log line), at most 1024 characters,
 * balanced double quotes, and balanced braces, brackets and parentheses outside quoted
 * terms and `%regex%` sections.
 */
export function filterPatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') {
    return 'is empty, which matches every log line; give the terms of a fatal line, e.g. logs.FilterPattern.anyTerm(\'FATAL\')';
  }
  if (pattern.length > MAX_FILTER_PATTERN_LENGTH) {
    return `is ${pattern.length} characters long, CloudWatch accepts at most ${MAX_FILTER_PATTERN_LENGTH}; shorten it or split it into several patterns`;
  }
  const closing: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const open: string[] = [];
  let inQuotes = false;
  let inRegex = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (inQuotes) {
      if (c === '\\') {
        i++;
      } else if (c === '"') {
        inQuotes = false;
      }
      continue;
    }
    if (inRegex) {
      if (c === '\\') {
        i++;
      } else if (c === '%') {
        inRegex = false;
      }
      continue;
    }
    if (c === '"') {
      inQuotes = true;
    } else if (c === '%') {
      inRegex = true;
    } else if (c in closing) {
      open.push(c);
    } else if (c === '}' || c === ']' || c === ')') {
      const last = open.pop();
      if (last === undefined || closing[last] !== c) {
        return `has an unmatched '${c}' at position ${i + 1}: ${pattern}; balance the braces, brackets and parentheses`;
      }
    }
  }
  if (inQuotes) {
    return `has an unterminated double quote: ${pattern}; close the quoted term, or escape a literal quote as \\"`;
  }
  if (inRegex) {
    return `has an unterminated %regex%: ${pattern}; close the regular expression with %`;
  }
  if (open.length > 0) {
    return `has an unclosed '${open[open.length - 1]}': ${pattern}; balance the braces, brackets and parentheses`;
  }
  return undefined;
}

/**
 * The default JSON pattern kept the construct id it had when the filters were numbered by
 * position, so that its metric filter keeps its logical id.
 */
const KEPT_FILTER_IDS: Record<string, string> = {
  '{ ($.level = "fatal") || ($.level = "FATAL") }': 'FatalLogFilter2',
};

/**
 * The construct id of the metric filter of `pattern`, derived from the pattern itself, so that
 * reordering, adding or removing patterns leaves the others' logical ids as they are. A pattern
 * only known at deployment falls back to its position.
 */
export function fatalLogFilterId(pattern: string, resolved: boolean, index: number): string {
  if (!resolved) {
    return `FatalLogFilterAt${index + 1}`;
  }
  return KEPT_FILTER_IDS[pattern] ?? `FatalLogPattern${fnv1a(pattern)}`;
}

/** 32-bit FNV-1a, in hex: short, stable, and enough to tell a handful of patterns apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).toUpperCase().padStart(8, '0');
}
