// PostgreSQL text cannot hold NUL (U+0000), and a lone UTF-16 surrogate ("\ud800" in JSON) has no UTF-8 form: the
// driver would store U+FFFD instead, so the row could never be found again by the id it was uploaded with. Such
// strings are refused before they reach a query.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

/** Whether any string value in a JSON value cannot be stored; walks without allocating. */
function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasUnstorableText(value[i])) return true;
    return false;
  }
  for (const key in value) {
    if (hasUnstorableText((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** Dotted paths ("lines.2.name") of every string value in a JSON value that cannot be stored. */
export function unstorableTextPaths(value: unknown, path: string[] = []): string[] {
  // Nearly every row is clean: a walk that allocates nothing settles that; paths are built only for a bad one.
  if (path.length === 0 && !hasUnstorableText(value)) return [];
  if (typeof value === 'string') return isStorableText(value) ? [] : [path.join('.')];
  if (Array.isArray(value)) return value.flatMap((item, i) => unstorableTextPaths(item, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    // The path is reported (and stored) itself: a key that is unstorable or absurd is named "?".
    return Object.entries(value).flatMap(([key, item]) =>
      unstorableTextPaths(item, [...path, isStorableText(key) && key.length <= 100 ? key : '?']));
  }
  return [];
}
