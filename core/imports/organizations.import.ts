import Type, { type Static } from 'typebox';
import { ImportKind } from '../db/generated/enums.ts';
import { fingerprint } from '../util/ids.ts';
import { BATCH_TRANSACTION, classify, duplicateKeys, field, type ImportDefinition } from './import-definition.ts';
import { normalizeInn, normalizeKpp, optionalText } from './normalize.ts';
import { Id, OptionalText } from './row-types.ts';

export const OrganizationRow = Type.Object(
  {
    id: Id('Payroll-system id of the organization (e.g. its GUID in 1С)'),
    name: Type.String({ minLength: 1, maxLength: 500, description: 'Short name, e.g. ООО «Ромашка»' }),
    inn: OptionalText('ИНН, 10 digits (12 for an individual entrepreneur), check digits verified', 12),
    kpp: OptionalText('КПП, 9 characters', 9),
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

  prepare(row) {
    const value = {
      externalId: row.id.trim(),
      name: row.name.trim(),
      inn: field('inn', () => normalizeInn(row.inn)) ?? null,
      kpp: field('kpp', () => normalizeKpp(row.kpp)) ?? null,
      address: optionalText(row.address) ?? null,
    };
    return { ...value, sourceHash: fingerprint(value) };
  },

  async checkUpload(rows) {
    return duplicateKeys(rows, (v) => v.externalId, 'id');
  },

  async writeBatch(rows, { db }) {
    const existing = await db.organization.findMany({
      where: { externalId: { in: rows.map((r) => r.value.externalId) } },
      select: { id: true, externalId: true, sourceHash: true },
    });
    const split = classify(rows, (v) => v.externalId, new Map(existing.map((e) => [e.externalId, e])));
    if (split.created.length + split.updated.length > 0) {
      await db.$transaction(async (tx) => {
        await tx.organization.createMany({ data: split.created.map((r) => r.value) });
        for (const { row, id } of split.updated) await tx.organization.update({ where: { id }, data: row.value });
      }, BATCH_TRANSACTION);
    }
    return { outcomes: split.outcomes, errors: [] };
  },
};
