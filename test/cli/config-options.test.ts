import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ndjson, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

/** llmops.yaml sets any command's options; flags win over it, it wins over built-in defaults. */
describe('llmops.yaml for every command', () => {
  const d = tempDir();
  const cli = (args: string[], opts: { cwd?: string; input?: string } = {}) => runCli(args, { cwd: d.path, ...opts });
  const config = (text: string) => writeFileSync(join(d.path, 'llmops.yaml'), text);

  beforeAll(async () => {
    expect((await cli(['-q', 'ingest', join(REPO, 'data')])).code).toBe(0);
  });
  afterAll(() => d.remove());

  it('featurize and inspect take their options from the file; a flag overrides it', async () => {
    config(['featurize:', '  embedder: hashing', '  dimension: 64', '  category: articles', 'inspect:', '  search:', '    mode: lexical', '    k: 1', '  documents:', '    limit: 2'].join('\n'));
    const f = await cli(['featurize', '--json']);
    expect(f.code).toBe(0);
    expect(ndjson(f.stdout)[0]).toMatchObject({ embedder: 'hashing:v1-d64-b0.5-c0.35', collections: 'embedded_articles' });
    const search = (extra: string[]) => cli(['inspect', 'search', 'embedded_articles', '--query', 'market growth', '--json', ...extra]);
    expect(ndjson((await search([])).stdout)).toHaveLength(1);
    expect(ndjson((await search(['--k', '2'])).stdout)).toHaveLength(2);
    expect(ndjson((await cli(['inspect', 'documents', '--json'])).stdout)).toHaveLength(2);
    expect(ndjson((await cli(['inspect', 'documents', '--json', '--limit', '3'])).stdout)).toHaveLength(3);
  });

  it('analyse takes its options from the file (snake_case too), from a subfolder as well', async () => {
    config('analyse:\n  text_field: review.body\n  concurrency: 2\n');
    mkdirSync(join(d.path, 'sub'), { recursive: true });
    const input = '{"id":"r1","review":{"body":"The battery life is superb."},"other":"The screen cracked and it is awful."}\n';
    const r = await cli(['analyse', '--in', '-', '--out', '-'], { input, cwd: join(d.path, 'sub') });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)[0]).toMatchObject({ id: 'r1', label: 'positive' });
    const flag = await cli(['analyse', '--in', '-', '--out', '-', '--text-field', 'other'], { input });
    expect(flag.code).toBe(0);
    expect(ndjson(flag.stdout)[0]).toMatchObject({ id: 'r1', label: 'negative' }); // the flag won
  });

  it("ingest's field mapping (the keys it always had) applies to records, and is no conflict for --restore", async () => {
    config('ingest:\n  text_field: body\n  category: notes\n  max_record_mb: 1\n');
    writeFileSync(join(d.path, 'notes.jsonl'), '{"id":"n1","body":"A note from the config test."}\n');
    expect((await cli(['-q', 'ingest', 'notes.jsonl'])).code).toBe(0);
    const docs = ndjson((await cli(['inspect', 'documents', '--category', 'notes', '--json'])).stdout);
    expect(docs).toHaveLength(1);
    expect((await cli(['inspect', 'export', 'backup.jsonl'])).code).toBe(0);
    const restore = await cli(['ingest', '--restore', 'backup.jsonl', '--json']);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect((await cli(['ingest', '--restore', 'backup.jsonl', '--source', 'x'])).code).toBe(2); // a typed mapping flag still is
  });

  it('an unknown key is one line naming file and key, with a suggestion; exit 2, nothing run', async () => {
    config('analyse:\n  concurency: 4\nanaylse: {}\ninspect:\n  search:\n    kk: 3\n');
    const r = await cli(['inspect', 'documents']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.replace(/^llmops: /, '').trim().split('\n');
    expect(lines).toEqual([
      'llmops.yaml: analyse.concurency: unknown option; did you mean concurrency?',
      'llmops.yaml: anaylse: unknown key; did you mean analyse?',
      'llmops.yaml: inspect.search.kk: unknown option; did you mean k?',
    ]);
  });

  it('a value of the wrong type names the key and the form expected', async () => {
    config('analyse:\n  concurrency: many\n  skip-invalid: "yes"\nfeaturize:\n  category: [a, b]\ndedup:\n  threshold: 2\n');
    const r = await cli(['inspect', 'documents']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('llmops.yaml: analyse.concurrency: expected a positive integer; got "many"');
    expect(r.stderr).toContain('llmops.yaml: analyse.skip-invalid: expected true or false; got "yes"');
    expect(r.stderr).toContain('llmops.yaml: featurize.category: takes one value (--category <name>); got a list');
    expect(r.stderr).toContain('llmops.yaml: dedup.threshold: expected a number in (0, 1]; got 2');
  });

  it('subcommands are nested; a name that is both a subcommand and an option is the option for a value', async () => {
    config('dedup:\n  ledger: seen\n  near: true\nmonitor:\n  webhook:\n    port: 9999\ncrawl:\n  allow-host: [localhost:8080, 127.0.0.1:9000]\n  no-such: 1\n');
    const r = await cli(['where']);
    expect(r.stderr).toBe('llmops: llmops.yaml: crawl.no-such: unknown option (see llmops crawl --help)\n');
    config('');
    for (const ledger of ['aa', 'bb']) expect((await cli(['dedup', '--in', '-', '--key', 'k', '--ledger', ledger], { input: '{"k":1}\n' })).code).toBe(0);
    config('dedup:\n  ledger:\n    list:\n      ledger: aa\n');
    const namespaces = async (args: string[]) => ndjson((await cli(['dedup', 'ledger', 'list', '--json', ...args])).stdout).map((l) => l.namespace);
    expect(await namespaces([])).toEqual(['dedup:aa']);
    expect(await namespaces(['--ledger', 'bb'])).toEqual(['dedup:bb']);
    config('dedup:\n  ledger:\n    count:\n      ledger: seen\n    prune:\n      older-than: 30d\n');
    const required = await cli(['where']);
    expect(required.stderr).toContain('llmops.yaml: dedup.ledger.prune.older-than: required on the command line (--older-than)');
  });
});
