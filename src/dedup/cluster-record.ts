import type { Cluster } from './minhash-lsh.js';

/**
 * A near-duplicate cluster as reported (`dedup --report`): the kept record or document and
 * the dropped ones, each named by title too where one is known.
 */
export type ClusterRecord = { kept: string; kept_title?: string; dropped: { id: string; title?: string; similarity: number }[] };

export function clusterRecord(c: Cluster<string>, titleOf: (id: string) => string | undefined): ClusterRecord {
  const keptTitle = titleOf(c.kept);
  return {
    kept: c.kept,
    ...(keptTitle === undefined ? {} : { kept_title: keptTitle }),
    dropped: c.dropped.map((d) => {
      const title = titleOf(d.id);
      return title === undefined ? d : { id: d.id, title, similarity: d.similarity };
    }),
  };
}
