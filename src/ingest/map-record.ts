import { getPath } from '../core/dot-path.js';
import { documentId, sha256Hex } from '../core/ids.js';
import type { NewDocument } from '../store/types.js';

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

export const TEXT_FIELD_CANDIDATES = ['text', 'content', 'body'];
const LINK_FIELD_CANDIDATES = ['link', 'url'];

export type Mapped = { ok: true; doc: NewDocument } | { ok: false; reason: string };

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

class FieldProblem extends Error {}

function optionalString(rec: Record<string, unknown>, field: string): string | null {
  const v = getPath(rec, field);
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  throw new FieldProblem(`field "${field}" must be a string, got ${typeName(v)}`);
}

/**
 * A line of `llmops inspect export` (marked `"llmops_export": 1`) is a stored document: it is
 * restored as it was (id, source, metadata, created_at), ignoring the field mapping.
 */
function mapExportRecord(rec: Record<string, unknown>): Mapped {
  const str = (k: string, nullable: boolean): string | null => {
    const v = rec[k];
    if (typeof v === 'string') return v;
    if (nullable && (v === null || v === undefined)) return null;
    throw new FieldProblem(`export record: field "${k}" must be a string${nullable ? ' or null' : ''}, got ${typeName(v)}`);
  };
  try {
    const content = str('content', false)!;
    if (content.trim() === '') return { ok: false, reason: 'export record: field "content" is empty' };
    const metadata = rec.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return { ok: false, reason: `export record: field "metadata" must be an object, got ${typeName(metadata)}` };
    const createdAt = str('created_at', false)!;
    if (Number.isNaN(Date.parse(createdAt))) return { ok: false, reason: `export record: field "created_at" is not a timestamp: ${createdAt}` };
    const contentHash = sha256Hex(content);
    if (rec.content_hash !== undefined && rec.content_hash !== contentHash) return { ok: false, reason: 'export record: content_hash does not match content' };
    return {
      ok: true,
      doc: {
        id: str('id', false)!,
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
      },
    };
  } catch (err) {
    if (err instanceof FieldProblem) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Turns one parsed JSON record into a document, or says exactly why it cannot. */
export function mapRecord(value: unknown, mapping: FieldMapping, now: string): Mapped {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `record must be a JSON object, got ${typeName(value)}` };
  }
  const rec = value as Record<string, unknown>;
  if (rec.llmops_export === 1) return mapExportRecord(rec);
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
    if (typeof content !== 'string') return { ok: false, reason: `field "${textField}" must be a string, got ${typeName(content)}` };
    if (content.trim() === '') return { ok: false, reason: `field "${textField}" is empty` };
    used.add(textField);

    const titleField = mapping.titleField ?? 'title';
    const title = optionalString(rec, titleField);
    used.add(titleField);

    const idField = mapping.idField ?? 'id';
    const rawId = getPath(rec, idField);
    let externalId: string | null = null;
    if (typeof rawId === 'string' || typeof rawId === 'number') externalId = String(rawId);
    else if (rawId !== undefined && rawId !== null) {
      return { ok: false, reason: `field "${idField}" must be a string or a number, got ${typeName(rawId)}` };
    }
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

    // Everything we did not map is kept, so nothing of the user's data is lost.
    const metadata: Record<string, unknown> = {};
    const nested = rec.metadata;
    if (nested && typeof nested === 'object' && !Array.isArray(nested)) Object.assign(metadata, nested);
    used.add('metadata');
    for (const [k, v] of Object.entries(rec)) if (!used.has(k)) metadata[k] = v;

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
