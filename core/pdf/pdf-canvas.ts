import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { drawText, type PdfFonts, prepareDocument } from './pdf-fonts.ts';

// pdfkit (and fontkit under it) costs ~0.15 s to load: required on the first document, not at start.
const require = createRequire(import.meta.url);
let pdfDocument: typeof import('pdfkit') | undefined;

export const A4 = { left: 40, right: 555, top: 40, bottom: 800 } as const;

/**
 * An A4 document with Kabinet's fonts and the few drawing moves every renderer needs. Text is laid out explicitly
 * (no pdfkit text flow), which keeps rendering in the low milliseconds.
 */
export function createPdfCanvas(fonts: PdfFonts, options: { title: string; author: string; password?: string }) {
  const PDFDocument = (pdfDocument ??= require('pdfkit') as typeof import('pdfkit'));
  const doc = new PDFDocument({
    size: 'A4',
    margin: A4.left,
    // Our font from the start: otherwise pdfkit builds Helvetica for every document and never uses it.
    font: fonts.regular.font as never,
    // Deflating the embedded fonts of every document cost more than the rest of the rendering; the files
    // stay around 100 KB, nothing for Telegram.
    compress: false,
    info: { Title: options.title, Author: options.author, Creator: 'Kabinet', Producer: 'Kabinet' },
    ...(options.password
      ? {
          userPassword: options.password,
          ownerPassword: randomBytes(24).toString('base64url'),
          pdfVersion: '1.7ext3' as const,
          permissions: { printing: 'highResolution' as const, copying: true, modifying: false },
        }
      : {}),
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  prepareDocument(doc, fonts);

  let current = fonts.regular;
  let size = 9;
  const canvas = {
    doc,
    text: (value: string, x: number, y: number) => drawText(doc, current, value, x, y),
    use(name: 'regular' | 'bold', points?: number) {
      current = fonts[name];
      doc.font(name);
      if (points !== undefined) doc.fontSize((size = points));
    },
    width: (value: string) => current.widthOf(value, size),
    right(value: string, x: number, y: number, width: number) {
      canvas.text(value, x + width - current.widthOf(value, size), y);
    },
    /** The value, cut with "…" to fit `width`. */
    fit(value: string, width: number): string {
      if (current.widthOf(value, size) <= width) return value;
      let cut = value;
      while (cut.length > 1 && current.widthOf(`${cut}…`, size) > width) cut = cut.slice(0, -1);
      return `${cut.trimEnd()}…`;
    },
    /** Splits at spaces into lines no wider than `width` (a single long word stays whole). */
    wrap(value: string, width: number): string[] {
      const lines: string[] = [];
      let line = '';
      for (const word of value.split(/\s+/).filter(Boolean)) {
        const candidate = line ? `${line} ${word}` : word;
        if (line && current.widthOf(candidate, size) > width) {
          lines.push(line);
          line = word;
        } else line = candidate;
      }
      if (line) lines.push(line);
      return lines;
    },
    end(): Promise<Buffer> {
      doc.end();
      return done;
    },
  };
  return canvas;
}

export type PdfCanvas = ReturnType<typeof createPdfCanvas>;
