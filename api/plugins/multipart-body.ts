import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.ts';

export const MULTIPART = 'multipart/form-data';

export interface MultipartPart {
  name: string;
  fileName: string | null;
  contentType: string | null;
  data: Buffer;
}

/** A parsed multipart/form-data body: its parts in order. A class, so body validation never mistakes it for JSON. */
export class MultipartBody {
  constructor(readonly parts: MultipartPart[]) {}
  file(name: string): MultipartPart | undefined {
    return this.parts.find((p) => p.name === name && p.fileName !== null) ?? this.parts.find((p) => p.name === name);
  }
  field(name: string): string | undefined {
    const part = this.parts.find((p) => p.name === name && p.fileName === null);
    return part?.data.toString('utf8');
  }
}

const MAX_PARTS = 10;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** RFC 7578 parameters of Content-Disposition: `name="…"`, `filename="…"` and RFC 5987 `filename*=UTF-8''…`. */
function dispositionParams(header: string): { name?: string; fileName?: string } {
  const out: { name?: string; fileName?: string } = {};
  for (const match of header.matchAll(/;\s*([a-z*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/gi)) {
    const key = match[1]!.toLowerCase();
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
    if (key === 'name') out.name = value;
    else if (key === 'filename' && out.fileName === undefined) out.fileName = value;
    else if (key === 'filename*') {
      const encoded = /^utf-8''(.*)$/i.exec(value);
      if (encoded) {
        try {
          out.fileName = decodeURIComponent(encoded[1]!);
        } catch {
          // A malformed encoding: keep the plain filename, if any.
        }
      }
    }
  }
  return out;
}

/** Splits a buffered multipart body. Throws MALFORMED_MULTIPART for anything that is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): MultipartBody {
  const malformed = () => new AppError('MALFORMED_MULTIPART', 'validation');
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at < 0) throw malformed();
  const parts: MultipartPart[] = [];
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break;
    if (!body.subarray(at, at + 2).equals(CRLF)) throw malformed();
    at += 2;
    const headerEnd = body.indexOf(HEADER_END, at);
    if (headerEnd < 0) throw malformed();
    const headers = body.subarray(at, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), headerEnd + 4);
    if (next < 0) throw malformed();
    let disposition = '';
    let contentType: string | null = null;
    for (const line of headers) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-disposition') disposition = value;
      else if (name === 'content-type') contentType = value;
    }
    const params = dispositionParams(disposition);
    if (!/^form-data\b/i.test(disposition) || params.name === undefined) throw malformed();
    parts.push({ name: params.name, fileName: params.fileName ?? null, contentType, data: body.subarray(headerEnd + 4, next) });
    if (parts.length > MAX_PARTS) throw malformed();
    at = next + 2;
  }
  return new MultipartBody(parts);
}

/**
 * Accepts multipart/form-data in this plugin's routes only (the API speaks JSON elsewhere), buffered up to
 * `bodyLimit` bytes: documents are small. No package needed (@fastify/multipart is not a dependency).
 */
export function useMultipartBody(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser(MULTIPART, { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(request.headers['content-type'] ?? '');
    const value = boundary?.[1] ?? boundary?.[2];
    if (!value || value.length > 70) return done(new AppError('MALFORMED_MULTIPART', 'validation'), undefined);
    if (request.headers['idempotency-key'] !== undefined) request.bodyHash = createHash('sha256').update(body as Buffer).digest('hex');
    try {
      done(null, parseMultipart(body as Buffer, value));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
