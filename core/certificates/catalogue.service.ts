import { actorFields, type Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import type { CertificateType, Prisma } from '../db/generated/client.ts';
import { AppError } from '../errors.ts';
import { CATALOGUE_SEED, type InstantDocument } from './catalogue-seed.ts';
import { cleanFieldDefinition, type FieldDefinition, fieldDefinitionProblems, type Localized } from './certificate-fields.ts';

export interface CatalogueType {
  id: string;
  code: string;
  name: Localized;
  fields: FieldDefinition[];
  active: boolean;
  position: number;
  /** Generated at once by Kabinet (EMPLOYMENT, VACATION_BALANCE), or null: HR fulfils it. */
  instant: InstantDocument | null;
  leave: boolean;
}

export interface NewCatalogueType {
  code: string;
  name: Localized;
  fields: FieldDefinition[];
  active?: boolean;
  position?: number;
}

export interface CatalogueChange {
  name?: Partial<Localized>;
  fields?: FieldDefinition[];
  active?: boolean;
  position?: number;
}

const CODE = /^[A-Z][A-Z0-9_]{1,31}$/;
const MAX_NAME = 200;
/** Seeded types are spaced out, so that an added type can be put between two without renumbering. */
const POSITION_STEP = 10;

export const toCatalogueType = (row: CertificateType): CatalogueType => ({
  id: row.id,
  code: row.code,
  name: { ru: row.nameRu, en: row.nameEn },
  fields: row.fields as unknown as FieldDefinition[],
  active: row.active,
  position: row.position,
  instant: (row.instant as InstantDocument | null) ?? null,
  leave: row.leave,
});

const ORDER = [{ position: 'asc' }, { code: 'asc' }] satisfies Prisma.CertificateTypeOrderByWithRelationInput[];

/**
 * The fields a type may have: the definitions must hold up, and a leave application must ask for a kind and dates.
 * Returns them with only what each kind knows.
 */
function checkFields(fields: FieldDefinition[], leave: boolean): FieldDefinition[] {
  const [problem] = fieldDefinitionProblems(fields);
  if (problem) throw new AppError(`CATALOGUE_FIELD_${problem.code.toUpperCase()}`, 'validation', { path: problem.path });
  const kinds = fields.map((f) => f.kind);
  if (leave && (!kinds.includes('leave_type') || !kinds.includes('date_range'))) throw new AppError('CATALOGUE_LEAVE_FIELDS', 'validation');
  if (!leave && kinds.includes('leave_type')) throw new AppError('CATALOGUE_LEAVE_TYPE_MISPLACED', 'validation');
  return fields.map(cleanFieldDefinition);
}

function checkName(name: Partial<Localized>): void {
  for (const value of [name.ru, name.en]) {
    if (value !== undefined && (value.trim() === '' || value.length > MAX_NAME)) throw new AppError('CATALOGUE_NAME_INVALID', 'validation', { max: MAX_NAME });
  }
}

/**
 * The certificate catalogue: seeded from CATALOGUE_SEED (types missing by code are added, nothing HR changed is
 * touched, so a later version's new type appears and a renamed or switched-off one stays as HR left it), edited by
 * admins. Every change is audited.
 */
export function createCatalogueService(deps: { db: Db }) {
  const { db } = deps;
  let seeded: Promise<number> | undefined;

  /** Adds the seed types that are missing. Returns how many were added. Idempotent, safe in several processes at once. */
  async function seed(): Promise<number> {
    const { count } = await db.certificateType.createMany({
      data: CATALOGUE_SEED.map((entry, i) => ({
        code: entry.code,
        nameRu: entry.name.ru,
        nameEn: entry.name.en,
        fields: entry.fields as unknown as Prisma.InputJsonValue,
        position: (i + 1) * POSITION_STEP,
        instant: entry.instant ?? null,
        leave: entry.leave ?? false,
      })),
      skipDuplicates: true,
    });
    return count;
  }

  /** Seeds once per process before the first use (a failure is not remembered: the next use tries again). */
  function ensureSeeded(): Promise<number> {
    seeded ??= seed().catch((error: unknown) => {
      seeded = undefined;
      throw error;
    });
    return seeded;
  }

  /** Active types in catalogue order: what an employee may order. */
  async function available(): Promise<CatalogueType[]> {
    await ensureSeeded();
    return (await db.certificateType.findMany({ where: { active: true }, orderBy: ORDER })).map(toCatalogueType);
  }

  /** Every type, switched off ones included (admins). */
  async function list(actor: Actor): Promise<CatalogueType[]> {
    authorize(actor, 'catalogue.manage');
    await ensureSeeded();
    return (await db.certificateType.findMany({ orderBy: ORDER })).map(toCatalogueType);
  }

  async function byCode(code: string): Promise<CatalogueType | null> {
    await ensureSeeded();
    const row = await db.certificateType.findUnique({ where: { code } });
    return row ? toCatalogueType(row) : null;
  }

  async function add(actor: Actor, input: NewCatalogueType): Promise<CatalogueType> {
    authorize(actor, 'catalogue.manage');
    await ensureSeeded();
    if (!CODE.test(input.code)) throw new AppError('CATALOGUE_CODE_INVALID', 'validation', { code: input.code });
    checkName(input.name);
    const fields = checkFields(input.fields, false);
    return db.$transaction(async (tx) => {
      const last = await tx.certificateType.aggregate({ _max: { position: true } });
      const created = await tx.certificateType.createManyAndReturn({
        data: [{
          code: input.code,
          nameRu: input.name.ru.trim(),
          nameEn: input.name.en.trim(),
          fields: fields as unknown as Prisma.InputJsonValue,
          active: input.active ?? true,
          position: input.position ?? (last._max.position ?? 0) + POSITION_STEP,
        }],
        skipDuplicates: true,
      });
      const row = created[0];
      if (!row) throw new AppError('CATALOGUE_CODE_TAKEN', 'conflict', { code: input.code });
      await audit(tx, { ...actorFields(actor), action: 'catalogue.add', entityType: 'CertificateType', entityId: row.id, details: { code: row.code } });
      return toCatalogueType(row);
    });
  }

  /** Renames (either language or both), replaces the fields, switches on or off, moves. */
  async function update(actor: Actor, code: string, change: CatalogueChange): Promise<CatalogueType> {
    authorize(actor, 'catalogue.manage');
    await ensureSeeded();
    const current = await db.certificateType.findUnique({ where: { code } });
    if (!current) throw new AppError('CATALOGUE_TYPE_NOT_FOUND', 'not_found', { code });
    if (change.name) checkName(change.name);
    const fields = change.fields ? checkFields(change.fields, current.leave) : undefined;
    const data: Prisma.CertificateTypeUpdateInput = {
      ...(change.name?.ru !== undefined ? { nameRu: change.name.ru.trim() } : {}),
      ...(change.name?.en !== undefined ? { nameEn: change.name.en.trim() } : {}),
      ...(fields ? { fields: fields as unknown as Prisma.InputJsonValue } : {}),
      ...(change.active !== undefined ? { active: change.active } : {}),
      ...(change.position !== undefined ? { position: change.position } : {}),
    };
    return db.$transaction(async (tx) => {
      const row = await tx.certificateType.update({ where: { code }, data });
      await audit(tx, { ...actorFields(actor), action: 'catalogue.update', entityType: 'CertificateType', entityId: row.id, details: { code, changed: Object.keys(data) } });
      return toCatalogueType(row);
    });
  }

  /** Puts the listed types first, in the order given; the others follow in their current order. */
  async function reorder(actor: Actor, codes: string[]): Promise<CatalogueType[]> {
    authorize(actor, 'catalogue.manage');
    await ensureSeeded();
    return db.$transaction(async (tx) => {
      const all = await tx.certificateType.findMany({ orderBy: ORDER, select: { id: true, code: true } });
      const known = new Set(all.map((t) => t.code));
      const unknown = codes.find((c) => !known.has(c));
      if (unknown) throw new AppError('CATALOGUE_TYPE_NOT_FOUND', 'not_found', { code: unknown });
      const listed = [...new Set(codes)];
      const order = [...listed, ...all.map((t) => t.code).filter((c) => !listed.includes(c))];
      for (const [i, c] of order.entries()) await tx.certificateType.update({ where: { code: c }, data: { position: (i + 1) * POSITION_STEP } });
      await audit(tx, { ...actorFields(actor), action: 'catalogue.reorder', entityType: 'CertificateType', details: { order } });
      return (await tx.certificateType.findMany({ orderBy: ORDER })).map(toCatalogueType);
    });
  }

  return { seed, ensureSeeded, available, list, byCode, add, update, reorder };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;
