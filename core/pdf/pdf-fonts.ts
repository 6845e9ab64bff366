import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// fontkit is required with the fonts, on the first PDF: loading it at start cost ~0.1 s for nothing.
const require = createRequire(import.meta.url);

// pdfkit accepts an already parsed fontkit font wherever it accepts a font file. These are the parts of fontkit's
// font and glyph-run objects this module relies on.
interface GlyphRun {
  glyphs: unknown[];
  positions: Record<string, number>[];
}
interface Subset {
  glyphs: number[];
  encode(): Uint8Array;
}
interface Glyph {
  id: number;
  advanceWidth: number;
}
interface FontkitFont {
  layout(text: string, features?: unknown): GlyphRun;
  createSubset(): Subset;
  glyphForCodePoint(codePoint: number): Glyph;
}

// Amounts, dates and counts: digits and separators need no OpenType shaping, only each glyph's advance. They are
// also the strings that differ in every document ("85 000,00 ₽" is one word: the group separator does not break).
const NUMERIC = /^[\d\s\u00a0\u202f.,:;%+\-–−₽/()]+$/;

/** A parsed font to hand to pdfkit, shared by every document of the process. */
export interface SharedFont {
  font: object;
  /** pdfkit's per-font layout cache (word → shaped and scaled run), shared across documents. */
  layoutCache: Record<string, unknown>;
  /** Width in points at `size`, from cached glyph advances (no kerning: for aligning cells, not for drawing). */
  widthOf(text: string, size: number): number;
  /** Text-showing operands (`[<hex> adj …]`) of strings made only of common characters, valid in every document. */
  runs: Map<string, string>;
}

export interface PdfFonts {
  regular: SharedFont;
  bold: SharedFont;
  /** Characters every payslip is likely to use: encoded first in every document, so glyph order is stable. */
  commonCharacters: string;
}

// pdfkit internals this module (and only this module) touches: the document's current embedded font and its
// font-family table. Both are stable across pdfkit 0.1x; tests render and read back real PDFs.
interface PdfkitInternals {
  _font: {
    id: string;
    ascender: number;
    encode(text: string): [string[], { xAdvance: number; advanceWidth: number; xOffset: number; yOffset: number }[]];
    ref(): unknown;
    layoutCache?: Record<string, unknown>;
  };
  _fontSize: number;
  _fontFamilies: Record<string, unknown>;
  page: { height: number; fonts: Record<string, unknown> };
  addContent(operators: string): unknown;
}

const pdfNumber = (n: number) => String(Math.round(n * 1e6) / 1e6);
const commonSet = new Set<string>();
const onlyCommon = (text: string, common: string) => {
  if (commonSet.size === 0) for (const ch of common) commonSet.add(ch);
  for (const ch of text) if (!commonSet.has(ch)) return false;
  return true;
};

/**
 * One line of text at (x, y), top-left like `doc.text`, in the document's current font and size. It writes the
 * operators pdfkit's own text() writes for a single left-aligned line, but lays the string out once instead of
 * three times, and reuses the glyph run of strings it has drawn before.
 */
export function drawText(doc: PDFKit.PDFDocument, shared: SharedFont, text: string, x: number, y: number): void {
  if (!text) return;
  const internals = doc as unknown as PdfkitInternals;
  const font = internals._font;
  let run = shared.runs.get(text);
  if (run === undefined) {
    const [encoded, positions] = font.encode(text);
    if (positions.some((p) => p.xOffset || p.yOffset)) {
      // Marks placed off the baseline: leave those to pdfkit.
      doc.text(text, x, y, { lineBreak: false });
      return;
    }
    const segments: string[] = [];
    let last = 0;
    for (let i = 0; i < positions.length; i++) {
      const adjust = positions[i]!.xAdvance - positions[i]!.advanceWidth;
      if (adjust !== 0 || i === positions.length - 1) {
        segments.push(`<${encoded.slice(last, i + 1).join('')}> ${pdfNumber(-adjust)}`);
        last = i + 1;
      }
    }
    run = `[${segments.join(' ')}] TJ`;
    if (onlyCommon(text, COMMON) && shared.runs.size < 50_000) shared.runs.set(text, run);
  }
  if (internals.page.fonts[font.id] == null) internals.page.fonts[font.id] = font.ref();
  const size = internals._fontSize;
  doc.save();
  doc.transform(1, 0, 0, -1, 0, internals.page.height);
  internals.addContent(`BT\n1 0 0 1 ${pdfNumber(x)} ${pdfNumber(internals.page.height - y - (font.ascender / 1000) * size)} Tm\n/${font.id} ${pdfNumber(size)} Tf\n${run}\nET`);
  doc.restore();
}

const spacedCache = new Map<string, string>();
const spaced = (characters: string) => {
  let text = spacedCache.get(characters);
  if (!text) spacedCache.set(characters, (text = [...characters].join(' ')));
  return text;
};

let documentsSinceReset = 0;
const RESET_LAYOUT_CACHES_EVERY = 20_000;

/**
 * Registers the shared fonts on a new document (created with `font: fonts.regular.font`) and primes it:
 * the fonts are adopted without pdfkit re-opening and comparing them, their layout caches are the process-wide
 * ones, and the common characters are encoded first so the embedded subset comes out the same as last time.
 */
export function prepareDocument(doc: PDFKit.PDFDocument, fonts: PdfFonts): void {
  const internals = doc as unknown as PdfkitInternals;
  if (++documentsSinceReset > RESET_LAYOUT_CACHES_EVERY) {
    // Words of amounts and names are a bounded vocabulary, but bounded is not small: start afresh now and then.
    documentsSinceReset = 0;
    fonts.regular.layoutCache = Object.create(null) as Record<string, unknown>;
    fonts.bold.layoutCache = Object.create(null) as Record<string, unknown>;
  }
  for (const name of ['regular', 'bold'] as const) {
    doc.registerFont(name, fonts[name].font as never);
    if (name === 'regular') internals._fontFamilies.regular = internals._font;
    doc.font(name);
    internals._font.layoutCache = fonts[name].layoutCache;
    // Space-separated, so each character is its own cached word and no ligature merges two of them.
    internals._font.encode(spaced(fonts.commonCharacters));
  }
  doc.font('regular');
}

const COMMON =
  ' \u00a0\u202f0123456789,.:;-–—()«»"№₽%/+…' +
  'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя' +
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Where a naive pdfkit document spends its time with a TTF font (measured in bench/payslip.bench.ts):
 * 1. parsing the TTF file for every document (`registerFont(name, bytes)` re-parses it);
 * 2. shaping every word again in every document (pdfkit's layout cache lives and dies with the document);
 * 3. building the embedded font subset again for every document.
 * Here the font is parsed once per process, pdfkit's own layout cache is shared by every document (prepareDocument),
 * numbers skip OpenType shaping, and subset bytes are cached by their glyph list, which is the same for most
 * documents because every document first encodes the same common characters in the same order.
 */
function share(bytes: Buffer): SharedFont {
  const { create } = require('fontkit') as typeof import('fontkit');
  const font = create(bytes) as unknown as FontkitFont & { unitsPerEm: number };
  const advances = new Map<number, number>();
  return {
    font: shareFont(font),
    layoutCache: Object.create(null) as Record<string, unknown>,
    runs: new Map(),
    widthOf(text, size) {
      let units = 0;
      for (const ch of text) {
        const codePoint = ch.codePointAt(0)!;
        let advance = advances.get(codePoint);
        if (advance === undefined) advances.set(codePoint, (advance = font.glyphForCodePoint(codePoint).advanceWidth));
        units += advance;
      }
      return (units * size) / font.unitsPerEm;
    },
  };
}

function shareFont(font: FontkitFont): object {
  const subsets = new Map<string, Uint8Array>();
  const shared = Object.create(font as object) as FontkitFont;
  const glyphs = new Map<number, Glyph>();
  const glyphFor = (codePoint: number) => {
    let glyph = glyphs.get(codePoint);
    if (!glyph) {
      glyph = font.glyphForCodePoint(codePoint);
      glyphs.set(codePoint, glyph);
    }
    return glyph;
  };
  // pdfkit caches runs itself (the per-font layout cache, shared across documents by prepareDocument) and scales
  // each new run in place, so every call here must return a fresh run.
  shared.layout = (text, features) => {
    if (features || !NUMERIC.test(text)) return font.layout(text, features);
    const runGlyphs = [...text].map((ch) => glyphFor(ch.codePointAt(0)!));
    return {
      glyphs: runGlyphs,
      positions: runGlyphs.map((g) => ({ xAdvance: g.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 })),
      get advanceWidth() {
        return this.positions.reduce((sum, p) => sum + (p.xAdvance ?? 0), 0);
      },
    } as GlyphRun;
  };
  shared.createSubset = () => {
    const subset = font.createSubset();
    const encode = subset.encode.bind(subset);
    subset.encode = () => {
      const key = subset.glyphs.join(',');
      let encoded = subsets.get(key);
      if (!encoded) {
        encoded = encode();
        if (subsets.size < 256) subsets.set(key, encoded);
      }
      return encoded;
    };
    return subset;
  };
  return shared as object;
}

let loaded: PdfFonts | undefined;

/** DejaVu Sans (npm `dejavu-fonts-ttf`): real TTF files with Cyrillic, digits, «», №, ₽. Loaded once per process. */
export function loadPdfFonts(): PdfFonts {
  if (!loaded) {
    loaded = {
      regular: share(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'))),
      bold: share(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'))),
      commonCharacters: COMMON,
    };
  }
  return loaded;
}
