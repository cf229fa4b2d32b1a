/**
 * Fitting the names and descriptions the library derives from user input (service names, stage
 * names, construct paths, stack names) into the length and character limits of the AWS services
 * that store them. A name is shortened with a hash of the whole, so two long names stay distinct;
 * a description is cut short. Only characters the service accepts are added: no ellipsis.
 */
import { createHash } from 'crypto';

/** Security-group and rule descriptions: EC2 accepts at most 255 of these characters. */
export const EC2_DESCRIPTION_CHARACTERS = /[^a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]/gu;
export const MAX_EC2_DESCRIPTION_LENGTH = 255;

/** IAM role and policy descriptions: at most 1,000 characters of Latin-1 without control characters. */
// eslint-disable-next-line no-control-regex
export const IAM_DESCRIPTION_CHARACTERS = /[^\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]/gu;
export const MAX_IAM_DESCRIPTION_LENGTH = 1000;

/** 8 hexadecimal digits of the SHA-256 of `text`: the same text always gives the same digits. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8).toUpperCase();
}

/**
 * `name` when it has at most `max` characters; otherwise its start, `-` and a hash of the whole
 * name, `max` characters in all, so that two long names that share a start stay distinct.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) {
    return name;
  }
  const hash = shortHash(name);
  return max > hash.length ? `${name.slice(0, max - hash.length - 1)}-${hash}` : hash.slice(0, max);
}

/**
 * `text` cut to `max` characters as AWS's APIs count them (UTF-16 code units, so an emoji counts
 * two), without splitting a character.
 */
export function fitText(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  let fitted = '';
  for (const character of text) {
    if (fitted.length + character.length > max) {
      break;
    }
    fitted += character;
  }
  return fitted;
}

/** A security-group or rule description: characters EC2 refuses become `-`, then cut to 255. */
export function ec2Description(text: string): string {
  return fitText(text.replace(EC2_DESCRIPTION_CHARACTERS, '-'), MAX_EC2_DESCRIPTION_LENGTH);
}

/** An IAM role or policy description: characters IAM refuses become `-`, then cut to 1,000. */
export function iamDescription(text: string): string {
  return fitText(text.replace(IAM_DESCRIPTION_CHARACTERS, '-'), MAX_IAM_DESCRIPTION_LENGTH);
}

/** True when EC2 accepts `text` as a security-group or rule description. */
export function isEc2Description(text: string): boolean {
  return text.length <= MAX_EC2_DESCRIPTION_LENGTH && text.replace(EC2_DESCRIPTION_CHARACTERS, '') === text;
}
