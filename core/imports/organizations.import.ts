import Type, { type Static } from 'typebox';
import { ImportKind } from '../db/generated/enums.ts';
import { fingerprint } from '../util/ids.ts';
import { classify, type ImportDefinition, inBatchTransaction, optionalField, requiredText } from './import-definition.ts';
import { normalizeInn, normalizeKpp, optionalText } from './normalize.ts';
import { Id, OptionalText } from './row-types.ts';

export const OrganizationRow = Type.Object(
  {
    id: Id('Payroll-system id of the organization (e.g. its GUID in 1С)'),
    name: Type.String({ minLength: 1, maxLength: 500, description: 'Short name, e.g. ООО «Ромашка»' }),
    inn: OptionalText('ИНН, 10 digits (12 for an individual entrepreneur), check digits verified; a wrong one is left out with a warning', 12),
    kpp: OptionalText('КПП, 9 characters; a wrong one is left out with a warning', 9),
    address: OptionalText('Legal address', 1000),
  },
  { examples: [{ id: 'org-1', name: 'ООО «Ромашка»', inn: '7707083893', kpp: '770701001', address: 'г. Москва, ул. Ленина, д. 1' }] },
);
export type OrganizationRow = Static<typeof OrganizationRow>;

interface PreparedOrganization {
  externalId: string;
  name: string;
  inn: string | null;
  kpp: string | null;
  address: string | null;
  sourceHash: string;
}

export const organizationsImport: ImportDefinition<OrganizationRow, PreparedOrganization> = {
  kind: ImportKind.ORGANIZATIONS,
  rowSchema: OrganizationRow,
  // Kabinet needs an organization's id and name; requisites are shown, never relied on. A wrong INN is not
  // stored (it would be printed as if it were checked): the organization and everything under it still are.
  optionalFields: ['inn', 'kpp', 'address'],

  prepare(row, warn) {
    const value = {
      externalId: requiredText('id', row.id),
      name: requiredText('name', row.name),
      inn: optionalField('inn', () => normalizeInn(row.inn), warn) ?? null,
      kpp: optionalField('kpp', () => normalizeKpp(row.kpp), warn) ?? null,
      address: optionalText(row.address) ?? null,
    };
    return { ...value, sourceHash: fingerprint(value) };
  },

  uploadKey: (v) => v.externalId,
  uploadKeyField: 'id',

  writeBatch: (rows, { db }) => inBatchTransaction(db, ImportKind.ORGANIZATIONS, async (tx) => {
    const existing = await tx.organization.findMany({
      where: { externalId: { in: rows.map((r) => r.value.externalId) } },
      select: { id: true, externalId: true, sourceHash: true },
    });
    const split = classify(rows, (v) => v.externalId, new Map(existing.map((e) => [e.externalId, e])));
    await tx.organization.createMany({ data: split.created.map((r) => r.value) });
    for (const { row, id } of split.updated) await tx.organization.update({ where: { id }, data: row.value });
    return { outcomes: split.outcomes, errors: [] };
  }),
};
