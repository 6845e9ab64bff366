import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';

/** The given departments and every department below them. */
export async function departmentSubtrees(db: Db | Prisma.TransactionClient, roots: string[]): Promise<Set<string>> {
  if (roots.length === 0) return new Set();
  // The whole tree is small (hundreds to a few thousand rows); walking it in memory beats a recursive query per root.
  const all = await db.department.findMany({ select: { id: true, parentId: true } });
  const children = new Map<string, string[]>();
  for (const d of all) {
    if (!d.parentId) continue;
    const list = children.get(d.parentId) ?? [];
    list.push(d.id);
    children.set(d.parentId, list);
  }
  const result = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (result.has(id)) continue;
    result.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return result;
}
