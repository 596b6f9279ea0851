import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, createReadStream, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openOutput, removeStaleTempFiles, tempPathFor, writeOutputFile } from '../../src/core/output-file.js';
import { createNdjsonWriter } from '../../src/core/ndjson-writer.js';
import { UsageError } from '../../src/core/errors.js';
import { BIN, runCli, startProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

const isRoot = process.getuid?.() === 0;

/** The pid of a process that has ended (its temp files are stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function readAll(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    createReadStream(path, 'utf8')
      .on('data', (d) => (s += d))
      .on('end', () => resolve(s))
      .on('error', reject);
  });
}

describe('output files: regular files are replaced atomically', () => {
  it('a regular file keeps its old content until close(), then is replaced whole, mode kept, no temp left', async () => {
    const dir = tempDir();
    try {
      const target = join(dir.path, 'out.jsonl');
      writeFileSync(target, 'old\n');
      chmodSync(target, 0o640);
      const w = createNdjsonWriter(target);
      expect(w.kind).toBe('replace');
      for (let i = 0; i < 3000; i++) await w.write({ i, pad: 'x'.repeat(100) });
      expect(readFileSync(target, 'utf8')).toBe('old\n');
      await w.close();
      const lines = readFileSync(target, 'utf8').trimEnd().split('\n');
      expect(lines.length).toBe(3000);
      expect(JSON.parse(lines[2999]!).i).toBe(2999);
      expect(statSync(target).mode & 0o777).toBe(0o640);
      expect(readdirSync(dir.path)).toEqual(['out.jsonl']);
    } finally {
      dir.remove();
    }
  });

  it('abort() leaves the target as it was and removes the temp file', async () => {
    const dir = tempDir();
    try {
      const target = join(dir.path, 'out.jsonl');
      writeFileSync(target, 'keep me\n');
      const w = createNdjsonWriter(target);
      await w.write({ a: 1 });
      await w.abort();
      expect(readFileSync(target, 'utf8')).toBe('keep me\n');
      expect(readdirSync(dir.path)).toEqual(['out.jsonl']);
      // A new path that was aborted does not appear at all.
      const fresh = createNdjsonWriter(join(dir.path, 'new.jsonl'));
      await fresh.write({ a: 1 });
      await fresh.abort();
      expect(readdirSync(dir.path)).toEqual(['out.jsonl']);
    } finally {
      dir.remove();
    }
  });

  it('through a symbolic link: the file it points to is replaced, the link stays a link', async () => {
    const dir = tempDir();
    try {
      const real = join(dir.path, 'real.html');
      const link = join(dir.path, 'link.html');
      writeFileSync(real, 'old');
      symlinkSync(real, link);
      await writeOutputFile(link, '<html>new</html>');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(real);
      expect(readFileSync(real, 'utf8')).toBe('<html>new</html>');
      expect(readdirSync(dir.path).sort()).toEqual(['link.html', 'real.html']);
    } finally {
      dir.remove();
    }
  });

  it('the next write removes temp files of dead runs (our pattern, this target, dead pid only)', async () => {
    const dir = tempDir();
    try {
      const target = join(dir.path, 'out.jsonl');
      const dead = deadPid();
      const stale = tempPathFor(target, dead);
      const live = tempPathFor(target, process.ppid); // a live process: maybe a run in progress
      const other = join(dir.path, `other.jsonl.tmp-${dead}`); // another target's
      const notOurs = join(dir.path, 'out.jsonl.tmp-notes');
      for (const f of [stale, live, other, notOurs]) writeFileSync(f, 'x');
      await writeOutputFile(target, 'done\n');
      const left = readdirSync(dir.path).sort();
      expect(left).toEqual(['other.jsonl.tmp-' + dead, 'out.jsonl', `out.jsonl.tmp-${process.ppid}`, 'out.jsonl.tmp-notes'].sort());
      expect(removeStaleTempFiles(join(dir.path, 'other.jsonl'))).toEqual([other]);
    } finally {
      dir.remove();
    }
  });

  it('a path that cannot be written: UsageError naming the path, never the temp file', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'file');
      writeFileSync(file, '');
      for (const target of [join(file, 'x.jsonl'), join(dir.path, 'no-such-folder', 'x.jsonl'), dir.path]) {
        let err: unknown;
        try {
          openOutput(target, { label: 'inspect export' });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(UsageError);
        const msg = (err as Error).message;
        expect(msg).toContain(`inspect export: cannot write ${target}`);
        expect(msg).not.toMatch(/\.tmp-/);
        expect(msg).not.toContain('\n');
      }
      expect(readdirSync(dir.path)).toEqual(['file']);
    } finally {
      dir.remove();
    }
  });
});

describe('output files: anything that is not a regular file is written in place', () => {
  it('a FIFO: the reader gets every record and the FIFO is still a FIFO', async () => {
    const dir = tempDir();
    try {
      const fifo = join(dir.path, 'pipe');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const reading = readAll(fifo);
      const w = createNdjsonWriter(fifo);
      expect(w.kind).toBe('in-place');
      for (let i = 0; i < 5000; i++) await w.write({ i });
      await w.close();
      const got = (await reading).trimEnd().split('\n');
      expect(got.length).toBe(5000);
      expect(statSync(fifo).isFIFO()).toBe(true);
      expect(readdirSync(dir.path)).toEqual(['pipe']);
    } finally {
      dir.remove();
    }
  });

  it.skipIf(!isRoot)('a character device made with mknod (a private /dev/null) stays a device', async () => {
    const dir = tempDir();
    try {
      const dev = join(dir.path, 'null');
      expect(spawnSync('mknod', [dev, 'c', '1', '3']).status).toBe(0);
      const w = createNdjsonWriter(dev);
      expect(w.kind).toBe('in-place');
      for (let i = 0; i < 1000; i++) await w.write({ i });
      await w.close();
      await writeOutputFile(dev, 'report');
      expect(statSync(dev).isCharacterDevice()).toBe(true);
      expect(readdirSync(dir.path)).toEqual(['null']);
    } finally {
      dir.remove();
    }
  });
});

describe('output files: a FIFO nobody opens for reading', () => {
  const start = (args: string[]) => startProcess(process.execPath, args);

  it('Ctrl-C or SIGTERM ends a command whose --out FIFO has no reader; the FIFO stays a FIFO', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'x.db');
      const fifo = join(dir.path, 'pipe');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      expect((await runCli(['--db', db, 'ingest', '-'], { input: '{"id":"a","text":"One sentence. And another one."}\n' })).code).toBe(0);
      const run = start([BIN, '--db', db, 'featurize', '--embedder', 'hashing', '--out', fifo]);
      // The interrupt handler is in place before the stage says which embedder it uses.
      while (!run.out().stderr.includes('featurize: embedder')) await new Promise((r) => setTimeout(r, 20));
      run.child.kill('SIGTERM');
      const r = await run.ended;
      expect(r.signal).toBeNull(); // before: waited for a reader forever, and a second SIGTERM too
      expect(r.code).toBe(143); // what was for the FIFO was dropped: not a success
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(statSync(fifo).isFIFO()).toBe(true);
    } finally {
      dir.remove();
    }
  });

  it('given up on the interrupt (the reader taken as gone), and process.exit does not wait for a reader', async () => {
    const dir = tempDir();
    try {
      const fifo = join(dir.path, 'pipe');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const writer = new URL('../../src/core/ndjson-writer.ts', import.meta.url).href;
      const script = `
        import { createNdjsonWriter } from ${JSON.stringify(writer)};
        const interrupt = new AbortController();
        const given = createNdjsonWriter(${JSON.stringify(fifo)}, { signal: interrupt.signal });
        await given.write({ i: 1 });
        interrupt.abort();
        await given.close();
        process.stderr.write('closed, reader gone: ' + given.closedByReader + '\\n');
        const pending = createNdjsonWriter(${JSON.stringify(fifo)});
        void pending.write({ i: 2 });
        process.exit(3);`;
      const r = await start(['--import', 'tsx', '--input-type=module', '-e', script]).ended;
      expect(r.stderr).toContain('closed, reader gone: true');
      expect(r.signal).toBeNull();
      expect(r.code).toBe(3);
    } finally {
      dir.remove();
    }
  });
});

describe('output paths through the CLI (process boundary)', () => {
  const input = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, text: `t${i}` })).join('\n') + '\n';

  it('--out /dev/stdout writes to the pipe; redirected to a file it writes that file', async () => {
    const r = await runCli(['dedup', '--in', '-', '--field', 'text', '--out', '/dev/stdout'], { input });
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').length).toBe(3000);
    expect(r.stderr).not.toMatch(/Warning|ENOENT|tmp-/);
    const dir = tempDir();
    try {
      const inFile = join(dir.path, 'in.jsonl');
      writeFileSync(inFile, input);
      const sh = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" dedup --in in.jsonl --field text --out /dev/stdout > got.jsonl`], { cwd: dir.path, encoding: 'utf8' });
      expect(sh.status).toBe(0);
      expect(readFileSync(join(dir.path, 'got.jsonl'), 'utf8').trimEnd().split('\n').length).toBe(3000);
      expect(readdirSync(dir.path).sort()).toEqual(['got.jsonl', 'in.jsonl']);
    } finally {
      dir.remove();
    }
  });

  it('--out >(wc -l) (process substitution) the reader gets every line', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'in.jsonl'), input);
      const cmd = `"${process.execPath}" "${BIN}" dedup --in in.jsonl --field text --out >(wc -l > count.txt); wait $!; for i in $(seq 100); do [ -s count.txt ] && break; sleep 0.1; done`;
      const sh = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn('bash', ['-c', cmd], { cwd: dir.path });
        let stderr = '';
        c.stderr.on('data', (d) => (stderr += d));
        c.on('close', (code) => resolve({ code, stderr }));
      });
      expect(sh.stderr).not.toMatch(/ENOENT|tmp-/);
      expect(sh.code).toBe(0);
      expect(readFileSync(join(dir.path, 'count.txt'), 'utf8').trim()).toBe('3000');
    } finally {
      dir.remove();
    }
  }, 30_000);

  it('inspect report --out /dev/stdout and --out -: the page alone on stdout, the summary on stderr', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'x.db');
      expect((await runCli(['--db', db, 'ingest', '-'], { input: '{"text":"One document."}\n' })).code).toBe(0);
      for (const out of ['/dev/stdout', '-']) {
        const r = await runCli(['--db', db, 'inspect', 'report', '--out', out]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.trimEnd().endsWith('</html>'), out).toBe(true);
        expect(r.stderr).toContain('inspect report');
      }
    } finally {
      dir.remove();
    }
  });

  it('inspect export and report to an unwritable path: exit 2, one line naming the path, no temp name', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'x.db');
      const blocker = join(dir.path, 'blocker');
      writeFileSync(blocker, '');
      const target = join(blocker, 'backup.jsonl');
      // Readers refuse a missing database: store one document first.
      expect((await runCli(['--db', db, 'ingest', '-'], { input: '{"text":"One document."}\n' })).code).toBe(0);
      const r = await runCli(['--db', db, 'inspect', 'export', target]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toEqual([`llmops: inspect export: cannot write ${target}: a part of the path is not a folder`]);
      const report = await runCli(['--db', db, 'inspect', 'report', '--out', join(blocker, 'r.html')]);
      expect(report.code).toBe(2);
      expect(report.stderr.trimEnd().split('\n')).toEqual([`llmops: inspect report: cannot write ${join(blocker, 'r.html')}: a part of the path is not a folder`]);
      if (!isRoot) {
        const ro = join(dir.path, 'ro');
        spawnSync('mkdir', ['-m', '555', ro]);
        const r2 = await runCli(['--db', db, 'inspect', 'export', join(ro, 'b.jsonl')]);
        expect(r2.code).toBe(2);
        expect(r2.stderr).toMatch(/cannot write .*b\.jsonl: permission denied\n$/);
        expect(r2.stderr).not.toMatch(/tmp-/);
      }
      expect(existsSync(join(dir.path, 'blocker'))).toBe(true);
    } finally {
      dir.remove();
    }
  }, 30_000);
});
