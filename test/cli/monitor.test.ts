import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ndjson, REPO, runCli, withoutCreatedNote } from '../helpers/cli.js';
import { shownPath } from '../../src/app/locations.js';
import { tempDir } from '../helpers/databases.js';

describe('llmops monitor (CLI)', () => {
  it('scores the shipped example once; the rerun has nothing new', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'm.db');
      const first = await runCli(['monitor', 'configs/monitor.yaml', '--db', db]);
      expect(first.stderr).toBe(`llmops: created ${shownPath(db, REPO)} (new database)\n`);
      expect(first.code).toBe(0);
      const s = ndjson(first.stdout)[0];
      expect(s).toMatchObject({ command: 'monitor', monitor: 'support-bot', fetched: 50, scored_items: 50, failed: 0 });
      const refusal = s.metrics.find((m: any) => m.metric === 'refusal');
      expect(refusal.pass_rate).toBeGreaterThan(0.9);
      expect(refusal.pass_rate).toBeLessThan(1);
      const again = ndjson((await runCli(['monitor', 'configs/monitor.yaml', '--db', db])).stdout)[0];
      expect(again).toMatchObject({ already_scored: 50, scored_items: 0, note: 'nothing new to score' });
    } finally {
      dir.remove();
    }
  });

  it('--out that fails while written (/dev/full) stops the run with one line, exit 1; nothing counts as scored', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'm.db');
      const r = await runCli(['monitor', 'configs/monitor.yaml', '--db', db, '--out', '/dev/full']);
      expect(r.code).toBe(1);
      expect(withoutCreatedNote(r.stderr)).toBe('llmops: monitor --out: cannot write /dev/full: no space left on the device\n');
      const next = ndjson((await runCli(['monitor', 'configs/monitor.yaml', '--db', db])).stdout)[0];
      expect(next).toMatchObject({ already_scored: 0, scored_items: 50, failed: 0 });
    } finally {
      dir.remove();
    }
  });

  it('--dry-run --out - prints scores and records nothing', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'm.db');
      const r = await runCli(['monitor', join(REPO, 'configs/monitor.yaml'), '--dry-run', '--out', '-', '--db', db]);
      expect(r.code).toBe(0);
      const scores = ndjson(r.stdout);
      expect(scores.length).toBe(300);
      expect(scores[0]).toMatchObject({ monitor: 'support-bot', metric: expect.any(String), item_id: expect.stringMatching(/^trace-/) });
      expect(r.stderr).toMatch(/dry run/);
      const real = ndjson((await runCli(['monitor', 'configs/monitor.yaml', '--db', db])).stdout)[0];
      expect(real.scored_items).toBe(50);
    } finally {
      dir.remove();
    }
  });

  it('a bad config: every problem with the file and its path, exit 2, nothing written', async () => {
    const dir = tempDir();
    try {
      const cfg = join(dir.path, 'bad.yaml');
      writeFileSync(cfg, 'name: has space\nsource: { type: jsonl, pth: x }\nsampling: { strategy: sometimes }\nmetrics:\n  - name: regex\n    params: { pattern: "(" }\n  - name: bogus\nextra: 1\nmetrcs: []\n');
      const db = join(dir.path, 'm.db');
      const r = await runCli(['monitor', cfg, '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      for (const path of ['name', 'source.path', 'sampling.strategy']) expect(r.stderr).toContain(`${cfg}: ${path}`);
      // Unknown keys as llmops.yaml's are: one line each, with the key meant where one is close.
      expect(r.stderr).toContain(`${cfg}: extra: unknown key\n`);
      expect(r.stderr).toContain(`${cfg}: metrcs: unknown key; did you mean metrics?\n`);
      expect(r.stderr).toContain(`${cfg}: source.pth: unknown key; did you mean path?\n`);
      expect(existsSync(db)).toBe(false);
      writeFileSync(cfg, 'name: ok\nsource: { type: jsonl, path: x.jsonl }\nmetrics:\n  - name: regex\n    params: { pattern: "(" }\n  - name: bogus\n');
      const r2 = await runCli(['monitor', cfg, '--db', db]);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toContain(`${cfg}: metrics.0.params.pattern: invalid regular expression`);
      expect(r2.stderr).toContain(`${cfg}: metrics.1.name: unknown metric "bogus"`);
    } finally {
      dir.remove();
    }
  });

  it('matches_schema with a regex that can take exponential time (a pattern, a patternProperties key): one line each naming file and field, exit 2, no database', async () => {
    const dir = tempDir();
    try {
      // A short trace, so that a run which fails to refuse ends at once (and the test fails) rather than spin.
      writeFileSync(join(dir.path, 't.jsonl'), `${JSON.stringify({ id: 'a', input: 'q', output: JSON.stringify({ name: `${'a'.repeat(12)}!` }) })}\n`);
      const cfg = join(dir.path, 'redos.yaml');
      writeFileSync(
        cfg,
        [
          'name: redos',
          'source: { type: jsonl, path: t.jsonl }',
          'metrics:',
          '  - name: length',
          '  - name: matches_schema',
          '    params:',
          '      schema:',
          '        type: object',
          '        properties: { name: { type: string, pattern: "^(a+)+$" }, pattern: { type: string } }',
          '        patternProperties: { "^(b+)+$": { type: string }, "^x-": {} }',
          '        default: { pattern: "(c+)+" }',
          'publish: [{ type: sql }]',
          '',
        ].join('\n'),
      );
      const db = join(dir.path, 'm.db');
      const r = await runCli(['monitor', cfg, '--db', db]);
      expect(r.code).toBe(2);
      const nested = 'a repetition inside a repetition (such as (a+)+) can take exponential time on some texts: rewrite it without the nested repetition';
      expect(r.stderr).toBe(`llmops: ${cfg}: metrics.1.params.schema.properties.name.pattern: ${nested}; got "^(a+)+$"\n${cfg}: metrics.1.params.schema.patternProperties: ${nested}; got "^(b+)+$"\n`);
      expect(r.stdout).toBe('');
      expect(existsSync(db)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('every problem at once, in our words: a bad source.type hides no misspelt metric', async () => {
    const dir = tempDir();
    try {
      const cfg = join(dir.path, 'bad.yaml');
      writeFileSync(cfg, 'name: m\nsource: { type: jsonll, path: t.jsonl }\nmetrics:\n  - name: faithfulnes\n  - name: length\n    params: { unit: pages }\npublish: [{ type: sq }]\n');
      const db = join(dir.path, 'm.db');
      const r = await runCli(['monitor', cfg, '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${cfg}: source.type: expected one of langfuse, slack, jsonl, llm_calls; got "jsonll"`);
      expect(r.stderr).toContain(`${cfg}: metrics.0.name: unknown metric "faithfulnes"`);
      expect(r.stderr).toContain(`${cfg}: metrics.1.params.unit: expected one of chars, words; got "pages"`);
      expect(r.stderr).toContain(`${cfg}: publish.0.type: expected one of sql, stdout, langfuse; got "sq"`);
      expect(r.stderr).not.toMatch(/discriminator|Invalid input|Invalid option/);
      expect(existsSync(db)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('a number too large to hold is shown as such, and a value past two bounds is one line', async () => {
    const dir = tempDir();
    try {
      const cfg = join(dir.path, 'big.yaml');
      writeFileSync(join(dir.path, 't.jsonl'), '');
      writeFileSync(cfg, 'name: m\nsource: { type: jsonl, path: t.jsonl }\nsampling: { strategy: random, n: 1e400 }\nconcurrency: 1e100\nmetrics: [{ name: length }]\n');
      const r = await runCli(['monitor', cfg, '--db', join(dir.path, 'm.db')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`llmops: ${cfg}: sampling.n: expected a number; got Infinity (a number too large to hold)\n${cfg}: concurrency: must be at most 256; got 1e+100\n`);
    } finally {
      dir.remove();
    }
  });

  it('a source.path that does not exist names the key; no database, no run', async () => {
    const dir = tempDir();
    try {
      const cfg = join(dir.path, 'm.yaml');
      writeFileSync(cfg, 'name: m\nsource: { type: jsonl, path: traces/missing.jsonl }\nmetrics: [{ name: refusal }]\npublish: [{ type: sql }]\n');
      const db = join(dir.path, 'm.db');
      const r = await runCli(['monitor', cfg, '--db', db]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${cfg}: source.path: no such file: traces/missing.jsonl`);
      expect(r.stdout).toBe('');
      expect(existsSync(db)).toBe(false);
      // A Langfuse source without its keys: also before the database.
      writeFileSync(cfg, 'name: m\nsource: { type: langfuse }\nmetrics: [{ name: refusal }]\n');
      const l = await runCli(['monitor', cfg, '--db', db], { env: { LANGFUSE_PUBLIC_KEY: undefined, LANGFUSE_SECRET_KEY: undefined } });
      expect(l.code).toBe(2);
      expect(l.stderr).toContain(`${cfg}: source (langfuse): LANGFUSE_PUBLIC_KEY is not set`);
      expect(existsSync(db)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('bad lines and failing metrics are recorded and reported, exit 3; stdin works as a source', async () => {
    const dir = tempDir();
    try {
      const cfg = join(dir.path, 'm.yaml');
      writeFileSync(cfg, 'name: stdin-mon\nsource: { type: jsonl, path: "-" }\nmetrics: [{ name: latency }, { name: json_valid }]\npublish: [{ type: sql }]\n');
      const input = '{"id":"a","input":"q","output":"{}","latency_ms":5}\nnot json\n{"id":"b","input":"q","output":"x"}\n';
      const db = join(dir.path, 'm.db');
      const r = await runCli(['monitor', cfg, '--db', db], { input });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/<stdin>:2: invalid JSON/);
      expect(r.stderr).toMatch(/b latency: no latency/);
      const s = ndjson(r.stdout)[0];
      expect(s).toMatchObject({ fetched: 3, scored_items: 2, scores: 3, failed: 1, invalid: 1 }); // the bad line is invalid, reported once; the metric failure is retried
    } finally {
      dir.remove();
    }
  });

  it('refuses the rubric judge offline, before any work', async () => {
    const dir = tempDir();
    try {
      const cfg = join(dir.path, 'm.yaml');
      writeFileSync(join(dir.path, 'x.jsonl'), '');
      writeFileSync(cfg, 'name: j\nsource: { type: jsonl, path: x.jsonl }\nmetrics: [{ name: rubric, params: { rubric: polite } }]\n');
      const r = await runCli(['monitor', cfg, '--db', join(dir.path, 'm.db')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/metrics\.0 \(rubric\): the rubric judge needs a model, and env "offline" uses the local provider/);
      // Found while setting the monitor up, after the config was read: still no database.
      expect(existsSync(join(dir.path, 'm.db'))).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('a schedule that would run every millisecond or never: exit 2 before any database exists', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'm.db');
      for (const [flags, message] of [
        [['--every', '1'], '--every: "1" has no unit'],
        [['--every', '100ms'], '--every: 100ms is too short: at least 1s'],
        [['--cron', '0 0 30 2 *'], '--cron: "0 0 30 2 *" never fires (no date matches it)'],
      ] as const) {
        const r = await runCli(['monitor', 'configs/monitor.yaml', ...flags, '--db', db]);
        expect(r.code, flags.join(' ')).toBe(2);
        expect(r.stderr).toContain(message);
        expect(existsSync(db)).toBe(false);
      }
    } finally {
      dir.remove();
    }
  });

  it('a YAML alias bomb in a config: one line naming the file, exit 2', async () => {
    const dir = tempDir();
    try {
      // Each level doubles nine times: expanded, it would be 9^8 strings.
      const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i <= 8; i++) {
        const prev = String.fromCharCode(96 + i);
        const cur = String.fromCharCode(97 + i);
        levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      const cfg = join(dir.path, 'bomb.yaml');
      writeFileSync(cfg, `${levels.join('\n')}\n`);
      const db = join(dir.path, 'm.db');
      const r = await runCli(['monitor', cfg, '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^llmops: \S*bomb\.yaml: invalid YAML: .*alias/m);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(db)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('--every keeps running and stops cleanly on SIGINT', async () => {
    const dir = tempDir();
    try {
      const { spawn } = await import('node:child_process');
      const { BIN } = await import('../helpers/cli.js');
      const child = spawn(process.execPath, [BIN, 'monitor', 'configs/monitor.yaml', '--every', '1h', '--db', join(dir.path, 'm.db')], { cwd: REPO });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (out.includes('"monitor"')) {
            clearInterval(t);
            resolve();
          }
        }, 50);
      });
      child.kill('SIGINT');
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      expect(code).toBe(0);
      expect(ndjson(out)[0]).toMatchObject({ scored_items: 50 });
    } finally {
      dir.remove();
    }
  }, 30_000);

  it('monitor webhook: verifies the signature, tells Slack once per delivery, stops on SIGINT', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../helpers/cli.js');
    const { startFakeSlack } = await import('../fakes/slack-server.js');
    const { signBody } = await import('../../src/monitor/webhook/verify-signature.js');
    const slack = await startFakeSlack();
    const child = spawn(process.execPath, [BIN, 'monitor', 'webhook', '--port', '0', '--slack-channel', 'C9'], {
      cwd: REPO,
      env: { ...process.env, LANGFUSE_WEBHOOK_SECRET: 'whsec_cli', SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.url },
    });
    try {
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const url = await new Promise<string>((resolve) => {
        const t = setInterval(() => {
          const m = /listening on (http:\/\/\S+)/.exec(err);
          if (m) {
            clearInterval(t);
            resolve(m[1]!);
          }
        }, 50);
      });
      const body = JSON.stringify({ id: 'evt_9', type: 'prompt-version', action: 'updated', prompt: { name: 'support-judge', version: 7, labels: ['production'] } });
      const ok = await fetch(url, { method: 'POST', body, headers: { 'x-langfuse-signature': signBody(body, 'whsec_cli') } });
      expect(ok.status).toBe(200);
      const retry = await fetch(url, { method: 'POST', body, headers: { 'x-langfuse-signature': signBody(body, 'whsec_cli') } });
      expect(await retry.json()).toMatchObject({ duplicate: true });
      expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
      expect(slack.posted).toEqual([{ channel: 'C9', text: expect.stringContaining('support-judge') }]);
      child.kill('SIGINT');
      expect(await new Promise((r) => child.on('close', (c) => r(c)))).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await slack.close();
    }
  }, 30_000);

  it('--every with --webhook-port: a new judge prompt version announced by Langfuse is used by the next run', async () => {
    const { spawn } = await import('node:child_process');
    const { appendFileSync } = await import('node:fs');
    const { BIN } = await import('../helpers/cli.js');
    const { startFakeAnthropic } = await import('../fakes/anthropic-server.js');
    const { startFakeLangfuseApi } = await import('../fakes/langfuse-api-server.js');
    const { signBody } = await import('../../src/monitor/webhook/verify-signature.js');
    const llm = await startFakeAnthropic();
    const systems: string[] = [];
    llm.setResponder(({ system }) => {
      systems.push(system ?? '');
      return '{"score": 1, "pass": true, "reason": "fine"}';
    });
    const lf = await startFakeLangfuseApi({ publicKey: 'pk-lf-1', secretKey: 'sk-lf-1' });
    lf.prompts.push({ name: 'judge', version: 1, labels: ['production'], prompt: 'JUDGE PROMPT V1' });
    const dir = tempDir();
    const traces = join(dir.path, 't.jsonl');
    writeFileSync(traces, '{"id":"a","input":"q","output":"a"}\n');
    const cfg = join(dir.path, 'm.yaml');
    writeFileSync(cfg, 'name: hooked\nsource: { type: jsonl, path: t.jsonl }\nmetrics: [{ name: rubric, params: { prompt: { name: judge } } }]\npublish: [{ type: sql }]\n');
    const child = spawn(process.execPath, [BIN, 'monitor', cfg, '--every', '1s', '--webhook-port', '0', '--env', 'anthropic', '--db', join(dir.path, 'm.db')], {
      cwd: REPO,
      env: { ...process.env, ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: llm.url, LANGFUSE_PUBLIC_KEY: 'pk-lf-1', LANGFUSE_SECRET_KEY: 'sk-lf-1', LANGFUSE_BASE_URL: lf.url, LANGFUSE_WEBHOOK_SECRET: 'whsec_x' },
    });
    const until = async (cond: () => boolean) => {
      while (!cond()) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      await until(() => /listening on http/.test(err) && systems.length >= 1);
      expect(systems[0]).toBe('JUDGE PROMPT V1');
      const url = /listening on (http:\/\/\S+)/.exec(err)![1]!;
      lf.prompts.push({ name: 'judge', version: 2, labels: ['production'], prompt: 'JUDGE PROMPT V2' });
      const body = JSON.stringify({ id: 'evt_v2', action: 'created', prompt: { name: 'judge', version: 2, labels: ['production'] } });
      expect((await fetch(url, { method: 'POST', body, headers: { 'x-langfuse-signature': signBody(body, 'whsec_x') } })).status).toBe(200);
      appendFileSync(traces, '{"id":"b","input":"q2","output":"a2"}\n');
      await until(() => systems.length >= 2);
      expect(systems[1]).toBe('JUDGE PROMPT V2');
      child.kill('SIGINT');
      expect(await new Promise((r) => child.on('close', (c) => r(c)))).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await llm.close();
      await lf.close();
      dir.remove();
    }
  }, 30_000);
});
