import { callbackCodec, type FieldCodec, uuidField } from '../../callback-data.ts';

/** The ordering dialog's nonce: a press counts only while the draft stored for the presser carries the same one. */
export const nonceField: FieldCodec<string> = { pattern: '[A-Za-z0-9_-]{8}', encode: (n) => n, decode: (n) => n };
/** A small index: a question's step, an option's position, a number of copies. */
const indexField: FieldCodec<number> = { pattern: '\\d{1,2}', encode: (n) => String(n), decode: (t) => Number(t) };

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
  /** Employee, ordering: a type of the catalogue. */
  type: callbackCodec('crt-type', { nonce: nonceField, typeId: uuidField }),
  /** Employee, ordering: the answer to question `step` (an option's index, yes = 1 / no = 0, a number of copies). */
  answer: callbackCodec('crt-ans', { nonce: nonceField, step: indexField, value: indexField }),
  /** Employee, ordering: skip an optional question. */
  skip: callbackCodec('crt-skip', { nonce: nonceField, step: indexField }),
  /** Employee, on the confirmation screen: send, start over, or drop the draft. */
  send: callbackCodec('crt-send', { nonce: nonceField }),
  edit: callbackCodec('crt-edit', { nonce: nonceField }),
  stop: callbackCodec('crt-stop', { nonce: nonceField }),
};
