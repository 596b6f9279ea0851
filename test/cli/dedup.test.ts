import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { hasScript, ndjson, runCli, runOnTerminal } from '../helpers/cli.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { startFakeQdrant } from '../fakes/qdrant-server.js';

const lines = (xs: object[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';

// Two near duplicates and a third text, one chunk each.
const FOX = 'The quick brown fox jumps over the lazy dog near the river bank today';
const FOXES = lines([
  { id: 'a', title: 'Fox one', text: `${FOX}.` },
  { id: 'b', title: 'Fox two', text: `${FOX}!` },
  { id: 'c', title: 'Cats', text: 'Cats sleep most of the afternoon on the warm window sill.' },
]);

describe('llmops dedup (CLI)', () => {
  it('passes each record whose --key is new, in order', async () => {
    const input = lines([
      { id: 1, user: { id: 'u1' }, q: 'refund?' },
      { id: 2, user: { id: 'u1' }, q: 'refund?' },
      { id: 3, user: { id: 'u2' }, q: 'refund?' },
      { id: 4, user: { id: 'u1' }, q: 'export?' },
    ]);
    const r = await runCli(['dedup', '--in', '-', '--out', '-', '--key', 'user.id,q'], { input });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => x.id)).toEqual([1, 3, 4]);
    expect(r.stderr).toMatch(/dropped\s+1/);
  });

  it('integers beyond 2^53: distinct values are distinct keys, and their digits go out exact', async () => {
    const input = '{"uid":9007199254740992,"q":"a"}\n{"uid":9007199254740993,"q":"a"}\n{"uid":9007199254740993,"q":"a"}\n{"uid":12345678901234567890123,"q":"b"}\n';
    const r = await runCli(['dedup', '--in', '-', '--out', '-', '--key', 'uid,q'], { input });
    expect(r.code).toBe(0);
    // Passed on as read: the integers stay numbers with every digit.
    const given = input.split('\n');
    expect(r.stdout).toBe(`${given[0]}\n${given[1]}\n${given[3]}\n`);
  });

  it('a pretty-printed array: each record passed goes out on one line, as written', async () => {
    const input = '[\n  {\n    "id": 18446744073709551615,\n    "q": "caf\\u00e9 \\n x",\n    "z": 1.0\n  },\r\n  {"id": 18446744073709551615, "q": "other"}\n]\n';
    const r = await runCli(['dedup', '--in', '-', '--out', '-', '--key', 'id'], { input });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"id": 18446744073709551615,"q": "caf\\u00e9 \\n x","z": 1.0}\n');
  });

  it('bad input: file:line, exit 2; no key flag: usage error', async () => {
    const r = await runCli(['dedup', '--in', '-', '--field', 'text'], { input: '{"text":"a"}\n{oops\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/<stdin>:2: /);
    const u = await runCli(['dedup', '--in', '-'], { input: '' });
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--key a,b .* or --field text/);
  });

  it('flags that would lose or mix output are refused before anything is read: one file for --out and --report, both on stdout, a report in exact mode, an empty ledger name', async () => {
    const dir = tempDir();
    try {
      const input = join(dir.path, 'n.jsonl');
      writeFileSync(input, lines([{ id: 1, text: 'The quick brown fox jumps over the lazy dog near the river.' }, { id: 2, text: 'The quick brown fox jumps over the lazy dog near the river!' }]));
      const both = join(dir.path, 'f.jsonl');
      writeFileSync(both, 'old\n');
      const cases: [string[], string][] = [
        [['--near', '--out', both, '--report', join(dir.path, '.', 'f.jsonl')], `dedup: --out and --report both name ${join(dir.path, '.', 'f.jsonl')}: each would replace the other's content`],
        [['--near', '--report', '-'], 'dedup: --report - and the records (--out, stdout by default) would both go to stdout: send one to a file'],
        [['--report', join(dir.path, 'r.jsonl')], 'dedup --report: only --near finds clusters to report (exact mode drops records with a key seen before)'],
        [['--ledger', '', '--db', join(dir.path, 'x.db')], 'dedup --ledger: empty name (give the ledger a name, such as --ledger feed)'],
      ];
      for (const [flags, message] of cases) {
        const r = await runCli(['dedup', '--in', input, '--field', 'text', ...flags]);
        expect(r.code, flags.join(' ')).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`llmops: ${message}\n`);
      }
      expect(readFileSync(both, 'utf8')).toBe('old\n');
      expect(readdirSync(dir.path).sort()).toEqual(['f.jsonl', 'n.jsonl']);
    } finally {
      dir.remove();
    }
  });

  it('--near drops near copies and reports clusters', async () => {
    const dir = tempDir();
    try {
      const base = 'Annual plans are refunded in full within 30 days of purchase; after that the refund is prorated for the unused whole months.';
      const input = lines([
        { id: 'a', text: base },
        { id: 'b', text: base.replace('whole months', 'whole months!') },
        { id: 'c', text: 'We accept Visa, Mastercard, American Express and PayPal for every plan.' },
        { id: 'd', text: base.toUpperCase() },
      ]);
      const report = join(dir.path, 'clusters.jsonl');
      const r = await runCli(['dedup', '--in', '-', '--near', '--field', 'text', '--report', report], { input });
      expect(r.code).toBe(0);
      expect(ndjson(r.stdout).map((x) => x.id)).toEqual(['a', 'c']);
      const { readFileSync } = await import('node:fs');
      const clusters = ndjson(readFileSync(report, 'utf8'));
      expect(clusters).toEqual([{ kept: 'a', dropped: [{ id: 'b', similarity: expect.any(Number) }, { id: 'd', similarity: 1 }] }]);
    } finally {
      dir.remove();
    }
  });

  it('--near over texts alike below the threshold (a template filled in) says its lookups there were cut short', async () => {
    let seed = 9;
    const r = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const words = Array.from({ length: 800 }, (_, i) => `word${i}`);
    const template = Array.from({ length: 50 }, () => words[Math.floor(r() * words.length)]!);
    const input = lines(
      Array.from({ length: 400 }, (_, i) => {
        const t = [...template];
        for (let k = 0; k < 4; k++) t[Math.floor(r() * t.length)] = words[Math.floor(r() * words.length)]!;
        return { id: `n${i}`, text: `Your order ${t.join(' ')}` };
      }),
    );
    const crowded = await runCli(['dedup', '--in', '-', '--near', '--field', 'text', '--out', '/dev/null'], { input });
    expect(crowded.code).toBe(0);
    expect(crowded.stderr).toMatch(/crowded\s+\d+/);
    expect(crowded.stderr).toMatch(/compared with the latest of them only: a duplicate of an older one may be missed/);
    const plain = await runCli(['dedup', '--in', '-', '--near', '--field', 'text', '--out', '/dev/null'], { input: lines([{ id: 'a', text: 'one text about refunds' }, { id: 'b', text: 'another about invoices' }]) });
    expect(plain.stderr).not.toMatch(/crowded/);
  });

  it('--near clusters name records by their title (--title-field, default title) when they have one', async () => {
    const base = 'Annual plans are refunded in full within 30 days of purchase; after that the refund is prorated for the unused whole months.';
    const input = lines([
      { id: 'a', name: 'Refund policy', text: base },
      { id: 'b', name: 'Refund policy (copy)', text: `${base}!` },
      { id: 'c', text: base.toUpperCase() },
    ]);
    const r = await runCli(['dedup', '--in', '-', '--near', '--field', 'text', '--title-field', 'name', '--report', '-', '--out', '/dev/null'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout)).toEqual([
      { kept: 'a', kept_title: 'Refund policy', dropped: [{ id: 'b', title: 'Refund policy (copy)', similarity: expect.any(Number) }, { id: 'c', similarity: 1 }] },
    ]);
  });

  it('--near on stored documents reports clusters, and --apply deletes the duplicates', async () => {
    const dir = tempDir();
    try {
      const db = ['--db', join(dir.path, 'd.db')];
      const base = 'The mobile app is available for iOS 16 and later and Android 10 and later. Notes work offline; attachments need a connection.';
      const docs = lines([
        { id: 'd1', title: 'Mobile app requirements', text: base },
        { id: 'd2', text: `${base} ` + '' },
        { id: 'd3', title: 'Mobile app (old FAQ page that has a very long title indeed, longer than any narrow terminal)', text: base.replace('attachments', 'Attachments') + ' Thanks' },
        { id: 'd4', text: 'Students with a university email get half off the Pro plan for a year.' },
      ]);
      const ing = await runCli(['ingest', '-', '--source', 'faq', ...db], { input: docs });
      expect(ing.code).toBe(0);
      const report = await runCli(['dedup', '--near', ...db]);
      expect(report.code).toBe(0);
      const clusters = ndjson(report.stdout);
      expect(clusters.length).toBe(1);
      expect(clusters[0].dropped.length).toBe(2);
      // Which one is kept follows id order; every side with a title is named by it.
      const titled = [clusters[0].kept_title, ...clusters[0].dropped.map((d: { title?: string }) => d.title)].filter(Boolean).sort();
      expect(titled).toEqual(['Mobile app (old FAQ page that has a very long title indeed, longer than any narrow terminal)', 'Mobile app requirements']);
      if (hasScript) {
        // On a terminal the clusters are a table of titles, as wide as the terminal.
        const shown = await runOnTerminal(['dedup', '--near', ...db], { cwd: dir.path, env: { COLUMNS: '60' } });
        expect(shown).toMatch(/^kept +dropped +similarity +dropped_id$/m);
        expect(shown).toMatch(/Mobile app/);
        expect(shown).toMatch(/^ {2}duplicates +2$/m);
        for (const l of shown.split('\n')) expect(stringWidth(l), l).toBeLessThanOrEqual(60);
      }
      const applied = await runCli(['dedup', '--near', '--apply', ...db]);
      expect(applied.stderr).toMatch(/deleted\s+2/);
      const after = await runCli(['dedup', '--near', ...db]);
      expect(ndjson(after.stdout)).toEqual([]);
      expect(after.stderr).toMatch(/documents\s+2/);
      // Each run is in the runs table, as every stage's: when documents were deleted, and how many.
      const runs = ndjson((await runCli(['inspect', 'runs', '--json', ...db])).stdout).filter((r) => r.command === 'dedup');
      const appliedRuns = runs.filter((r) => r.counts.mode === 'near, applied');
      expect(appliedRuns).toHaveLength(1);
      expect(runs.filter((r) => r.counts.mode === 'near, report' && r.status === 'ok' && r.counts.deleted === 0)).toHaveLength(hasScript ? 3 : 2);
      expect(appliedRuns[0]).toMatchObject({ status: 'ok', counts: { documents: 4, clusters: 1, duplicates: 2, deleted: 2, chunks_removed: 0, threshold: 0.85 } });
    } finally {
      dir.remove();
    }
  });

  it('--near --apply on featurized documents: the deleted ones leave search, stats and the lexical index too, and a run stopped half-way is finished by the next', async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'd.db');
      const db = ['--db', file];
      const fox = 'The quick brown fox jumps over the lazy dog near the river bank today';
      const docs = lines([
        { id: 'a', title: 'Fox one', text: `${fox}.` },
        { id: 'b', title: 'Fox two', text: `${fox}!` },
        { id: 'c', title: 'Cats', text: 'Cats sleep most of the afternoon on the warm window sill.' },
        { id: 'd', title: 'Owls', text: 'Owls hunt at night over the quiet fields and hedges.' },
      ]);
      expect((await runCli(['ingest', '-', ...db], { input: docs })).code).toBe(0);
      expect((await runCli(['featurize', '--embedder', 'hashing', '--workers', '1', ...db])).code).toBe(0);
      // An earlier run that deleted a document and stopped before forgetting what featurize made of it.
      const Database = (await import('better-sqlite3')).default;
      const raw = new Database(file);
      raw.prepare("delete from documents where title = 'Owls'").run();
      raw.close();
      const applied = await runCli(['dedup', '--near', '--apply', '--json', ...db]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stderr).toMatch(/deleted\s+1\n/);
      expect(applied.stderr).toMatch(/chunks removed\s+2\n/);
      const kept = ndjson((await runCli(['inspect', 'documents', '--json', ...db])).stdout).map((d) => d.title).sort();
      expect(kept).toEqual(['Cats', 'Fox one']);
      for (const query of ['quick brown fox', 'owls hunt at night']) {
        for (const mode of ['lexical', 'vector', 'hybrid']) {
          const hits = ndjson((await runCli(['inspect', 'search', 'embedded_documents', '--query', query, '--mode', mode, '--json', ...db])).stdout);
          expect(hits.map((h) => h.title).sort(), `${mode} ${query}`).toEqual(['Cats', 'Fox one'].filter((t) => hits.some((h) => h.title === t)));
          expect(hits.every((h) => h.title !== null), `${mode} ${query}: a hit without its document`).toBe(true);
        }
      }
      const stats = ndjson((await runCli(['inspect', 'stats', 'embedded_documents', '--json', ...db])).stdout)[0];
      expect([stats.points, stats.documents]).toEqual([2, 2]);
      const cleaned = ndjson((await runCli(['inspect', 'collections', '--json', ...db])).stdout).find((c) => c.name === 'cleaned_documents');
      expect(cleaned.count).toBe(2);
      // Nothing left to forget: a second run removes nothing.
      expect((await runCli(['dedup', '--near', '--apply', ...db])).stderr).toMatch(/chunks removed\s+0\n/);
    } finally {
      dir.remove();
    }
  });

  it('--near --apply refuses, deleting nothing, when the featurized vectors are in another store than the one at hand (SQLite file, QDRANT_URL set)', async () => {
    const dir = tempDir();
    const qdrant = await startFakeQdrant();
    try {
      const db = ['--db', join(dir.path, 'd.db')];
      expect((await runCli(['ingest', '-', ...db], { input: FOXES })).code).toBe(0);
      expect((await runCli(['featurize', '--embedder', 'hashing', '--workers', '1', ...db], { env: { QDRANT_URL: undefined } })).code).toBe(0);
      const refused = await runCli(['dedup', '--near', '--apply', ...db], { env: { QDRANT_URL: qdrant.url } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        'llmops: dedup --apply: the featurized collections embedded_documents are out of reach (not in the Qdrant at QDRANT_URL): point it at the Qdrant featurize wrote to, or unset it for the vectors in the --db file; their points would outlive the deleted documents\n',
      );
      expect(ndjson((await runCli(['inspect', 'documents', '--json', ...db])).stdout).length).toBe(3);
      const applied = await runCli(['dedup', '--near', '--apply', '--json', ...db], { env: { QDRANT_URL: undefined } });
      expect(applied.stderr).toMatch(/deleted\s+1\n/);
    } finally {
      await qdrant.close();
      dir.remove();
    }
  });

  it.skipIf(engineMissing('postgres'))('--near --apply with PostgreSQL refuses without QDRANT_URL (the points in Qdrant would stay), deleting nothing; with it, the points go too', async () => {
    const target = await freshDatabase('postgres');
    const qdrant = await startFakeQdrant();
    try {
      const db = ['--db', target.url];
      const env = { QDRANT_URL: qdrant.url };
      expect((await runCli(['ingest', '-', ...db], { input: FOXES })).code).toBe(0);
      expect((await runCli(['featurize', '--embedder', 'hashing', '--workers', '1', ...db], { env })).code).toBe(0);
      const points = async () => ndjson((await runCli(['inspect', 'collections', '--json', ...db], { env })).stdout).map((c) => [c.name, c.count]);
      expect(await points()).toEqual([['cleaned_documents', 3], ['embedded_documents', 3]]);
      // It said "deleted 1, chunks removed 1" and left both points in Qdrant, where search found them with no document.
      const refused = await runCli(['dedup', '--near', '--apply', ...db], { env: { QDRANT_URL: undefined } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        'llmops: dedup --apply: the featurized collections embedded_documents are out of reach (with PostgreSQL as --db, collections live in Qdrant and QDRANT_URL is not set): set QDRANT_URL as featurize had it; their points would outlive the deleted documents\n',
      );
      expect(ndjson((await runCli(['inspect', 'documents', '--json', ...db])).stdout).length).toBe(3);
      const applied = await runCli(['dedup', '--near', '--apply', '--json', ...db], { env });
      expect(applied.stderr).toMatch(/deleted\s+1\n/);
      expect(await points()).toEqual([['cleaned_documents', 2], ['embedded_documents', 2]]);
    } finally {
      await qdrant.close();
      await target.cleanup();
    }
  });

  for (const engine of ENGINES) {
    it.skipIf(engineMissing(engine))(`--ledger remembers keys across runs; ledger list/count/prune/export (${engine})`, async () => {
      const target = await freshDatabase(engine);
      try {
        const db = ['--db', target.url];
        const r1 = await runCli(['dedup', '--in', '-', '--field', 'text', '--ledger', 'feed', ...db], { input: lines([{ text: 'a' }, { text: 'b' }, { text: 'a' }]) });
        expect(ndjson(r1.stdout).map((x) => x.text)).toEqual(['a', 'b']);
        const r2 = await runCli(['dedup', '--in', '-', '--field', 'text', '--ledger', 'feed', ...db], { input: lines([{ text: 'b' }, { text: 'c' }]) });
        expect(ndjson(r2.stdout).map((x) => x.text)).toEqual(['c']);
        const runs = ndjson((await runCli(['inspect', 'runs', '--json', ...db])).stdout).filter((r) => r.command === 'dedup');
        expect(runs.map((r) => r.counts).sort((a, b) => b.read - a.read)).toEqual([
          { read: 3, passed: 2, dropped: 1, clusters: 0, invalid: 0, mode: 'exact, stream', ledger: 'feed' },
          { read: 2, passed: 1, dropped: 1, clusters: 0, invalid: 0, mode: 'exact, stream', ledger: 'feed' },
        ]);
        const count = await runCli(['dedup', 'ledger', 'count', '--ledger', 'feed', '--json', ...db]);
        expect(ndjson(count.stdout)[0]).toEqual({ ledger: 'dedup:feed', keys: 3 });
        const list = ndjson((await runCli(['dedup', 'ledger', 'list', ...db])).stdout);
        expect(list[0]).toMatchObject({ namespace: 'dedup:feed', keys: 3 });
        const exported = ndjson((await runCli(['dedup', 'ledger', 'export', '--ledger', 'feed', ...db])).stdout);
        expect(exported.length).toBe(3);
        const pruneNone = ndjson((await runCli(['dedup', 'ledger', 'prune', '--older-than', '1d', '--json', ...db])).stdout)[0];
        expect(pruneNone.pruned).toBe(0);
        // A bare number wants a unit: as milliseconds it forgot every key.
        const bare = await runCli(['dedup', 'ledger', 'prune', '--older-than', '1000', ...db]);
        expect(bare.code).toBe(2);
        expect(bare.stderr).toBe('llmops: --older-than: "1000" has no unit: say 1000d for days, 1000h for hours, 1000m for minutes\n');
        await new Promise((r) => setTimeout(r, 1100));
        const pruned = ndjson((await runCli(['dedup', 'ledger', 'prune', '--older-than', '1s', '--json', ...db])).stdout)[0];
        expect(pruned.pruned).toBe(3);
      } finally {
        await target.cleanup();
      }
    }, 30_000);
  }
});
