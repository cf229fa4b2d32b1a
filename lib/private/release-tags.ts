/**
 * Writing the tags the release CLI finds resources by (contract/release-tags.ts), on the one
 * resource each names, never on a whole construct: every tag is template text.
 */
import { CfnResource, Tags } from 'aws-cdk-lib';
import { fitName } from './text-limits';

/** AWS's limit for a tag value. */
export const MAX_TAG_VALUE_LENGTH = 256;

/** What a tag value accepts besides letters and digits: whitespace and `_ . : / = + - @`. */
const TAG_VALUE_REFUSED = /[^\p{L}\p{N}\s_.:/=+\-@]/gu;

/** `text` as a tag value: refused characters become `_`, and a long text is shortened with a hash. */
export function tagValue(text: string): string {
  return fitName(text.replace(TAG_VALUE_REFUSED, '_'), MAX_TAG_VALUE_LENGTH);
}

/** Tags `resource` alone (not its construct's other resources) with `key` = `value`. */
export function tagResource(resource: CfnResource, key: string, value: string): void {
  Tags.of(resource).add(key, value);
}
