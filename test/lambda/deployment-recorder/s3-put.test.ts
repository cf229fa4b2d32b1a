import { encodeKey, signedHeaders } from '../../../lambda/deployment-recorder/s3-put';

describe('the S3 PUT signature', () => {
  test('matches the Signature Version 4 example of the Amazon S3 API reference (PUT Object)', () => {
    const headers = signedHeaders({
      method: 'PUT', host: 'examplebucket.s3.amazonaws.com', path: `/${encodeKey('test$file.text')}`, region: 'us-east-1', service: 's3',
      body: Buffer.from('Welcome to Amazon S3.'), now: new Date('2013-05-24T00:00:00Z'),
      headers: { 'Date': 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
    }, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });

    expect(headers['x-amz-content-sha256']).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    expect(headers.authorization).toBe('AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, '
      + 'SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, '
      + 'Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  test('a session token is sent and signed', () => {
    const headers = signedHeaders({
      method: 'PUT', host: 'b.s3.eu-west-1.amazonaws.com', path: '/k', region: 'eu-west-1', service: 's3', body: Buffer.from(''), now: new Date(), headers: {},
    }, { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' });
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
  });

  test('keys are encoded per segment, as S3 expects', () => {
    expect(encodeKey('incidents/orders api/Prod(1)/d-1.md')).toBe('incidents/orders%20api/Prod%281%29/d-1.md');
  });
});
