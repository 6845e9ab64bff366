import type { Translator } from '../../../core/i18n.ts';
import { formatPeriod } from '../../../core/pdf/format.ts';
import type { PayslipReadyIntent, RenderedMessage } from '../../../core/telegram/intents.ts';
import { payslipCallbacks } from './payslip.callbacks.ts';

/** "Your payslip for October is ready", with Open and «Ознакомлен», in the employee's language. */
export function renderPayslipReady(intent: PayslipReadyIntent, translator: Translator): RenderedMessage {
  const t = translator.t(intent.language, 'payslip');
  const ids = { payslipId: intent.payslipId };
  return {
    text: t('published', { period: formatPeriod(intent.period, intent.language) }),
    keyboard: [[
      { text: t('open'), callbackData: payslipCallbacks.open.pack(ids) },
      { text: t('acknowledge'), callbackData: payslipCallbacks.acknowledge.pack(ids) },
    ]],
  };
}
