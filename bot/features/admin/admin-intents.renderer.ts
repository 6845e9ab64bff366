import type { Translator } from '../../../core/i18n.ts';
import { stopBulkData } from './admin-callbacks.ts';
import type { ActivationsIntent, InvitationProgressIntent, RenderedMessage } from '../../../core/telegram/intents.ts';

/**
 * Plain-text renderings of the admin's intents (core/admin, core/invitations). The admin menu in the bot (buttons to
 * stop a run, to open the list) builds on these later; the texts live in locales/<lng>/admin.json.
 */
export function renderActivations(intent: ActivationsIntent, translator: Translator): RenderedMessage {
  const t = translator.t(intent.language, 'admin');
  const shown = intent.names.join(', ');
  const rest = intent.count - intent.names.length;
  const names = rest > 0 ? t('notice.and_more', { names: shown, count: rest }) : shown;
  return { text: t('notice.activations', { count: intent.count, names }) };
}

export function renderInvitationProgress(intent: InvitationProgressIntent, translator: Translator): RenderedMessage {
  const t = translator.t(intent.language, 'admin');
  const { total, sent, failed, remaining, cancelled } = intent;
  const text = t(`progress.${intent.status}`, { total, sent, failed, remaining, cancelled });
  // While the run goes, the message has a Stop button (its press is checked against the presser's roles).
  if (intent.status !== 'running') return { text };
  return { text, keyboard: [[{ text: t('bot.stop'), callbackData: stopBulkData.pack({ batch: intent.batchId }) }]] };
}
