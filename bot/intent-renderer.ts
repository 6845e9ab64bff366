import type { Translator } from '../core/i18n.ts';
import type { IntentRenderer, TelegramIntent } from '../core/telegram/intents.ts';
import { renderActivations, renderInvitationProgress } from './features/admin/admin-intents.renderer.ts';
import { renderCertificateDeadline, renderCertificateDigest, renderCertificateForHr, renderCertificateStatus } from './features/certificates/certificate-intents.renderer.ts';
import { renderPayslipReady } from './features/payslips/payslip-ready.renderer.ts';

/** Turns what a core job says happened into a message, by the renderer of the feature it belongs to. */
export function createIntentRenderer(translator: Translator): IntentRenderer {
  return (intent: TelegramIntent) => {
    switch (intent.kind) {
      case 'payslip-ready':
        return renderPayslipReady(intent, translator);
      case 'activations':
        return renderActivations(intent, translator);
      case 'invitation-progress':
        return renderInvitationProgress(intent, translator);
      case 'certificate-for-hr':
        return renderCertificateForHr(intent, translator);
      case 'certificate-status':
        return renderCertificateStatus(intent, translator);
      case 'certificate-deadline-today':
        return renderCertificateDeadline(intent, translator);
      case 'certificate-overdue-digest':
        return renderCertificateDigest(intent, translator);
      default:
        return unknownIntent(intent);
    }
  };
}

function unknownIntent(intent: never): never {
  throw new Error(`no renderer for the intent ${String((intent as { kind?: unknown }).kind)}`);
}
