import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkHostAndOrigin, hygieneOptions } from '../../src/mcp/http-hygiene.js';
import { createLogger } from '../../src/mcp/log.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('Host and Origin checks (DNS rebinding)', () => {
  const defaults = hygieneOptions(undefined, undefined);
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['loopback host', { host: '127.0.0.1:8000' }, true],
    ['localhost with same-host origin', { host: 'localhost:8000', origin: 'http://localhost:8000' }, true],
    ['a rebinding page: foreign Host', { host: 'attacker.example:8000' }, false],
    [
      'a rebinding page: foreign Origin',
      { host: '127.0.0.1:8000', origin: 'http://attacker.example' },
      false,
    ],
    ['Origin null', { host: '127.0.0.1:8000', origin: 'null' }, false],
    ['no Host', {}, false],
  ];
  for (const [name, headers, allowed] of cases) {
    it(`${allowed ? 'accepts' : 'refuses'} ${name}`, () => {
      expect(checkHostAndOrigin(request(headers), defaults) === undefined).toBe(allowed);
    });
  }

  it('accepts configured hosts and origins', () => {
    const options = hygieneOptions('mcp.zava.example', 'https://portal.zava.example');
    expect(
      checkHostAndOrigin(
        request({ host: 'mcp.zava.example', origin: 'https://portal.zava.example' }),
        options,
      ),
    ).toBeUndefined();
    expect(checkHostAndOrigin(request({ host: '127.0.0.1:8000' }), options)).toMatch(/not allowed/);
  });
});

describe('structured logs', () => {
  it('mask secrets wherever they appear', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l), ['s3cret-pass-value']);
    logger.info('tool_call', {
      requestId: 'r1',
      sql: "SELECT 's3cret-pass-value'",
      headers: { authorization: 'Bearer abc.def.ghi', 'x-api-key': 'k-123' },
      url: 'postgres://u:pw-in-url@db/zava',
    });
    logger.debug('hidden');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]);
    expect(record).toMatchObject({ level: 'info', msg: 'tool_call', requestId: 'r1' });
    expect(lines[0]).not.toMatch(/s3cret-pass-value|abc\.def\.ghi|k-123|pw-in-url/);
  });
});
