import { UsageError, errorMessage } from '../core/errors.js';
import { sha256Hex } from '../core/ids.js';
import { loadUserExport } from '../core/user-module.js';
import { repairStrings } from '../core/storable-text.js';
import type { ExtractorConfig, SourceConfig } from './monitor-config.js';
import { asText, getPath } from '../core/dot-path.js';
import type { EvalItem } from './types.js';

/** Turns one source item into an evaluation item; throws (a per-item failure) when it cannot. */
export type Extractor = (raw: unknown) => EvalItem;

type FieldMap = { id?: string; input?: string; output?: string; context?: string; timestamp?: string; latency_ms?: string; trace_id?: string; observation_id?: string };

/** What each source's items look like, so most configs need no `extractor:` at all. */
const BUILTIN: Record<SourceConfig['type'], FieldMap> = {
  jsonl: { id: 'id', input: 'input', output: 'output', context: 'context', timestamp: 'timestamp', latency_ms: 'latency_ms', trace_id: 'trace_id' },
  llm_calls: { id: 'id', input: 'input', output: 'response', timestamp: 'created_at', latency_ms: 'latency_ms', trace_id: 'trace_id' },
  // Langfuse observations (v2 API): input/output arrive as raw strings, latency in seconds is derived.
  langfuse: { id: 'id', input: 'input', output: 'output', timestamp: 'startTime', latency_ms: 'latencyMs', trace_id: 'traceId', observation_id: 'id' },
  slack: { id: 'id', input: 'question', output: 'answer', context: 'thread', timestamp: 'timestamp' },
};

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Langfuse hands input/output as raw strings that are often JSON (chat messages): show their text. */
function readableText(v: unknown): string | undefined {
  let value = v;
  if (typeof v === 'string' && /^\s*[[{"]/.test(v)) {
    try {
      value = JSON.parse(v);
    } catch {
      return v;
    }
  }
  if (Array.isArray(value) && value.every((m) => m && typeof m === 'object' && 'content' in m)) {
    const last = value[value.length - 1] as { content: unknown };
    return asText(last.content);
  }
  if (value && typeof value === 'object' && 'content' in (value as object)) return asText((value as { content: unknown }).content);
  return asText(value);
}

export async function createExtractor(source: SourceConfig, cfg: ExtractorConfig, baseDir: string, shown: string): Promise<Extractor> {
  return storable(cfg.module ? await loadModuleExtractor(cfg.module, baseDir, shown) : createFieldExtractor(source, cfg, shown));
}

/**
 * Every string of an item (id, texts, metadata keys and values) as every store keeps it
 * (core/storable-text.ts: NUL removed, a lone surrogate as U+FFFD), once, where it is made.
 * PostgreSQL refused a NUL, failing the publish batch every run (a NUL id failed the run); a
 * lone surrogate in an id was stored as U+FFFD while the ledger was asked about the raw id, so
 * that item was rescored every run. Repaired here, the key looked up is the key written.
 */
function storable(extract: Extractor): Extractor {
  return (raw) => repairStrings(extract(raw), { surrogates: 0, nul: 0 }) as EvalItem;
}

function createFieldExtractor(source: SourceConfig, cfg: ExtractorConfig, shown: string): Extractor {
  const map: FieldMap = { ...BUILTIN[source.type], ...(cfg.fields ?? {}) };
  const metaMap = cfg.fields?.metadata ?? {};
  const rules = (cfg.regex ?? []).map((r, i) => {
    try {
      return { from: r.from, re: new RegExp(r.pattern, r.flags ?? '') };
    } catch (err) {
      throw new UsageError(`${shown}: extractor.regex.${i}.pattern: ${errorMessage(err)}`);
    }
  });
  const text = source.type === 'langfuse' ? readableText : asText;
  return (raw: unknown) => {
    if (raw === null || typeof raw !== 'object') throw new Error('not an object');
    const input = text(getPath(raw, map.input ?? 'input'));
    const output = text(getPath(raw, map.output ?? 'output'));
    const metadata: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(metaMap)) metadata[k] = getPath(raw, p);
    const item: EvalItem = {
      id: '',
      input: input ?? '',
      output: output ?? '',
      context: map.context ? text(getPath(raw, map.context)) : undefined,
      timestamp: map.timestamp ? asText(getPath(raw, map.timestamp)) : undefined,
      latency_ms: map.latency_ms ? num(getPath(raw, map.latency_ms)) : undefined,
      trace_id: map.trace_id ? asText(getPath(raw, map.trace_id)) : undefined,
      observation_id: map.observation_id ? asText(getPath(raw, map.observation_id)) : undefined,
      metadata,
    };
    if (rules.length > 0) {
      const variables: Record<string, string> = {};
      for (const rule of rules) {
        const from = ['input', 'output', 'context'].includes(rule.from) ? (item as Record<string, unknown>)[rule.from] : asText(getPath(raw, rule.from));
        const m = typeof from === 'string' ? rule.re.exec(from) : null;
        for (const [k, v] of Object.entries(m?.groups ?? {})) if (v !== undefined) variables[k] = v;
      }
      for (const k of ['input', 'output', 'context'] as const) if (variables[k] !== undefined) item[k] = variables[k];
      item.metadata.variables = variables;
    }
    const id = asText(getPath(raw, map.id ?? 'id'));
    // No id in the record: the content is the identity, so a rerun still recognises it.
    item.id = id ?? sha256Hex(`${item.input}\u0000${item.output}`).slice(0, 32);
    if (input === undefined && output === undefined) throw new Error(`no ${map.input ?? 'input'} and no ${map.output ?? 'output'} field`);
    return item;
  };
}

/** `./extract.js#fn`: (sourceItem) => {id, input, output, context?, metadata?}. */
async function loadModuleExtractor(spec: string, baseDir: string, shown: string): Promise<Extractor> {
  const ref = { kind: 'extractor', spec, baseDir, where: `${shown}: extractor.module` };
  const fn = await loadUserExport<(raw: unknown) => Partial<EvalItem>>(ref, 'a function (item) => {id, input, output}', (v) => typeof v === 'function');
  return (raw) => {
    const r = fn(raw);
    if (!r || typeof r !== 'object' || typeof r.id !== 'string') throw new Error(`extractor ${spec} returned no id`);
    return { input: '', output: '', ...r, id: r.id, metadata: r.metadata ?? {} } as EvalItem;
  };
}
