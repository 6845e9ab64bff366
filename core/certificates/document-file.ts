import { AppError } from '../errors.ts';

/** Largest document HR may attach: well under Telegram's 50 MB for bots, ample for a scanned certificate. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export const DOCUMENT_TYPES = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
} as const;
export type DocumentMime = keyof typeof DOCUMENT_TYPES;

export interface AcceptedDocument {
  data: Buffer;
  fileName: string;
  mime: DocumentMime;
}

/** What the bytes are, by their signature (a declared type or a file name proves nothing). */
export function sniffDocument(data: Buffer): DocumentMime | null {
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return null;
}

/**
 * A document HR attaches: a PDF, JPEG or PNG by its bytes, at most MAX_DOCUMENT_BYTES. The file name is reduced
 * to a plain last path segment (no directories, no control characters, at most 120 characters) with the extension
 * of what the file really is.
 */
export function acceptDocument(input: { data: Buffer; fileName?: string | null }, fallbackName: string): AcceptedDocument {
  if (input.data.length === 0) throw new AppError('DOCUMENT_EMPTY', 'validation');
  if (input.data.length > MAX_DOCUMENT_BYTES) throw new AppError('DOCUMENT_TOO_LARGE', 'too_large', { limit: `${MAX_DOCUMENT_BYTES / 1024 / 1024} MB` });
  const mime = sniffDocument(input.data);
  if (!mime) throw new AppError('DOCUMENT_TYPE_UNSUPPORTED', 'validation');
  const extension = DOCUMENT_TYPES[mime];
  const base = (input.fileName ?? '')
    .split(/[\\/]/)
    .at(-1)!
    .replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const stem = (base || fallbackName).slice(0, 120 - extension.length - 1);
  return { data: input.data, fileName: `${stem}.${extension}`, mime };
}
