import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

// The package as a user gets it: the tarball `npm pack` makes (of the dist/ that `npm test`'s
// pretest built), unpacked into a project outside the repo. No `npm install` (no network in
// tests): the package's dependencies are linked from the repo's node_modules, so everything
// else the consumer sees comes from the packed files only.

const dir = tempDir('llmops-consumer-');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
let files: string[] = [];

beforeAll(() => {
  expect(existsSync(join(REPO, 'dist', 'index.d.ts')), 'dist/ not built: run `npx tsup` (npm test does)').toBe(true);
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], { cwd: REPO, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  const pkg = join(dir.path, 'node_modules', 'llmops');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['xzf', join(dir.path, packed[0]!.filename), '-C', pkg, '--strip-components=1']);
  const { dependencies } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of [...Object.keys(dependencies), '@types/node']) {
    const target = join(dir.path, 'node_modules', dep);
    mkdirSync(join(target, '..'), { recursive: true });
    symlinkSync(join(REPO, 'node_modules', dep), target);
  }
  writeFileSync(join(dir.path, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: false };
  writeFileSync(join(dir.path, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
}, 120_000);

afterAll(() => dir.remove());

function compile(source: string): { ok: boolean; output: string } {
  writeFileSync(join(dir.path, 'consumer.ts'), source);
  const r = spawnSync(process.execPath, [TSC, '-p', dir.path], { cwd: dir.path, encoding: 'utf8' });
  return { ok: r.status === 0, output: r.stdout + r.stderr };
}

const TYPED_CONSUMER = `
import { ingest, split, analyse, featurize, search, ask, monitor, defineTask, type SearchResult, type Answer } from 'llmops';
import { z } from 'zod';

const topic = defineTask({
  name: 'topic',
  version: 1,
  system: 'Name the topic of the text.',
  prompt: ({ text }: { text: string }) => [{ role: 'user', content: text }],
  schema: z.object({ label: z.string() }),
});

async function main(): Promise<void> {
  const ingested = await ingest({ db: 'w.db', inputs: ['records.jsonl'], category: 'posts' });
  const inserted: number = ingested.inserted;
  const splitted = await split({ db: 'w.db', limit: 10 });
  const sentences: number = splitted.sentences;
  const analysed = await analyse({ db: 'w.db', task: 'sentiment', concurrency: 4 });
  const custom = await analyse({ db: 'w.db', task: topic, env: 'anthropic' });
  const done: number = analysed.done + custom.failed;
  const featurized = await featurize({ db: 'w.db', embedder: 'hashing', vectors: 'sqlite' });
  const chunks: number = featurized.chunks;
  const hits: SearchResult[] = await search({ db: 'w.db', collection: 'embedded_posts', query: 'battery', k: 3, mode: 'lexical' });
  const answer: Answer = await ask({ db: 'w.db', question: 'How long does the battery last?', k: 3, env: 'openai' });
  const cited: string | null = answer.citations[0]?.title ?? null;
  const runs = await monitor({ config: 'monitor.yaml', dryRun: true, signal: new AbortController().signal });
  console.log(inserted, sentences, done, chunks, hits[0]?.text, cited, runs[0]?.scores);
}
void main();
`;

describe('the packed package', () => {
  it('ships the licence and the declarations, and no source maps', () => {
    expect(files).toContain('LICENSE');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('assets/chat.html'); // served by `llmops serve` at /
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('type-checks a TypeScript consumer of every stage, and refuses a wrong call', () => {
    const good = compile(TYPED_CONSUMER);
    expect(good.output).toBe('');
    expect(good.ok).toBe(true);
    const bad = compile(`import { search } from 'llmops';\nvoid search({ collection: 'embedded_posts', query: 'x', k: 'x' });\nvoid search({ k: 3 });\n`);
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/consumer\.ts\(2,.*TS2322.*'string' is not assignable to type 'number'/);
    expect(bad.output).toMatch(/consumer\.ts\(3,.*(TS2345|TS2739)/);
  });

  it('runs ingest, split, analyse, featurize, search and ask from a script, printing nothing', () => {
    const records = [
      { id: 'a', title: 'Battery', text: 'The battery lasts all day. I love this phone.' },
      { id: 'b', title: 'Screen', text: 'The screen cracked on day one. Terrible support.' },
    ];
    writeFileSync(join(dir.path, 'records.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    writeFileSync(
      join(dir.path, 'run.mjs'),
      `import { ingest, split, analyse, featurize, search, ask } from 'llmops';
const db = process.argv[2];
const ingested = await ingest({ db, inputs: ['records.jsonl'], category: 'posts' });
const splitted = await split({ db });
const analysed = await analyse({ db });
const featurized = await featurize({ db, embedder: 'hashing', vectors: 'sqlite' });
const hits = await search({ db, collection: 'embedded_posts', query: 'battery', k: 1, mode: 'lexical' });
const answered = await ask({ db, question: 'How long does the battery last?' });
process.stdout.write(JSON.stringify({ ingested, splitted, analysed, featurized, hits, answered }));
`,
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LLMOPS_|QDRANT_URL$)/.test(k)));
    const r = spawnSync(process.execPath, ['run.mjs', join(dir.path, 'store', 'w.db')], { cwd: dir.path, encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout); // the library printed nothing of its own
    expect(out.ingested).toMatchObject({ records: 2, inserted: 2, invalid: 0, documents_in_store: 2 });
    expect(out.splitted).toMatchObject({ documents: 2, sentences: 4, sentences_in_store: 4 });
    expect(out.analysed).toMatchObject({ task: 'sentiment v1', model: expect.stringMatching(/^local\//), done: 4, failed: 0 });
    expect(out.featurized).toMatchObject({ embedder: expect.stringMatching(/^hashing/), vector_store: 'sqlite-vec', documents: 2 });
    expect(out.featurized.chunks).toBeGreaterThan(0);
    expect(out.hits).toHaveLength(1);
    expect(out.hits[0]).toMatchObject({ rank: 1, text: expect.stringContaining('battery') });
    expect(out.answered).toMatchObject({ mode: 'extractive', answer: 'The battery lasts all day. [1]', citations: [expect.objectContaining({ n: 1, title: 'Battery' })] });
    expect(readdirSync(dir.path)).not.toContain('.llmops'); // the named database, not a default one
  });
});
