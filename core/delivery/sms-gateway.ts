import { PermanentDeliveryError, TransientDeliveryError } from './delivery-errors.ts';

/** Any SMS provider: one number (E.164), one text. */
export interface SmsGateway {
  send(phone: string, text: string): Promise<void>;
}

// SMS.ru answers HTTP 200 with its own status codes; these mean the message will never go through as sent.
// (200 bad api_id, 201 no money, 202 bad recipient, 203 empty text, 204 sender not approved, 207 number not
// allowed, 230 too many messages to this number today, 231/232 duplicate limits.)
const SMSRU_PERMANENT = new Set([200, 201, 202, 203, 204, 207, 230, 231, 232]);

/** SMS.ru (https://sms.ru/api/send), a widely used Russian gateway. */
export function createSmsRuGateway(options: { apiId: string; sender?: string; endpoint?: string; timeoutMs?: number }): SmsGateway {
  const endpoint = options.endpoint ?? 'https://sms.ru/sms/send';
  return {
    async send(phone, text) {
      const body = new URLSearchParams({ api_id: options.apiId, to: phone.replace(/^\+/, ''), msg: text, json: '1' });
      if (options.sender) body.set('from', options.sender);
      let response: Response;
      try {
        response = await fetch(endpoint, { method: 'POST', body, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
      } catch (error) {
        throw new TransientDeliveryError(`SMS.ru unreachable (${(error as Error).name})`);
      }
      if (response.status >= 500 || response.status === 429) throw new TransientDeliveryError(`SMS.ru HTTP ${response.status}`);
      if (!response.ok) throw new PermanentDeliveryError(`SMS.ru HTTP ${response.status}`);
      const result = (await response.json().catch(() => null)) as
        | { status?: string; status_code?: number; sms?: Record<string, { status?: string; status_code?: number }> }
        | null;
      if (!result) throw new TransientDeliveryError('SMS.ru answered with something that is not JSON');
      const perNumber = result.sms ? Object.values(result.sms)[0] : undefined;
      const code = perNumber?.status_code ?? result.status_code ?? 0;
      if (result.status === 'OK' && (perNumber === undefined || perNumber.status === 'OK')) return;
      if (SMSRU_PERMANENT.has(code)) throw new PermanentDeliveryError(`SMS.ru refused (${code})`);
      throw new TransientDeliveryError(`SMS.ru failed (${code})`);
    },
  };
}
