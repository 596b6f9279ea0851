import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/embed/create-embedder.js';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import { createOpenAIEmbedder } from '../../src/embed/openai-embedder.js';
import { createTransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { Logger } from '../../src/core/logger.js';
import { tempDir } from '../helpers/databases.js';
import { startFakeOpenAIEmbeddings } from '../fakes/openai-embeddings-server.js';
import { writeTinyModel } from './tiny-model.js';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(cos(a, a));

/** What every embedder promises, checked the same way for each. */
async function behavesLikeAnEmbedder(e: Embedder, related: [string, string, string]) {
  const [a, b, c] = await e.embedBatch(related);
  expect(a).toHaveLength(e.dimension);
  for (const v of [a!, b!, c!]) expect(norm(v)).toBeCloseTo(1, 4);
  expect(cos(a!, b!)).toBeGreaterThan(cos(a!, c!)); // a and b share words, c does not
  const [again] = await e.embedBatch([related[0]]);
  expect(Array.from(again!)).toEqual(Array.from(a!).map((x) => expect.closeTo(x, 5)));
  expect(e.countTokens(related[0])).toBeGreaterThan(0);
  expect(await e.embedBatch([])).toEqual([]);
}

describe('hashing embedder', () => {
  it('makes the very vectors release 0.1.0 stored (the id promises it: hashing:v1), bit for bit, ASCII or not', async () => {
    // The frozen database of test/fixtures/release-0.1.0: posts (emoji, hashtags), reviews, articles.
    const dir = tempDir();
    try {
      const file = join(dir.path, 'release.db');
      writeFileSync(file, gunzipSync(readFileSync(join(import.meta.dirname, '../fixtures/release-0.1.0/release-0.1.0.db.gz'))));
      const db = new Database(file, { readonly: true });
      const rows = db.prepare('select payload, embedding from vector_points where embedding is not null order by seq').all() as { payload: string; embedding: Buffer }[];
      db.close();
      const e = await createHashingEmbedder();
      const texts = rows.map((r) => (JSON.parse(r.payload) as { text: string }).text);
      expect(texts.some((t) => /[^\x00-\x7f]/.test(t)) && texts.some((t) => !/[^\x00-\x7f]/.test(t))).toBe(true);
      const vectors = await e.embedBatch(texts);
      expect(rows.length).toBeGreaterThan(50);
      rows.forEach((r, i) => expect(Buffer.from(vectors[i]!.buffer).equals(r.embedding)).toBe(true));
    } finally {
      dir.remove();
    }
  });

  it('is deterministic, unit-length, and puts texts that share words close together', async () => {
    const e = await createHashingEmbedder({ dimension: 256 });
    expect(e).toMatchObject({ name: 'hashing', dimension: 256, maxTokens: 512, tokenizer: 'cl100k_base estimate' });
    expect(e.id).toBe('hashing:v1-d256-b0.5-c0.35');
    await behavesLikeAnEmbedder(e, ['the battery life of this phone is great', 'great battery life on phones', 'a recipe for lemon cake']);
    // morphology: plural and singular meet through stemming and character n-grams
    const [x, y, z] = await e.embedBatch(['biomaterials', 'biomaterial', 'volcano']);
    expect(cos(x!, y!)).toBeGreaterThan(0.8);
    expect(cos(x!, z!)).toBeLessThan(0.3);
    expect(e.countTokens('hello world')).toBe(3); // an estimate at or a little above cl100k_base's 2
  });
});

describe('transformers.js embedder (tiny BERT model built by the test, loaded fully offline)', () => {
  const dir = tempDir('llmops-tiny-model-');
  beforeAll(() => writeTinyModel(dir.path, 'test/tiny-bert', { dim: 8, maxLength: 32 }));
  afterAll(() => dir.remove());

  it('loads from the local folder through the same code as MiniLM: mean-pooled unit vectors, its own tokenizer and limit', async () => {
    const e = await createTransformersEmbedder({ model: 'test/tiny-bert', modelsDir: dir.path });
    try {
      expect(e).toMatchObject({ name: 'minilm', id: 'minilm:test/tiny-bert', dimension: 8, maxTokens: 32 });
      await behavesLikeAnEmbedder(e, ['apple banana cherry', 'banana apple', 'river mountain fish']);
      expect(e.countTokens('apple banana')).toBe(4); // [CLS] apple banana [SEP]
      // longer than the model reads: truncated to maxTokens, not an error
      const [long] = await e.embedBatch([Array(100).fill('apple dog').join(' ')]);
      expect(norm(long!)).toBeCloseTo(1, 4);
    } finally {
      await e.close?.();
    }
  });

  it('a missing model is a clear error, and --embedder auto falls back to hashing saying so on stderr', async () => {
    await expect(createTransformersEmbedder({ model: 'nobody/missing', modelsDir: dir.path })).rejects.toThrow(/model nobody\/missing is not in .*download it once/);
    const lines: string[] = [];
    const logger = new Logger('normal', { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream);
    const e = await createEmbedder({ name: 'auto', model: 'nobody/missing', modelsDir: dir.path, logger });
    expect(e.name).toBe('hashing');
    expect(lines.join('')).toMatch(/FALLING BACK to the offline hashing embedder/);
    const m = await createEmbedder({ name: 'auto', model: 'test/tiny-bert', modelsDir: dir.path });
    expect(m.id).toBe('minilm:test/tiny-bert');
    await m.close?.();
  });

  it('a download that fails (offline: here a hub mirror, HF_ENDPOINT, that answers 503) says where a copy of the model would be found', async () => {
    const hub = createServer((_req, res) => res.writeHead(503).end('down'));
    await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
    const before = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
    try {
      const err = await createTransformersEmbedder({ model: 'nobody/missing', modelsDir: dir.path, allowDownload: true }).catch((e: Error) => e);
      expect(String(err)).toMatch(/cannot load nobody\/missing from the Hugging Face hub: .*\(offline\? copy the model to .*nobody\/missing, or point --models-dir or LLMOPS_MODELS_DIR at a folder holding nobody\/missing\)$/);
    } finally {
      if (before === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = before;
      hub.close();
    }
  });
});

describe('openai embedder (local fake of POST /v1/embeddings through the openai SDK)', () => {
  it('embeds in batches, in order, with cl100k_base token counts; a bad key is a clear error', async () => {
    const fake = await startFakeOpenAIEmbeddings({ apiKey: 'sk-emb' });
    try {
      const e = await createOpenAIEmbedder({ apiKey: 'sk-emb', baseURL: fake.url, dimensions: 64 });
      expect(e).toMatchObject({ name: 'openai', id: 'openai:text-embedding-3-small-d64', dimension: 64, maxTokens: 8191 });
      await behavesLikeAnEmbedder(e, ['vector search in sqlite', 'sqlite vector search engine', 'baking sourdough bread']);
      const body = fake.requests.find((r) => r.path === '/v1/embeddings')!.body;
      expect(body).toMatchObject({ model: 'text-embedding-3-small', encoding_format: 'float', dimensions: 64 });
      const bad = await createOpenAIEmbedder({ apiKey: 'sk-wrong', baseURL: fake.url, maxRetries: 0 });
      await expect(bad.embedBatch(['x'])).rejects.toThrow(/openai embeddings: 401 Incorrect API key/);
      await expect(createOpenAIEmbedder({ apiKey: '', baseURL: fake.url })).rejects.toThrow(/OPENAI_API_KEY/);
    } finally {
      await fake.close();
    }
  });
});

describe('an embedder of your own (--embedder ./my-embedder.mjs#embedder)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  // Letter counts, normalized: enough to behave like an embedder (shared words → close vectors).
  writeFileSync(
    join(dir.path, 'letters.mjs'),
    `const embed = (t) => { const v = new Float32Array(26); for (const c of t.toLowerCase()) { const i = c.charCodeAt(0) - 97; if (i >= 0 && i < 26) v[i]++; } const n = Math.hypot(...v) || 1; return v.map((x) => x / n); };
export function letters({ dimension }) {
  return { id: 'letters:v1', dimension: dimension ?? 26, maxTokens: 256, countTokens: (t) => t.split(/\\s+/).filter(Boolean).length, embedBatch: async (texts) => texts.map(embed) };
}
export const broken = { id: 'x' };
const faulty = (fault) => ({ id: 'faulty:' + fault, dimension: 3, maxTokens: 256, countTokens: (t) => t.length,
  embedBatch: async (texts) => {
    const vs = texts.map(() => [0.6, 0.8, 0]);
    if (fault === 'nan') vs[1] = [0.6, NaN, 0];
    if (fault === 'infinity') vs[0] = [Infinity, 0, 0];
    if (fault === 'short') vs[1] = [1, 0];
    if (fault === 'fewer') vs.pop();
    return vs;
  } });
export const nan = faulty('nan'), infinity = faulty('infinity'), short = faulty('short'), fewer = faulty('fewer'), plain = faulty('none');
`,
  );

  it('is loaded from a module relative to the working directory (or the given folder) and used like any other', async () => {
    const e = await createEmbedder({ name: './letters.mjs#letters', baseDir: dir.path });
    expect(e).toMatchObject({ name: 'module', id: 'letters:v1', dimension: 26, maxTokens: 256, tokenizer: 'its own' });
    await behavesLikeAnEmbedder(e, ['zebra zoo', 'zoo zebra zone', 'cat mat hat']);
  });

  it('a module that is not an embedder is one line naming the flag and the spec', async () => {
    await expect(createEmbedder({ name: './letters.mjs#broken', baseDir: dir.path })).rejects.toThrow(
      '--embedder: embedder "./letters.mjs#broken": export "broken" is not an embedder (an object with id, dimension, maxTokens, countTokens and embedBatch), or a function returning one',
    );
    await expect(createEmbedder({ name: 'letters' })).rejects.toThrow(/unknown embedder "letters" \(expected auto, minilm, hashing, openai, or a module like/);
  });

  it('vectors that are not one finite vector of its dimension per text are refused, naming the module, the text and the value', async () => {
    const embed = async (spec: string) => (await createEmbedder({ name: spec, baseDir: dir.path })).embedBatch(['a', 'b', 'c']);
    await expect(embed('./letters.mjs#nan')).rejects.toThrow('--embedder ./letters.mjs#nan: embedBatch returned NaN at dimension 1 of the vector for text 2 of 3 (every value must be a finite number)');
    await expect(embed('./letters.mjs#infinity')).rejects.toThrow('embedBatch returned Infinity at dimension 0 of the vector for text 1 of 3');
    await expect(embed('./letters.mjs#short')).rejects.toThrow('embedBatch returned a vector of 2 dimensions for text 2 of 3 (its dimension is 3)');
    await expect(embed('./letters.mjs#fewer')).rejects.toThrow('embedBatch returned 2 vectors for 3 texts');
    for (const spec of ['./letters.mjs#nan', './letters.mjs#fewer']) await expect(embed(spec)).rejects.toMatchObject({ exitCode: 2 });
    // Plain arrays of finite numbers are taken, as Float32Arrays.
    const ok = await embed('./letters.mjs#plain');
    expect(ok).toHaveLength(3);
    expect(ok[2]).toBeInstanceOf(Float32Array);
  });
});
