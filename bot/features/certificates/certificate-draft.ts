import { randomBytes } from 'node:crypto';
import type { BotContext } from '../../context.ts';

/**
 * The ordering dialog's state, kept in the database (`telegram_accounts.pending_input`, like every other question
 * the bot waits on) so that any instance can take the next message or press. It expires with the pending input
 * (ten minutes without an answer); each answer renews it.
 */
export interface CertificateDraft {
  /** Buttons carry it: a press counts only while the stored draft has the same nonce (no replays of old dialogs). */
  nonce: string;
  /** Catalogue code of the chosen type; null while the catalogue is shown. */
  typeCode: string | null;
  /** The question being asked (index into the type's fields); the number of fields: the confirmation screen. */
  step: number;
  /** Raw answers by field key, re-read by the service when the request is created. */
  answers: Record<string, string | number | boolean>;
}

const DRAFT = 'certificate:';
const HR_REJECT = 'hr-reject:';

export const newNonce = (): string => randomBytes(6).toString('base64url');

const isAnswer = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The draft of this update's sender, or null (none, another question pending, expired, or unreadable). */
export function readDraft(ctx: BotContext): CertificateDraft | null {
  const pending = ctx.kabinet.pendingInput;
  if (!pending?.startsWith(DRAFT)) return null;
  try {
    const d = JSON.parse(pending.slice(DRAFT.length)) as Partial<CertificateDraft>;
    if (typeof d.nonce !== 'string' || (d.typeCode !== null && typeof d.typeCode !== 'string') || !Number.isInteger(d.step)) return null;
    const answers = d.answers && typeof d.answers === 'object' ? Object.fromEntries(Object.entries(d.answers).filter(([, v]) => isAnswer(v))) : {};
    return { nonce: d.nonce, typeCode: d.typeCode ?? null, step: d.step!, answers };
  } catch {
    return null;
  }
}

export async function saveDraft(ctx: BotContext, draft: CertificateDraft | null): Promise<void> {
  await ctx.deps.linking.setPendingInput(ctx.user, draft ? DRAFT + JSON.stringify(draft) : null);
}

/** HR pressed «Отклонить»: their next reply (in the HR chat) is the reason for this request. */
export const rejectionPending = (ctx: BotContext): string | null => {
  const pending = ctx.kabinet.pendingInput;
  return pending?.startsWith(HR_REJECT) ? pending.slice(HR_REJECT.length) : null;
};

export const awaitRejection = (ctx: BotContext, requestId: string | null) => ctx.deps.linking.setPendingInput(ctx.user, requestId ? HR_REJECT + requestId : null);
