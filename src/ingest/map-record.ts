import { getPath } from '../core/dot-path.js';
import { documentId, sha256Hex } from '../core/ids.js';
import type { NewDocument } from '../store/types.js';
import { jsonTypeName, TEXT_FIELD_CANDIDATES } from '../text/text-field.js';
import { repairStrings, setOwn, type TextRepairs } from '../core/storable-text.js';

/** How the keys of the user's records map onto a document. Dot paths reach nested fields. */
export type FieldMapping = {
  textField?: string;
  titleField?: string;
  idField?: string;
  linkField?: string;
  authorField?: string;
  categoryField?: string;
  /** Category and author for records that carry none. */
  category?: string;
  author?: string;
  /** Where the documents come from, when a record does not say (part of the id). */
  source?: string;
};

const LINK_FIELD_CANDIDATES = ['link', 'url'];

export type Mapped = { ok: true; doc: NewDocument } | { ok: false; reason: string };

class FieldProblem extends Error {}

function optionalString(rec: Record<string, unknown>, field: string): string | null {
  const v = getPath(rec, field);
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  throw new FieldProblem(`field "${field}" must be a string, got ${jsonTypeName(v)}`);
}

/** The record's own id (`--id-field`), as a string; null when it has none. */
function externalIdOf(rec: Record<string, unknown>, idField: string): string | null {
  const rawId = getPath(rec, idField);
  if (typeof rawId === 'string' || typeof rawId === 'number') return String(rawId);
  if (rawId === undefined || rawId === null) return null;
  throw new FieldProblem(`field "${idField}" must be a string or a number, got ${jsonTypeName(rawId)}`);
}

/**
 * Everything we did not map is kept, so nothing of the user's data is lost: the record's own
 * `metadata` object, then its other unmapped top-level fields.
 */
function unmappedFields(rec: Record<string, unknown>, used: ReadonlySet<string>): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  const nested = rec.metadata;
  if (nested && typeof nested === 'object' && !Array.isArray(nested)) for (const [k, v] of Object.entries(nested)) setOwn(metadata, k, v);
  for (const [k, v] of Object.entries(rec)) if (!used.has(k) && k !== 'metadata') setOwn(metadata, k, v);
  return metadata;
}

/** The first line of an `llmops inspect export` file: `{"llmops_export_header": 1, ...}`. */
const EXPORT_HEADER_KEY = 'llmops_export_header';
/** Each document line of an export: `{"llmops_export": 1, "id": ...}`. */
const EXPORT_RECORD_KEY = 'llmops_export';

export function isExportHeader(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && EXPORT_HEADER_KEY in value;
}

function isExportRecord(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && EXPORT_RECORD_KEY in value;
}

// The ids our ingest and crawl produce (documentId: a UUIDv5). Anything else in an export,
// `../../etc/passwd` say, was not made by us.
const DOCUMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A line of `llmops inspect export` is a stored document: it is restored as it was (id,
 * source, metadata, created_at), ignoring the field mapping. Only ever called for an export
 * file (its header line) or under `ingest --restore`: an ordinary stream cannot restore.
 */
// Objects and arrays inside one another: JSON.parse reads thousands of levels, but storing
// them (JSON.stringify, then SQLite's JSON functions, which stop at 1,000) overflowed the stack
// at ~5,000 and failed the whole ingest with no file or line.
const MAX_DEPTH = 500;
const TOO_DEEP = `nested too deeply (more than ${MAX_DEPTH} levels of objects and arrays)`;

/** Whether `value` holds objects or arrays more than `max` deep (without recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export function mapExportRecord(value: unknown, repairs: TextRepairs | null = { surrogates: 0, nul: 0 }): Mapped {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `export record must be a JSON object, got ${jsonTypeName(value)}` };
  }
  if (nestedDeeperThan(value, MAX_DEPTH)) return { ok: false, reason: `export record: ${TOO_DEEP}` };
  let rec = value as Record<string, unknown>;
  if (rec[EXPORT_RECORD_KEY] !== 1) {
    return { ok: false, reason: `not an llmops export record (no "${EXPORT_RECORD_KEY}": 1); an export is restored whole, ordinary records go in another run` };
  }
  const str = (k: string, nullable: boolean): string | null => {
    const v = rec[k];
    if (typeof v === 'string') return v;
    if (nullable && (v === null || v === undefined)) return null;
    throw new FieldProblem(`export record: field "${k}" must be a string${nullable ? ' or null' : ''}, got ${jsonTypeName(v)}`);
  };
  try {
    const id = str('id', false)!;
    if (!DOCUMENT_ID.test(id)) return { ok: false, reason: `export record: field "id" is not a document id (a UUID): ${JSON.stringify(id.slice(0, 80))}` };
    const raw = str('content', false)!;
    // The hash is checked on the content as written (it catches a damaged file), then the
    // content is made storable, which may change it.
    if (rec.content_hash !== undefined && rec.content_hash !== sha256Hex(raw)) return { ok: false, reason: 'export record: content_hash does not match content' };
    if (repairs) rec = repairStrings(rec, repairs) as Record<string, unknown>;
    const content = str('content', false)!;
    if (content.trim() === '') return { ok: false, reason: 'export record: field "content" is empty' };
    const metadata = rec.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return { ok: false, reason: `export record: field "metadata" must be an object, got ${jsonTypeName(metadata)}` };
    const createdAt = str('created_at', false)!;
    if (Number.isNaN(Date.parse(createdAt))) return { ok: false, reason: `export record: field "created_at" is not a timestamp: ${createdAt}` };
    // Older exports may lack updated_at: the restore time then stands in.
    const updatedAt = str('updated_at', true);
    if (updatedAt !== null && updatedAt !== undefined && Number.isNaN(Date.parse(updatedAt))) return { ok: false, reason: `export record: field "updated_at" is not a timestamp: ${updatedAt}` };
    const contentHash = sha256Hex(content);
    return {
      ok: true,
      doc: {
        id,
        source: str('source', false)!,
        external_id: str('external_id', true),
        category: str('category', false)!,
        link: str('link', true),
        author: str('author', true),
        title: str('title', true),
        content,
        metadata: metadata as Record<string, unknown>,
        content_hash: contentHash,
        created_at: createdAt,
        ...(updatedAt ? { updated_at: updatedAt } : {}),
      },
    };
  } catch (err) {
    if (err instanceof FieldProblem) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * Turns one parsed JSON record into a document, or says exactly why it cannot. Its strings
 * are made storable first (see storable-text.ts), counted in `repairs`; `null` when the
 * caller knows there is nothing to repair (no `\u` escape in the record's text).
 */
export function mapRecord(value: unknown, mapping: FieldMapping, now: string, repairs: TextRepairs | null = { surrogates: 0, nul: 0 }): Mapped {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `record must be a JSON object, got ${jsonTypeName(value)}` };
  }
  if (nestedDeeperThan(value, MAX_DEPTH)) return { ok: false, reason: TOO_DEEP };
  if (isExportRecord(value) || isExportHeader(value)) {
    return {
      ok: false,
      reason: 'an llmops export record among ordinary records: an export is restored only whole (a file starting with its header line) or with --restore',
    };
  }
  const rec = (repairs ? repairStrings(value, repairs) : value) as Record<string, unknown>;
  try {
    const used = new Set<string>();
    const pick = (explicit: string | undefined, candidates: string[]): string | undefined => {
      if (explicit) return explicit;
      return candidates.find((c) => getPath(rec, c) !== undefined);
    };

    const textField = pick(mapping.textField, TEXT_FIELD_CANDIDATES);
    if (!textField) return { ok: false, reason: `missing text field (looked for ${TEXT_FIELD_CANDIDATES.join(', ')}; use --text-field)` };
    const content = getPath(rec, textField);
    if (content === undefined || content === null) return { ok: false, reason: `missing text field "${textField}"` };
    if (typeof content !== 'string') return { ok: false, reason: `field "${textField}" must be a string, got ${jsonTypeName(content)}` };
    if (content.trim() === '') return { ok: false, reason: `field "${textField}" is empty` };
    used.add(textField);

    const titleField = mapping.titleField ?? 'title';
    const title = optionalString(rec, titleField);
    used.add(titleField);

    const idField = mapping.idField ?? 'id';
    const externalId = externalIdOf(rec, idField);
    used.add(idField);

    const linkField = pick(mapping.linkField, LINK_FIELD_CANDIDATES);
    const link = linkField ? optionalString(rec, linkField) : null;
    if (linkField) used.add(linkField);

    const authorField = mapping.authorField ?? 'author';
    const author = optionalString(rec, authorField) ?? mapping.author ?? null;
    used.add(authorField);

    const categoryField = mapping.categoryField ?? 'category';
    const category = optionalString(rec, categoryField) ?? mapping.category ?? 'documents';
    used.add(categoryField);

    const source = optionalString(rec, 'source') ?? mapping.source ?? 'ingest';
    used.add('source');

    const metadata = unmappedFields(rec, used);
    const contentHash = sha256Hex(content);
    return {
      ok: true,
      doc: {
        id: documentId(source, { externalId, link, contentHash }),
        source,
        external_id: externalId,
        category,
        link,
        author,
        title,
        content,
        metadata,
        content_hash: contentHash,
        created_at: now,
      },
    };
  } catch (err) {
    if (err instanceof FieldProblem) return { ok: false, reason: err.message };
    throw err;
  }
}
