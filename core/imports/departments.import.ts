import Type, { type Static } from 'typebox';
import { ImportKind } from '../db/generated/enums.ts';
import { fingerprint } from '../util/ids.ts';
import {
  classify, type ImportDefinition, inBatchTransaction, optionalId, organizationIds, requiredText, type RowError,
} from './import-definition.ts';
import { Id, OptionalId } from './row-types.ts';

export const DepartmentRow = Type.Object(
  {
    id: Id('Payroll-system id of the department'),
    organizationId: Id('Payroll-system id of its organization (uploaded before)'),
    parentId: OptionalId('Payroll-system id of the parent department, same organization'),
    name: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { examples: [{ id: 'dep-10', organizationId: 'org-1', parentId: null, name: 'Бухгалтерия' }] },
);
export type DepartmentRow = Static<typeof DepartmentRow>;

interface PreparedDepartment {
  externalId: string;
  organizationExternalId: string;
  parentExternalId: string | null;
  name: string;
  sourceHash: string;
}

/**
 * Departments form a tree whose parents may come later in the same upload. The whole upload is checked first
 * (known organization, parent known here or already stored and in the same organization, no cycles), so that
 * every written row can be linked to its parent after all rows exist.
 */
export const departmentsImport: ImportDefinition<DepartmentRow, PreparedDepartment> = {
  kind: ImportKind.DEPARTMENTS,
  rowSchema: DepartmentRow,

  prepare(row) {
    const value = {
      externalId: requiredText('id', row.id),
      organizationExternalId: requiredText('organizationId', row.organizationId),
      parentExternalId: optionalId(row.parentId),
      name: requiredText('name', row.name),
    };
    return { ...value, sourceHash: fingerprint(value) };
  },

  uploadKey: (v) => v.externalId,
  uploadKeyField: 'id',

  // The rows here are the upload's first occurrence of each id (the runner refused repeats).
  async checkUpload(rows, { db }) {
    const errors: RowError[] = [];
    const organizations = await organizationIds(db, rows.map((r) => r.value.organizationExternalId));
    const stored = await db.department.findMany({
      select: { externalId: true, organization: { select: { externalId: true } }, parent: { select: { externalId: true } } },
    });
    // The tree as it will be after this upload: stored rows overlaid with uploaded ones.
    const tree = new Map<string, { org: string; parent: string | null }>(
      stored.map((d) => [d.externalId, { org: d.organization.externalId, parent: d.parent?.externalId ?? null }]),
    );
    for (const r of rows) tree.set(r.value.externalId, { org: r.value.organizationExternalId, parent: r.value.parentExternalId });

    for (const r of rows) {
      const { externalId, organizationExternalId, parentExternalId } = r.value;
      if (!organizations.has(organizationExternalId)) {
        errors.push({ row: r.row, field: 'organizationId', code: 'unknown_organization' });
      } else if (parentExternalId !== null) {
        const parent = tree.get(parentExternalId);
        if (!parent) errors.push({ row: r.row, field: 'parentId', code: 'unknown_department' });
        else if (parent.org !== organizationExternalId) errors.push({ row: r.row, field: 'parentId', code: 'other_organization' });
        else if (formsCycle(tree, externalId)) errors.push({ row: r.row, field: 'parentId', code: 'department_cycle' });
      }
    }
    return errors;
  },

  writeBatch: (rows, { db }) => inBatchTransaction(db, ImportKind.DEPARTMENTS, async (tx) => {
    const organizations = await organizationIds(tx, rows.map((r) => r.value.organizationExternalId));
    const existing = await tx.department.findMany({
      where: { externalId: { in: rows.map((r) => r.value.externalId) } },
      select: { id: true, externalId: true, sourceHash: true },
    });
    const split = classify(rows, (v) => v.externalId, new Map(existing.map((e) => [e.externalId, e])));
    const data = (v: PreparedDepartment) => ({
      externalId: v.externalId,
      organizationId: organizations.get(v.organizationExternalId)!,
      name: v.name,
      sourceHash: v.sourceHash,
    });
    await tx.department.createMany({ data: split.created.map((r) => data(r.value)) });
    for (const { row, id } of split.updated) await tx.department.update({ where: { id }, data: data(row.value) });
    return { outcomes: split.outcomes, errors: [] };
  }),

  // Parents are linked once every department of the upload exists; checkUpload proved they resolve.
  async finish(accepted, { db }) {
    if (accepted.length === 0) return {};
    return inBatchTransaction(db, ImportKind.DEPARTMENTS, async (tx) => {
      const ids = new Map(
        (await tx.department.findMany({ select: { id: true, externalId: true } })).map((d) => [d.externalId, d.id]),
      );
      const links = accepted.map((r) => ({
        id: ids.get(r.value.externalId)!,
        parentId: r.value.parentExternalId === null ? null : ids.get(r.value.parentExternalId)!,
      }));
      const current = new Map(
        (await tx.department.findMany({ where: { id: { in: links.map((l) => l.id) } }, select: { id: true, parentId: true } }))
          .map((d) => [d.id, d.parentId]),
      );
      for (const l of links) {
        if (current.get(l.id) !== l.parentId) await tx.department.update({ where: { id: l.id }, data: { parentId: l.parentId } });
      }
      return {};
    });
  },
};

function formsCycle(tree: Map<string, { parent: string | null }>, start: string): boolean {
  const seen = new Set<string>();
  let current: string | null = start;
  while (current !== null) {
    if (seen.has(current)) return true;
    seen.add(current);
    current = tree.get(current)?.parent ?? null;
  }
  return false;
}
