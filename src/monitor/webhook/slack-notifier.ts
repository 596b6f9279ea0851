import type { WebhookOptions } from './webhook-server.js';

/** Tells a Slack channel of each new prompt version the webhook receives. */
export async function slackPromptNotifier(opts: { token: string; channel: string; apiUrl?: string }): Promise<NonNullable<WebhookOptions['onPromptVersion']>> {
  const { WebClient } = await import('@slack/web-api');
  const url = opts.apiUrl;
  const slack = new WebClient(opts.token, url ? { slackApiUrl: url.endsWith('/') ? url : `${url}/` } : {});
  return async (e) => {
    await slack.chat.postMessage({ channel: opts.channel, text: `Langfuse prompt *${e.name}* ${e.action ?? 'changed'}: version ${e.version ?? '?'}${e.labels?.length ? ` (${e.labels.join(', ')})` : ''}` });
  };
}
