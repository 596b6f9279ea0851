import { describe, expect, it } from 'vitest';
import { redactArgs, redactText, redactUrl } from '../../src/core/redact.js';

describe('redaction', () => {
  it('masks every known key shape and URL password in free text, and nothing else', () => {
    const text = [
      'anthropic sk-ant-api03-abcdefghijklmnop, openai sk-proj-12345678_abc',
      'langfuse pk-lf-1234567890abcdef slack xoxb-1234-5678-abcdefgh github ghp_abcdefghijklmnopqrstuvwxyz0123',
      'db postgres://app:s3cret-pass@db.example.com:5432/x and HTTPS://User:Pw@Host/ and https://host/path',
      'short sk-abc and a task-runner and a sketch-book stay',
    ].join('\n');
    const out = redactText(text);
    for (const secret of ['sk-ant-api03-abcdefghijklmnop', 'sk-proj-12345678_abc', 'pk-lf-1234567890abcdef', 'xoxb-1234-5678-abcdefgh', 'ghp_abcdefghijklmnopqrstuvwxyz0123', 's3cret-pass', ':Pw@']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('postgres://app:***@db.example.com:5432/x');
    expect(out).toContain('HTTPS://User:***@Host/');
    expect(out).toContain('https://host/path');
    expect(out).toContain('short sk-abc and a task-runner and a sketch-book stay');
  });

  it('masks a URL password that holds an @ whole (parsers split at the last one), and credentials in a query string', () => {
    const cases: [string, string][] = [
      ['postgres://u:pa@ssw0rdXYZ@127.0.0.1:5999/db', 'postgres://u:***@127.0.0.1:5999/db'],
      ['postgres://root@127.0.0.1:5432/db?password=qsecret99zz&sslmode=require', 'postgres://root@127.0.0.1:5432/db?password=***&sslmode=require'],
      ['postgres://h/db?sslmode=verify-full&sslpassword=k3y!pass', 'postgres://h/db?sslmode=verify-full&sslpassword=***'],
      ['http://qdrant:6333/?api_key=abc123&x=1', 'http://qdrant:6333/?api_key=***&x=1'],
    ];
    for (const [url, masked] of cases) {
      expect(redactUrl(url)).toBe(masked);
      expect(redactText(`connecting to ${url} failed`)).toBe(`connecting to ${masked} failed`);
    }
    // An @ in a path or in prose after the URL is not a password's end.
    expect(redactText('https://example.com/users/@ada and mail ada@example.com')).toBe('https://example.com/users/@ada and mail ada@example.com');
    expect(redactArgs(['--db', 'postgres://u@h/db?password=hunter2hunter2'])).toEqual(['--db', 'postgres://u@h/db?password=***']);
  });

  it('masks the whole password of a URL given alone even when it holds a space (pg and ioredis take it)', () => {
    expect(redactUrl('postgres://app:my S3cretPW@127.0.0.1:5432/db')).toBe('postgres://app:***@127.0.0.1:5432/db');
    expect(redactUrl('postgres://post gres:S3cretPW99@127.0.0.1/x')).toBe('postgres://post gres:***@127.0.0.1/x');
    expect(redactUrl('redis://:my S3cretPW@127.0.0.1:6390/0')).toBe('redis://:***@127.0.0.1:6390/0');
    expect(redactUrl('postgres://h/db?password=my S3cretPW&sslmode=disable')).toBe('postgres://h/db?password=***&sslmode=disable');
    expect(redactArgs(['--db', 'postgres://app:my S3cretPW@h/db', '--db=postgres://app:my S3cretPW@h/db'])).toEqual(['--db', 'postgres://app:***@h/db', '--db=postgres://app:***@h/db']);
    // Text that only starts with a URL keeps its words.
    expect(redactArgs(['https://example.com/a b@c is fine'])).toEqual(['https://example.com/a b@c is fine']);
  });

  it('masks a URL password glued to a long word (the scheme it matches is at most 32 characters)', () => {
    expect(redactText(`${'x'.repeat(100)}https://u:pw123456@h/ and 9https://u:pw123456@h/`)).toBe(`${'x'.repeat(100)}https://u:***@h/ and 9https://u:***@h/`);
    // A megabyte word is masked in linear time: test/cli/user-hooks.test.ts (it hung for hours).
  });

  it('applies extra patterns after the built-in ones', () => {
    expect(redactText('card 4111-1111 and sk-abcdefghij', [/\d{4}-\d{4}/g])).toBe('card *** and ***');
  });

  it('masks secret-looking options and URL passwords in arguments', () => {
    expect(redactArgs(['--api-key', 'abc', '--token=xyz', '--db', 'postgres://u:p@h/db'])).toEqual(['--api-key', '***', '--token=***', '--db', 'postgres://u:***@h/db']);
    expect(redactUrl('redis://:pw@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
    expect(redactArgs(['--db-password', 'pw1', '--slack_token=t', '--langfuse-secret', 's', '--client-credentials', 'c'])).toEqual(['--db-password', '***', '--slack_token=***', '--langfuse-secret', '***', '--client-credentials', '***']);
  });

  it('keeps the values of our options that only sound secret', () => {
    // --author alice, --max-tokens 500, dedup's --key fields, and the flag after --password-stdin were stored as ***.
    const args = ['--author', 'alice', '--author-field', 'by', '--max-tokens', '500', '--key', 'user.id', '--token-ttl', '1h', '--password-stdin', '--db', 'x.db'];
    expect(redactArgs(args)).toEqual(args);
    // A key shape is masked whatever option carries it.
    expect(redactArgs(['--key', 'sk-ant-abcdefghijklmnop0123'])).toEqual(['--key', '***']);
  });
});

describe('redaction of the secret values the process holds', () => {
  const env = { OPENAI_API_KEY: 'CANARYnotAKeyShape0123', LANGFUSE_PUBLIC_KEY: 'pub-CANARY-4567', LANGFUSE_SECRET_KEY: 'sec-CANARY-89ab', ACME_TOKEN: 'acme-CANARY-token', HOME: '/root', SHORT_TOKEN: 'abc' };

  it('masks the exact values of secret variables, whatever their shape, and leaves other variables alone', () => {
    const out = redactText('key CANARYnotAKeyShape0123 acme-CANARY-token in /root with abc', [], env);
    expect(out).toBe('key *** *** in /root with abc');
  });

  it('masks the URL-encoded, hex and 12-character-prefix forms a server may echo back', () => {
    const key = 'proj+CANARY/key=2024abc';
    const e = { OPENAI_API_KEY: key };
    for (const form of [encodeURIComponent(key), Buffer.from(key).toString('hex'), Buffer.from(key).toString('hex').toUpperCase(), `${key.slice(0, 12)}…`]) {
      expect(redactText(`Incorrect API key provided: ${form}`, [], e), form).toBe('Incorrect API key provided: ***' + (form.endsWith('…') ? '…' : ''));
    }
  });

  it('masks base64 forms of the values: a Basic header of public:secret, and a value inside a longer base64 text', () => {
    const basic = Buffer.from(`${env.LANGFUSE_PUBLIC_KEY}:${env.LANGFUSE_SECRET_KEY}`).toString('base64');
    for (const prefix of ['', 'x', 'xy']) {
      const embedded = Buffer.from(`${prefix}{"key":"${env.OPENAI_API_KEY}"}`).toString('base64');
      expect(redactText(`blob ${embedded}`, [], env)).not.toContain(embedded.slice(8, 30));
    }
    const out = redactText(`headers: { authorization: 'Basic ${basic}' } raw=${basic}`, [], env);
    expect(out).not.toContain(basic);
    expect(out).not.toMatch(/CANARY/);
  });

  it('masks Authorization header values of any secret, but not prose', () => {
    expect(redactText('Authorization: Bearer abc123def456ghi')).toBe('Authorization: Bearer ***');
    expect(redactText("'authorization': 'Basic dXNlcjpwYXNzd29yZA=='")).toBe("'authorization': 'Basic ***'");
    expect(redactText('Basic information for a Bearer responsibility')).toBe('Basic information for a Bearer responsibility');
  });
});
