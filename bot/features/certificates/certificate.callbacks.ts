import { callbackCodec, uuidField } from '../../callback-data.ts';

/**
 * The buttons of the certificate queue, drawn on the HR chat's cards (certificate-intents.renderer.ts) and on the
 * employee's «Мои заявки», and parsed by the certificate features. A press only names a request: who may do what
 * is checked by the service on every press, never read from the data.
 */
export const certificateCallbacks = {
  /** HR: «Взять». */
  take: callbackCodec('crt-take', { requestId: uuidField }),
  /** HR: «Готово» (then a reply with the document, or "ready for pickup"). */
  done: callbackCodec('crt-done', { requestId: uuidField }),
  /** HR: "ready for pickup at the office". */
  pickup: callbackCodec('crt-pick', { requestId: uuidField }),
  /** HR: «Отклонить» (then a reply with the reason). */
  reject: callbackCodec('crt-rej', { requestId: uuidField }),
  /** Employee: cancel a request nobody has taken yet. */
  cancel: callbackCodec('crt-cancel', { requestId: uuidField }),
};
