import { App, Fn, Stack, Token } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ReadableText } from '../../lib/private/readable-text';

describe('ReadableText', () => {
  function setup(): { stack: Stack; topic: sns.Topic; readable: ReadableText } {
    const stack = new Stack(new App(), 'Orders');
    const topic = new sns.Topic(stack, 'Alerts');
    return { stack, topic, readable: new ReadableText(stack) };
  }

  test('leaves literal text and numbers as they are', () => {
    const { readable } = setup();
    expect(readable.of('orders-api')).toBe('orders-api');
    expect(readable.of(42)).toBe('42');
  });

  test('writes a reference as the construct path of its resource, and an attribute with its name', () => {
    const { topic, readable } = setup();
    expect(readable.of(topic.topicArn)).toBe('<Alerts>');
    expect(readable.of(topic.topicName)).toBe('<Alerts.TopicName>');
  });

  test('writes pseudo parameters by name, inside the text around them', () => {
    const { stack, topic, readable } = setup();
    expect(readable.of(`https://${stack.region}.console.aws.amazon.com/sns/${topic.topicName}`))
      .toBe('https://<AWS::Region>.console.aws.amazon.com/sns/<Alerts.TopicName>');
  });

  test('writes what it cannot read as a placeholder, never a token string', () => {
    const { readable, topic } = setup();
    const selected = Fn.select(0, Fn.split(':', topic.topicArn));
    expect(Token.isUnresolved(selected)).toBe(true);
    expect(readable.of(selected)).toBe('<resolved at deploy>');
    expect(readable.of(`x-${Token.asString(Fn.base64('a'))}`)).toBe('x-<resolved at deploy>');
  });
});

describe('ReadableText across stacks', () => {
  test('writes another stack\'s resource with that stack\'s name', () => {
    const app = new App();
    const tooling = new Stack(app, 'Tooling');
    const topic = new sns.Topic(tooling, 'Releases');
    const services = new Stack(app, 'Services');
    const readable = new ReadableText(services);
    expect(readable.of(`topic ${topic.topicName}`)).toBe('topic <Tooling/Releases.TopicName>');
    expect(readable.of(services.account)).toBe('<AWS::AccountId>');
  });
});
