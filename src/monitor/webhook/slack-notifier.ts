import type { WebhookOptions } from './webhook-server.js';

/** Tells a Slack channel of each new prompt version the webhook receives. */
export async function slackPromptNotifier(opts: { token: string; channel: string; apiUrl?: string }): Promise<NonNullable<WebhookOptions['onPromptVersion']>> {
  const { WebClient } = await import('@slack/web-api');
  const url = opts.apiUrl;
  const slack = new WebClient(opts.token, {
    ...(url ? { slackApiUrl: url.endsWith('/') ? url : `${url}/` } : {}),
    // The webhook answers Langfuse once Slack is told, and Langfuse retries a delivery it got no
    // answer to in time: the client's own policy (ten retries over half an hour, and an hour's
    // retry-after waited out) outlived that. A few quick retries, then 502, and Langfuse retries.
    retryConfig: { retries: 2, factor: 1, minTimeout: 200, maxTimeout: 1000 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
  return async (e) => {
    await slack.chat.postMessage({ channel: opts.channel, text: `Langfuse prompt *${e.name}* ${e.action ?? 'changed'}: version ${e.version ?? '?'}${e.labels?.length ? ` (${e.labels.join(', ')})` : ''}` });
  };
}
