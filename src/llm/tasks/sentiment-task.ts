import { z } from 'zod';
import { defineTask } from './define-task.js';

export const sentimentSchema = z.object({
  label: z.enum(['positive', 'neutral', 'negative']),
  confidence: z.number().min(0).max(1),
});

export type SentimentValue = z.infer<typeof sentimentSchema>;

export const sentimentTask = defineTask<{ text: string }, SentimentValue>({
  name: 'sentiment',
  version: 1,
  system:
    'You classify the sentiment of one sentence. Answer with only a JSON object, no prose: ' +
    '{"label": "positive" | "neutral" | "negative", "confidence": a number from 0 to 1}. ' +
    'Judge the sentiment the sentence expresses about its subject (for financial news: good or bad for the company). ' +
    'Plain statements of fact are neutral.',
  prompt: ({ text }) => [{ role: 'user', content: `Sentence: ${JSON.stringify(text)}` }],
  schema: sentimentSchema,
});
