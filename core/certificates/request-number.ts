/** "С-000123": the number an employee and HR read and say (Cyrillic «С» for «справка», six digits and more). */
export const formatRequestNumber = (number: number): string => `С-${String(number).padStart(6, '0')}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How a caller names a request: its id, its number ("123"), or the number as printed ("С-000123", also with a
 * Latin C, as people type it). null for anything else.
 */
export function parseRequestRef(ref: string): { id: string } | { number: number } | null {
  const text = ref.trim();
  if (UUID.test(text)) return { id: text.toLowerCase() };
  const match = /^(?:[СсCc]-?)?0*(\d{1,9})$/.exec(text);
  if (!match) return null;
  const number = Number(match[1]);
  return number > 0 && number <= 2_147_483_647 ? { number } : null;
}
