import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateContext, type Context } from '../../src/app/context.js';
import { inspectExport, inspectReport } from '../../src/app/inspect-files.js';
import { Interrupted } from '../../src/core/errors.js';
import { Logger } from '../../src/core/logger.js';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { tempDir } from '../helpers/databases.js';
import { seedDocuments } from '../helpers/seed.js';

// An interrupt seen by `inspect export | report` before the commit: the file they replace stays as it was.

const dir = tempDir();
afterAll(() => dir.remove());
const db = join(dir.path, 'test.db');

beforeAll(async () => {
  const d = await openDatabase(parseDatabaseUrl(db));
  await seedDocuments(d, [{ id: 'a', text: 'One document.' }, { id: 'b', text: 'Another one.' }]);
  await d.close();
});

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The context of a command that received SIGTERM while it ran. */
function interruptedContext(): Promise<Context> {
  return locateContext({ db }, { logger: new Logger('quiet', new PassThrough()), json: true, interactive: false, printing: false, signal: AbortSignal.abort('SIGTERM') });
}

describe('inspect export | report after SIGTERM', () => {
  it('report: the old page is kept, no temporary file, and the run ends as interrupted (143)', async () => {
    const out = join(dir.path, 'report.html');
    writeFileSync(out, '<p>last week</p>');
    const before = sha256(out);
    const err = await inspectReport(await interruptedContext(), { out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect((err as Interrupted).exitCode).toBe(143);
    expect((err as Interrupted).message).toBe(`inspect report: stopped (SIGTERM); ${out} is left as it was`);
    expect(sha256(out)).toBe(before);
    expect(readdirSync(dir.path).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('export: the old backup is kept', async () => {
    const out = join(dir.path, 'backup.jsonl');
    writeFileSync(out, '{"llmops_export_header":1}\n');
    const before = sha256(out);
    await expect(inspectExport(await interruptedContext(), out)).rejects.toThrow(`inspect export: stopped (SIGTERM); ${out} is left as it was`);
    expect(sha256(out)).toBe(before);
  });
});
