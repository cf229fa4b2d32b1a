import { App, CfnOutput, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
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

describe('ReadableText.json', () => {
  test('resolves a structure and writes each intrinsic in it as a placeholder, leaving literals as they are', () => {
    const stack = new Stack(new App(), 'Orders');
    const topic = new sns.Topic(stack, 'Alerts');
    const readable = new ReadableText(stack);
    const value = {
      TopicArn: topic.topicArn,
      Names: [topic.topicName, 'literal'],
      Url: `https://${stack.region}.console.aws.amazon.com/sns/${topic.topicName}`,
      Count: 3,
      Nested: { Enabled: true, Lazy: Lazy.string({ produce: () => topic.topicName }) },
    };
    expect(readable.json(value)).toEqual({
      TopicArn: '<Alerts>',
      Names: ['<Alerts.TopicName>', 'literal'],
      Url: 'https://<AWS::Region>.console.aws.amazon.com/sns/<Alerts.TopicName>',
      Count: 3,
      Nested: { Enabled: true, Lazy: '<Alerts.TopicName>' },
    });
  });

  test('writes a value imported from another stack, or read from its output, as the resource there', () => {
    const app = new App();
    const network = new Stack(app, 'Network');
    const topic = new sns.Topic(network, 'Edge');
    new CfnOutput(network, 'EdgeName', { value: topic.topicName, exportName: 'network-edge-name' });
    new CfnOutput(network, 'EdgeArn', { value: topic.topicArn });
    const services = new Stack(app, 'Services');
    const readable = new ReadableText(services);
    expect(readable.json({
      Imported: Fn.importValue('network-edge-name'),
      Output: { 'Fn::GetStackOutput': { StackName: 'Network', Region: 'us-east-1', OutputName: 'EdgeArn' } },
      Unknown: { 'Fn::GetStackOutput': { StackName: 'Elsewhere', OutputName: 'Missing' } },
      NotExported: Fn.importValue('nobody-exports-this'),
    })).toEqual({
      Imported: '<Network/Edge.TopicName>',
      Output: '<Network/Edge>',
      Unknown: '<output Missing of stack Elsewhere>',
      NotExported: '<exported nobody-exports-this>',
    });
  });

  test('writes a reference resolved in another stack than its resource\'s by the resource\'s own path', () => {
    const app = new App();
    const tooling = new Stack(app, 'Tooling');
    const topic = new sns.Topic(tooling, 'Releases');
    const services = new Stack(app, 'Services');
    // A lazy value is resolved in the stack asked for; the topic is not there.
    expect(new ReadableText(services).json({ Arn: Lazy.any({ produce: () => topic.topicArn }) }, services)).toEqual({ Arn: '<Tooling/Releases>' });
  });
});
