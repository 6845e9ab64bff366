// PostgreSQL text cannot hold NUL (U+0000), and a lone UTF-16 surrogate ("\ud800" in JSON) has no UTF-8 form: the
// driver would store U+FFFD instead, so the row could never be found again by the id it was uploaded with. Such
// strings are refused before they reach a query.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

/** Dotted paths ("lines.2.name") of every string value in a JSON value that cannot be stored. */
export function unstorableTextPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return isStorableText(value) ? [] : [path.join('.')];
  if (Array.isArray(value)) return value.flatMap((item, i) => unstorableTextPaths(item, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    // The path is reported (and stored) itself: a key that is unstorable or absurd is named "?".
    return Object.entries(value).flatMap(([key, item]) =>
      unstorableTextPaths(item, [...path, isStorableText(key) && key.length <= 100 ? key : '?']));
  }
  return [];
}
