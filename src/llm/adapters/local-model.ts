import { classifySentiment, OFFLINE_SENTIMENT_ALIASES, OFFLINE_SENTIMENT_MODEL } from '../local/offline-sentiment.js';
import type { ChatModel, ChatRequest } from '../types.js';

export const LOCAL_MODELS = [OFFLINE_SENTIMENT_MODEL] as const;

/** The local model a profile's name stands for (an old name resolves to the current one). */
export function resolveLocalModel(name: string): string | undefined {
  if ((LOCAL_MODELS as readonly string[]).includes(name)) return name;
  return OFFLINE_SENTIMENT_ALIASES[name];
}

/**
 * The offline provider: no network, no key. It answers the tasks it has a local model for
 * (sentiment: a lexicon-and-rules classifier) and refuses the rest clearly.
 */
export function createLocalModel(opts: { model: string }): ChatModel {
  return {
    provider: 'local',
    model: resolveLocalModel(opts.model) ?? opts.model,
    async generate(req: ChatRequest) {
      const started = performance.now();
      const task = req.tags?.task;
      const text = req.input?.text;
      if (task !== 'sentiment' || typeof text !== 'string') {
        throw new Error(`the local provider answers only the sentiment task (asked: ${task ?? 'a free-form prompt'}); choose another profile`);
      }
      const { label, confidence } = classifySentiment(text);
      return {
        text: JSON.stringify({ label, confidence: Math.round(confidence * 1000) / 1000 }),
        usage: { inputTokens: 0, outputTokens: 0 },
        finishReason: 'stop' as const,
        latencyMs: performance.now() - started,
      };
    },
  };
}
