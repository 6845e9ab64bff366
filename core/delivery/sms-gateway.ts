import { PermanentDeliveryError, TransientDeliveryError } from './delivery-errors.ts';

/** Any SMS provider: one number (E.164), one text. */
export interface SmsGateway {
  send(phone: string, text: string): Promise<void>;
}

/** What `SMS_PROVIDER` and its variables describe; `url` points at the provider (or a test double of it). */
export type SmsSettings =
  | { provider: 'smsru'; url: string; apiId: string; sender: string | undefined }
  | { provider: 'smsc'; url: string; login: string; password: string; sender: string | undefined }
  | { provider: 'http'; url: string; token: string | undefined; sender: string | undefined };

export const SMS_DEFAULT_URLS = {
  smsru: 'https://sms.ru/sms/send',
  smsc: 'https://smsc.ru/sys/send.php',
} as const;

const TIMEOUT_MS = 10_000;

export function createSmsGateway(settings: SmsSettings, options: { timeoutMs?: number } = {}): SmsGateway {
  switch (settings.provider) {
    case 'smsru':
      return createSmsRuGateway({ ...settings, ...options });
    case 'smsc':
      return createSmscGateway({ ...settings, ...options });
    case 'http':
      return createHttpSmsGateway({ ...settings, ...options });
  }
}

/**
 * One POST with the classification every provider shares: no answer, 429 and 5xx are worth retrying; any other
 * non-2xx is final. The body is returned for the provider to read its own status codes.
 */
async function post(provider: string, url: string, init: { body: string | URLSearchParams; headers?: Record<string, string> }, timeoutMs = TIMEOUT_MS): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new TransientDeliveryError(`${provider} unreachable (${(error as Error).name})`);
  }
  const body = await response.text().catch(() => '');
  if (response.status >= 500 || response.status === 429) throw new TransientDeliveryError(`${provider} HTTP ${response.status}`);
  if (!response.ok) throw new PermanentDeliveryError(`${provider} HTTP ${response.status}`);
  return body;
}

function parseJson<T>(provider: string, body: string): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new TransientDeliveryError(`${provider} answered with something that is not JSON`);
  }
}

// SMS.ru answers HTTP 200 with its own status codes; these mean the message will never go through as sent.
// (200 bad api_id, 201 no money, 202 bad recipient, 203 empty text, 204 sender not approved, 207 number not
// allowed, 230 too many messages to this number today, 231/232 duplicate limits.)
const SMSRU_PERMANENT = new Set([200, 201, 202, 203, 204, 207, 230, 231, 232]);

/** SMS.ru (https://sms.ru/api/send), a widely used Russian gateway. */
export function createSmsRuGateway(options: { apiId: string; sender?: string | undefined; url?: string; timeoutMs?: number }): SmsGateway {
  const url = options.url ?? SMS_DEFAULT_URLS.smsru;
  return {
    async send(phone, text) {
      const form = new URLSearchParams({ api_id: options.apiId, to: phone.replace(/^\+/, ''), msg: text, json: '1' });
      if (options.sender) form.set('from', options.sender);
      const result = parseJson<{ status?: string; status_code?: number; sms?: Record<string, { status?: string; status_code?: number }> } | null>(
        'SMS.ru',
        await post('SMS.ru', url, { body: form }, options.timeoutMs),
      );
      if (!result) throw new TransientDeliveryError('SMS.ru answered with an empty body');
      const perNumber = result.sms ? Object.values(result.sms)[0] : undefined;
      const code = perNumber?.status_code ?? result.status_code ?? 0;
      if (result.status === 'OK' && (perNumber === undefined || perNumber.status === 'OK')) return;
      if (SMSRU_PERMANENT.has(code)) throw new PermanentDeliveryError(`SMS.ru refused (${code})`);
      throw new TransientDeliveryError(`SMS.ru failed (${code})`);
    },
  };
}

// SMSC.ru error codes: 4 (IP blocked for a while after errors) and 9 (too many identical requests in a minute) pass;
// the rest (bad parameters or credentials, no money, forbidden text, bad or unreachable number) do not.
const SMSC_TRANSIENT = new Set([4, 9]);

/** SMSC.ru (https://smsc.ru/api/http/), the other gateway Russian companies commonly have an account with. */
export function createSmscGateway(options: { login: string; password: string; sender?: string | undefined; url?: string; timeoutMs?: number }): SmsGateway {
  const url = options.url ?? SMS_DEFAULT_URLS.smsc;
  return {
    async send(phone, text) {
      // fmt=3 asks for JSON; charset keeps Cyrillic intact.
      const form = new URLSearchParams({ login: options.login, psw: options.password, phones: phone.replace(/^\+/, ''), mes: text, fmt: '3', charset: 'utf-8' });
      if (options.sender) form.set('sender', options.sender);
      const result = parseJson<{ id?: number; cnt?: number; error?: string; error_code?: number } | null>('SMSC', await post('SMSC', url, { body: form }, options.timeoutMs));
      if (result && result.error_code === undefined && typeof result.id === 'number') return;
      const code = result?.error_code ?? 0;
      if (code > 0 && !SMSC_TRANSIENT.has(code)) throw new PermanentDeliveryError(`SMSC refused (${code})`);
      throw new TransientDeliveryError(`SMSC failed (${code})`);
    },
  };
}

/**
 * Any gateway behind a small adapter of your own: Kabinet POSTs `{"to": "+7…", "text": "…", "sender": "…"}` as JSON
 * (with `Authorization: Bearer <SMS_API_TOKEN>` when set). 2xx means accepted; 429 and 5xx are retried; any other
 * status is final.
 */
export function createHttpSmsGateway(options: { url: string; token?: string | undefined; sender?: string | undefined; timeoutMs?: number }): SmsGateway {
  return {
    async send(phone, text) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      await post('SMS gateway', options.url, { body: JSON.stringify({ to: phone, text, ...(options.sender ? { sender: options.sender } : {}) }), headers }, options.timeoutMs);
    },
  };
}
