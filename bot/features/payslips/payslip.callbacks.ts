import { callbackCodec, uuidField, yearField } from '../../callback-data.ts';

/**
 * The payslip buttons, drawn by the picker, by a sent PDF and by the payday notification (a job's intent rendered
 * in payslip-ready.renderer.ts), and parsed by payslip.feature.ts. The wire format is the one buttons already in
 * people's chats carry (`ps:`, `ack:`, `py:`), so they keep working.
 */
export const payslipCallbacks = {
  /** Send this payslip as a PDF. */
  open: callbackCodec('ps', { payslipId: uuidField }),
  /** «Ознакомлен» for this payslip. */
  acknowledge: callbackCodec('ack', { payslipId: uuidField }),
  /** The picker, on this year. */
  year: callbackCodec('py', { year: yearField }),
};
