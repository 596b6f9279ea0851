import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../helpers/cli.js';

// .github/workflows/ci.yml cannot run here (no GitHub runner); what can be checked is that it
// parses, runs on the right events, and that what it calls exists: the npm scripts, the test
// file, and the services and variables the tests look for.

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { 'runs-on': string; container?: string; services?: Record<string, { image: string; env?: Record<string, string>; options?: string }>; env?: Record<string, string>; steps: Step[] };

const workflow = parse(readFileSync(join(REPO, '.github/workflows/ci.yml'), 'utf8')) as { on: Record<string, unknown>; jobs: Record<string, Job> };
const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const runs = (job: Job) => job.steps.flatMap((s) => (s.run ? s.run.split('\n').map((l) => l.trim()).filter(Boolean) : []));

describe('.github/workflows/ci.yml', () => {
  it('runs on every push and pull request', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('tests on Node 20 with PostgreSQL and Redis services that report their health', () => {
    const job = workflow.jobs.test!;
    expect(job.container).toMatch(/^node:20-bookworm$/);
    expect(job.services!.postgres!.image).toMatch(/^postgres:\d+$/);
    expect(job.services!.postgres!.env).toEqual({ POSTGRES_HOST_AUTH_METHOD: 'trust' });
    expect(job.services!.postgres!.options).toContain('--health-cmd "pg_isready');
    expect(job.services!.redis!.image).toMatch(/^redis:\d+$/);
    expect(job.services!.redis!.options).toContain('--health-cmd "redis-cli ping"');
    // The tests find the services by these variables (test/helpers/databases.ts and the Redis suites).
    expect(job.env).toMatchObject({
      LLMOPS_REQUIRE_SERVICES: '1',
      LLMOPS_TEST_PG: 'postgres://postgres@postgres:5432/postgres',
      LLMOPS_TEST_REDIS: 'redis://redis:6379',
      LLMOPS_CHROMIUM: '/usr/bin/chromium',
    });
  });

  it("installs Debian's Chromium, then runs npm ci, typecheck, lint and the tests in that order", () => {
    const lines = runs(workflow.jobs.test!);
    const at = (re: RegExp) => {
      const i = lines.findIndex((l) => re.test(l));
      expect(i, `no step runs ${re}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [/apt-get install .*\bchromium\b/, /^npm ci\b/, /^npm run typecheck$/, /^npm run lint$/, /^npm test$/].map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(workflow.jobs.test!.steps[0]!.uses).toMatch(/^actions\/checkout@v\d+$/);
  });

  it('calls only npm scripts and test files that exist', () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const line of runs(job)) {
        const script = /^npm run ([\w:-]+)/.exec(line)?.[1];
        if (script) expect(scripts, `npm run ${script}`).toHaveProperty(script);
        for (const file of line.match(/test\/\S+\.test\.ts/g) ?? []) expect(existsSync(join(REPO, file)), file).toBe(true);
      }
    }
    expect(scripts.test).toBeDefined();
    expect(scripts.pretest).toBe('npm run build');
  });

  it('builds and starts the Docker image on a runner with a Docker engine, where a missing engine fails', () => {
    const job = workflow.jobs.image!;
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(job.container).toBeUndefined();
    expect(job.env).toEqual({ LLMOPS_REQUIRE_DOCKER: '1' });
    expect(runs(job)).toContain('npx vitest run test/package/docker-image.test.ts');
  });
});
