import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The text of a PDF as poppler's pdftotext reads it (Debian poppler-utils, installed by .ci/run), with every
 * kind of space folded to a plain one. Rejects when the PDF does not open (e.g. a wrong password).
 */
export async function pdfText(pdf: Buffer, password?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kabinet-pdf-'));
  const file = path.join(dir, 'doc.pdf');
  await writeFile(file, pdf);
  try {
    const args = [...(password !== undefined ? ['-upw', password] : []), '-layout', file, '-'];
    const text = await new Promise<string>((resolve, reject) =>
      execFile('pdftotext', args, { encoding: 'utf8' }, (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout))),
    );
    return text.replace(/[\s\u00a0\u202f]+/g, ' ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
