import { UsageError } from '../core/errors.js';
import type { Context } from './context.js';

export type WebhookFlags = { port: number; host: string; slackChannel?: string; maxBodyKb: number; tolerance: number };

/** The Langfuse webhook secret, which every request's signature is checked against. */
export function webhookSecret(command: string): string {
  const secret = process.env.LANGFUSE_WEBHOOK_SECRET;
  if (!secret) throw new UsageError(`${command}: LANGFUSE_WEBHOOK_SECRET is not set`);
  return secret;
}

/** `llmops monitor webhook`: the Langfuse prompt webhook alone, until Ctrl-C. */
export async function monitorWebhook(ctx: Context, flags: WebhookFlags): Promise<void> {
  const secret = webhookSecret('monitor webhook');
  let onPromptVersion;
  if (flags.slackChannel) {
    const token = process.env.SLACK_BOT_TOKEN;
    if (!token) throw new UsageError('monitor webhook: --slack-channel needs SLACK_BOT_TOKEN');
    const { slackPromptNotifier } = await import('../monitor/webhook/slack-notifier.js');
    onPromptVersion = await slackPromptNotifier({ token, channel: flags.slackChannel, apiUrl: process.env.SLACK_API_URL });
  }
  const { serveWebhook } = await import('../monitor/webhook/webhook-server.js');
  await serveWebhook({
    secret,
    maxBodyBytes: flags.maxBodyKb * 1024,
    toleranceS: flags.tolerance,
    logger: ctx.logger,
    onPromptVersion,
    port: flags.port,
    host: flags.host,
    signal: ctx.signal,
    onListening(port) {
      ctx.logger.info(`webhook: listening on http://${flags.host}:${port}/ (Ctrl-C to stop)`);
      process.stderr.write(`listening on http://${flags.host}:${port}/\n`);
    },
  });
}
