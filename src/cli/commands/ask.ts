import type { Command } from 'commander';
import type { AskFlags } from '../../app/ask.js';
import { createContext } from '../../app/context.js';
import { toPositiveInt } from '../options.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  program
    .command('ask')
    .argument('[question]', 'what to ask (or --in for many)')
    .description('Answer a question from the featurized collections: hybrid search, the best chunks packed into the model\'s context, an answer citing them as [1], [2] (offline: the best-matching sentences, cited the same way)')
    .option('--collection <name>', 'search this collection (repeatable; default every embedded one)', collect)
    .option('--k <n>', 'how many chunks to retrieve', toPositiveInt, 5)
    .option('--budget <tokens>', 'tokens the prompt may take: instructions, question and retrieved chunks (the first chunk that does not fit whole is cut, the rest left out)', toPositiveInt, 3000)
    .option('--max-tokens <n>', 'longest answer a model may write, in tokens (overrides the profile\'s max_tokens, which is sized for short tasks)', toPositiveInt, 1024)
    .option('--env <name>', 'profiles env: offline (default: extractive, no key), anthropic, openai, ollama, … (env LLMOPS_ENV)')
    .option('--profiles <file>', 'profiles file (env LLMOPS_PROFILES; default ./profiles/profiles.toml, else the shipped one)')
    .option('--extractive', 'no model, whatever the env: the sources\' sentences that best match the question')
    .option('--no-stream', 'print the answer once it is whole, not as it arrives')
    .option('--in <file|->', 'NDJSON questions, one a line: {"question": "...", "id": ...} or a JSON string')
    .option('--out <file|->', 'with --in: where the NDJSON answers go (default -)')
    .option('--concurrency <n>', 'with --in: questions answered at once', toPositiveInt, 4)
    .option('--models-dir <dir>', 'where local models live (for minilm collections)')
    .addHelpText(
      'after',
      `
Examples:
  llmops ask "How should I evaluate a RAG pipeline?"                  offline: an extractive answer
  llmops ask "How should I evaluate a RAG pipeline?" --env openai     OPENAI_API_KEY: a generated answer, streamed
  llmops ask "What does the refund policy say?" --collection embedded_posts --k 8 --json | jq .citations
  llmops ask --in questions.jsonl --out answers.jsonl --env anthropic --concurrency 8
  echo '{"id": 7, "question": "What is recall@5?"}' | llmops ask --in - | jq '{id, answer}'

On a terminal the answer streams as the model writes it, then its sources, one a line:
  [1] Title — link (chunk 3)
Piped or with --json: one Answer object: question, answer, citations (n, title, link,
document_id, chunk_id, chunk_index, collection, score, snippet), mode (generated or
extractive), provider, model, usage, cost_usd, trace_id, call_id, finish_reason.
With --in: one such line per question, in input order, with the question's id; a question the
model failed to answer gets {"id", "question", "error"} (exit 3); a line that is not a question
stops the run naming it (exit 2). Ctrl-C stops (exit 130; with --in the answers already written stay).
The database must exist and hold featurized collections (llmops featurize).`,
    )
    .action(async (question: string | undefined, flags: AskFlags, cmd: Command) => {
      const { ask } = await import('../../app/ask.js');
      await ask(await createContext(cmd.optsWithGlobals()), question, flags);
    });
}
