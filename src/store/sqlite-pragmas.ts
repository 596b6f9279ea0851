/**
 * Pages the WAL may hold before a commit checkpoints it into the database file (SQLite's
 * default is 1,000: 4 MB). A featurize batch commits ~7 MB (vectors, payloads, chunks, FTS), so
 * the default checkpointed, copied and fsynced the file at nearly every commit, and rewrote
 * pages that every batch touches (index interior pages, the quantized copy's rows) once per
 * batch. 8,192 pages (32 MB with 4 KB pages) checkpoints a few times less often: in the writer
 * harness, ~15% less CPU for the writes of 8 MB of documents. Both connections to a file (the
 * relational one and the vector store's) set it: whichever commits past it checkpoints.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 8192;
