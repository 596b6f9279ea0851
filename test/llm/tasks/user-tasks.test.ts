import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { resultLabel } from '../../../src/llm/tasks/define-task.js';
import { checkTaskModel, loadSentenceTask } from '../../../src/llm/tasks/registry.js';
import { sentimentTask } from '../../../src/llm/tasks/sentiment-task.js';
import type { ResolvedEnv } from '../../../src/llm/profiles/load-profiles.js';
import { REPO } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/databases.js';

const dir = tempDir();
afterAll(() => dir.remove());
const FIXTURES = join(REPO, 'test', 'fixtures', 'extensions');

const GOOD = `name: topic
version: 2
system: Label the topic.
prompt: |
  Sentence: {{ text }}
output:
  type: object
  properties:
    topic: { type: string, enum: [price, other] }
    confidence: { type: number, minimum: 0, maximum: 1 }
  required: [topic]
label: topic
confidence: confidence
`;

let n = 0;
function taskFile(text: string): string {
  const name = `t${n++}.yaml`;
  writeFileSync(join(dir.path, name), text);
  return `./${name}`;
}

async function problems(spec: string): Promise<string[]> {
  const err = await loadSentenceTask(spec, dir.path).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  return (err as Error).message.split('\n');
}

describe('YAML tasks', () => {
  it('load into a task: prompt template, schema from JSON Schema, label and confidence fields', async () => {
    const spec = taskFile(GOOD);
    const task = await loadSentenceTask(spec, dir.path);
    expect(task).toMatchObject({ name: 'topic', version: 2, labelField: 'topic', confidenceField: 'confidence', maxParseRetries: 2 });
    expect(task.prompt({ text: 'Prices rose by $5.' })).toEqual([{ role: 'user', content: 'Sentence: Prices rose by $5.' }]);
    expect(task.system).toMatch(/^Label the topic\.\n\nAnswer with only a JSON object, no prose, matching this JSON Schema: \{"type":"object"/);
    expect(task.schema.safeParse({ topic: 'price', confidence: 0.9 }).success).toBe(true);
    expect(task.schema.safeParse({ topic: 'weather' }).success).toBe(false);
    expect(resultLabel(task, { topic: 'price', confidence: 0.9 })).toEqual({ label: 'price', confidence: 0.9 });
  });

  it('the shipped examples load', async () => {
    for (const name of ['topic', 'toxicity', 'summary']) {
      const task = await loadSentenceTask(`./tasks/${name}.yaml`, REPO);
      expect(task.name).toBe(name);
      expect(task.prompt({ text: 'x' })[0]!.content).toContain('x');
    }
  });

  it('every problem is one line naming the file and the field', async () => {
    const unknownKey = taskFile(GOOD.replace('label: topic', 'lable: topic'));
    expect(await problems(unknownKey)).toEqual([`${unknownKey}: label: missing (expected a string)`, `${unknownKey}: lable: unknown key; did you mean label?`]);
    const template = taskFile(GOOD.replace('{{ text }}', '{{sentence}}'));
    expect(await problems(template)).toEqual([
      `${template}: prompt: unknown placeholder {{sentence}} (the one placeholder is {{text}})`,
      `${template}: prompt: no {{text}} placeholder (where the text goes)`,
    ]);
    const label = taskFile(GOOD.replace('label: topic', 'label: subject'));
    expect(await problems(label)).toEqual([`${label}: label: "subject" is not one of output.properties (topic, confidence)`]);
    const required = taskFile(GOOD.replace('required: [topic]', 'required: [confidence]'));
    expect(await problems(required)).toEqual([`${required}: output.required: must list the label field "topic"`]);
    const confidence = taskFile(GOOD.replace('confidence: confidence', 'confidence: topic'));
    expect(await problems(confidence)).toEqual([`${confidence}: confidence: "topic" is not a number in output.properties`]);
    const version = taskFile(GOOD.replace('version: 2', 'version: two'));
    expect((await problems(version))[0]).toMatch(new RegExp(`^${version}: version: `));
    const schema = taskFile(GOOD.replace('{ type: string, enum: [price, other] }', "{ $ref: '#/$defs/topics' }"));
    expect(await problems(schema)).toEqual([`${schema}: output: not a JSON Schema zod can use: Reference not found: #/$defs/topics`]);
    const builtin = taskFile(GOOD.replace('name: topic', 'name: sentiment'));
    expect(await problems(builtin)).toEqual([`--task: task "${builtin}": name "sentiment" is a built-in task; give yours another name`]);
    const yaml = taskFile('name: [unclosed\n');
    expect((await problems(yaml))[0]).toMatch(new RegExp(`^${yaml}:\\d+:\\d+: invalid YAML`));
  });

  it('a missing file or unknown name says what --task takes', async () => {
    expect(await problems('./nope.yaml')).toEqual([`--task: task "./nope.yaml": no such file (looked in ${join(dir.path, 'nope.yaml')})`]);
    expect((await problems('topik'))[0]).toMatch(/^--task: unknown task "topik" \(built-in: sentiment; or your own/);
  });
});

describe('module tasks', () => {
  it('load a defineTask-shaped export, its prompt may be a string', async () => {
    const task = await loadSentenceTask('./keyword-task.mjs#keywords', FIXTURES);
    expect(task).toMatchObject({ name: 'keywords', version: 3, labelField: 'keyword', confidenceField: 'certainty', maxParseRetries: 2 });
    expect(task.prompt({ text: 'Prices rose' })).toEqual([{ role: 'user', content: 'Sentence: Prices rose' }]);
    expect(resultLabel(task, { keyword: 'prices', certainty: 0.4 })).toEqual({ label: 'prices', confidence: 0.4 });
  });

  it('a wrong export is one line naming the module', async () => {
    expect(await problems(join(FIXTURES, 'keyword-task.mjs#notATask'))).toEqual([
      `--task: task "${join(FIXTURES, 'keyword-task.mjs#notATask')}": export "notATask" is not a task (defineTask({name, version, prompt, schema}))`,
    ]);
  });
});

describe('the offline env', () => {
  const offline = { env: 'offline', profile: { provider: 'local' } } as ResolvedEnv;
  it('answers sentiment, and refuses a task of your own up front', async () => {
    expect(() => checkTaskModel(sentimentTask as never, offline)).not.toThrow();
    const task = await loadSentenceTask('./tasks/topic.yaml', REPO);
    expect(() => checkTaskModel(task, offline)).toThrow(/^--task: env "offline" answers offline, and the offline model knows only sentiment; task "topic" needs a model/);
    expect(() => checkTaskModel(task, { env: 'openai', profile: { provider: 'openai' } } as ResolvedEnv)).not.toThrow();
  });
});
