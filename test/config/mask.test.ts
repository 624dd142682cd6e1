import { describe, expect, it } from 'vitest';
import { maskText, maskValue } from '../../src/config/mask.js';

describe('masking', () => {
  const cases: Array<[string, string, string]> = [
    ['URL password', 'connect postgres://app:S3cr3t!@db:5432/zava failed', 'S3cr3t!'],
    [
      'Azure connection string key',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=bXlrZXk9PQ==;EndpointSuffix=core',
      'bXlrZXk9PQ==',
    ],
    [
      'SAS signature',
      'https://acct.blob.core.windows.net/c?sv=2022&sig=abcDEF%2Bsig123&se=2030',
      'abcDEF%2Bsig123',
    ],
    [
      'bearer token',
      'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig',
      'eyJhbGciOiJSUzI1NiJ9.payload.sig',
    ],
    ['api key pair', 'api-key=abcd1234efgh', 'abcd1234efgh'],
    ['redis URL', 'redis://:redispass@127.0.0.1:6379', 'redispass'],
  ];
  for (const [name, text, secret] of cases) {
    it(`hides a ${name}`, () => {
      const masked = maskText(text);
      expect(masked).not.toContain(secret);
      expect(masked).toContain('***');
    });
  }

  it('hides known secret values anywhere in text', () => {
    expect(maskText('key is plain-value-42 here', ['plain-value-42'])).toBe('key is *** here');
  });

  it('masks values under secret-looking keys in objects, deeply', () => {
    const masked = maskValue({
      password: 'p',
      nested: {
        client_secret: 'c',
        'x-api-key': 'k',
        connection_string: 'cs',
        authorization: 'a',
        token: 't',
        ok: 'visible',
      },
      list: [{ AZURE_STORAGE_KEY: 'sk' }],
    });
    expect(JSON.stringify(masked)).not.toMatch(/"(p|c|k|cs|a|t|sk)"/);
    expect(masked.nested.ok).toBe('visible');
  });
});
