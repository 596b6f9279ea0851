/**
 * Offline stand-ins for the faithfulness and answer_relevance judges, used when the env's
 * provider is `local` (no key, no network). They are lexical, not semantic: faithfulness is the
 * share of the answer's sentences whose content words mostly appear in the context;
 * relevance is the share of the question's content words the answer takes up. Every score
 * they give says so in its scorer (`local/llmops-overlap-v1`).
 */
export const OFFLINE_JUDGE_MODEL = 'llmops-overlap-v1';

const STOPWORDS = new Set(
  ('a an the and or but if then else of to in on at by for with from into onto over under about as is are was were be been being am do does did ' +
    'have has had having i you he she it we they me him her us them my your his its our their this that these those there here what which who whom ' +
    'whose when where why how can could would should will shall may might must not no yes so than too very just also only any some all each every ' +
    'more most such own same other both few nor up down out off again further once please thanks thank hi hello sure ok okay let lets get got').split(' '),
);

/** Lowercased content words, crudely stemmed so "refunds" meets "refund". */
function contentWords(text: string): string[] {
  const words = text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
  return words.filter((w) => w.length > 1 && !STOPWORDS.has(w)).map(stem);
}

function stem(w: string): string {
  if (/^\d+$/.test(w)) return w;
  return w.replace(/['’]s$/, '').replace(/(ies)$/, 'y').replace(/(ing|ed|es|s)$/, '').slice(0, 12) || w;
}

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => contentWords(s).length > 0);
}

export function offlineFaithfulness(output: string, context: string, threshold: number) {
  const ctx = new Set(contentWords(context));
  const sents = sentences(output);
  if (sents.length === 0) return { score: 1, pass: true, reason: 'the answer makes no claim' };
  const unsupported: string[] = [];
  for (const s of sents) {
    const words = contentWords(s);
    const covered = words.filter((w) => ctx.has(w)).length / words.length;
    if (covered < 0.6) unsupported.push(s);
  }
  const score = (sents.length - unsupported.length) / sents.length;
  return {
    score,
    pass: score >= threshold,
    reason: unsupported.length === 0 ? 'every sentence is supported by the context' : `unsupported: ${unsupported.slice(0, 2).map((s) => JSON.stringify(s.slice(0, 80))).join('; ')}`,
  };
}

export function offlineAnswerRelevance(question: string, answer: string, threshold: number) {
  const q = [...new Set(contentWords(question))];
  const a = new Set(contentWords(answer));
  if (q.length === 0) return { score: 1, pass: true, reason: 'the question has no content words to match' };
  if (a.size === 0) return { score: 0, pass: false, reason: 'empty answer' };
  const hit = q.filter((w) => a.has(w));
  const score = hit.length / q.length;
  return { score, pass: score >= threshold, reason: `answer takes up ${hit.length}/${q.length} key words of the question${hit.length < q.length ? ` (missing: ${q.filter((w) => !a.has(w)).slice(0, 5).join(', ')})` : ''}` };
}
