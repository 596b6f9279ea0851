import type { Kysely } from 'kysely';

// Frozen once landed. A sentence is a span of its document: `text` repeated
// documents.content[start_offset, end_offset) (UTF-16 code units; every splitter version
// stored exactly that, and a changed document loses its sentences), and writing it again was
// a third of split's write cost (bench/split.ts). Readers slice the document's content
// (sentences-repo.ts). SQLite rewrites the table once here; PostgreSQL only marks the column gone.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sentences').dropColumn('text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // substr counts code points and the offsets are UTF-16 code units: the texts are sliced here.
  await db.schema.alterTable('sentences').addColumn('text', 'text', (c) => c.notNull().defaultTo('')).execute();
  let after = '';
  for (;;) {
    const docs: { id: string; content: string }[] = await db
      .selectFrom('documents as d')
      .select(['d.id', 'd.content'])
      .where('d.id', '>', after)
      .where((eb) => eb.exists(eb.selectFrom('sentences as s').select('s.id').whereRef('s.document_id', '=', 'd.id')))
      .orderBy('d.id')
      .limit(100)
      .execute();
    if (docs.length === 0) return;
    for (const d of docs) {
      const spans: { id: string; start_offset: number; end_offset: number }[] = await db.selectFrom('sentences').select(['id', 'start_offset', 'end_offset']).where('document_id', '=', d.id).execute();
      for (const s of spans) await db.updateTable('sentences').set({ text: d.content.slice(s.start_offset, s.end_offset) }).where('id', '=', s.id).execute();
    }
    after = docs.at(-1)!.id;
  }
}
