import type { Api } from 'grammy';
import { MAX_DOCUMENT_BYTES } from '../../../core/certificates/document-file.ts';

/** Downloads a file someone sent the bot (HR's reply with a document), through the Bot API's file endpoint. */
export interface TelegramFiles {
  download(api: Api, fileId: string): Promise<Buffer>;
}

const DEFAULT_API_ROOT = 'https://api.telegram.org';

/**
 * `getFile` names the file's path on Telegram's side; its bytes are at `<apiRoot>/file/bot<token>/<path>` (the Bot
 * API keeps them for at least an hour). `fetch` is injectable so that tests never reach the internet. Files over
 * the document limit are refused before they are downloaded (the Bot API itself serves at most 20 MB).
 */
export function telegramFiles(options: { fetch?: typeof fetch } = {}): TelegramFiles {
  const get = options.fetch ?? fetch;
  return {
    async download(api, fileId) {
      const file = await api.getFile(fileId);
      if (!file.file_path) throw new Error('Telegram gave no path for the file');
      if (file.file_size !== undefined && file.file_size > MAX_DOCUMENT_BYTES) throw new Error('file too large');
      const root = api.options?.apiRoot ?? DEFAULT_API_ROOT;
      const response = await get(`${root}/file/bot${api.token}/${file.file_path}`);
      if (!response.ok) throw new Error(`file download failed with HTTP ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}
