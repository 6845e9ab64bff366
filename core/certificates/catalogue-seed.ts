import type { FieldDefinition, Localized } from './certificate-fields.ts';

/** Documents Kabinet can draw up itself, at once, from the data it holds. */
export type InstantDocument = 'EMPLOYMENT' | 'VACATION_BALANCE';

export interface CatalogueEntry {
  code: string;
  name: Localized;
  fields: FieldDefinition[];
  /** Generated as a PDF on the spot; HR is involved only when paper copies are asked for. */
  instant?: InstantDocument;
  /** A leave application (заявление на отпуск) rather than a certificate: checked against the balance. */
  leave?: boolean;
}

const copies: FieldDefinition = { key: 'copies', kind: 'copies', max: 5, label: { ru: 'Сколько бумажных экземпляров нужно (0 — только электронный)', en: 'Paper copies needed (0: electronic only)' } };

/**
 * The catalogue a new Kabinet starts with: the certificates employees ask HR for most (ТК РФ ст. 62 and the
 * usual requests of banks, consulates and social services). HR renames, reorders, switches off or adds types
 * through the API; seeding never overwrites what HR changed.
 */
export const CATALOGUE_SEED: CatalogueEntry[] = [
  {
    code: 'EMPLOYMENT',
    name: { ru: 'Справка с места работы', en: 'Employment certificate' },
    instant: 'EMPLOYMENT',
    fields: [
      {
        key: 'purpose',
        kind: 'choice',
        label: { ru: 'Куда нужна справка', en: 'Where the certificate is for' },
        options: [
          { value: 'any', label: { ru: 'По месту требования', en: 'To whom it may concern' } },
          { value: 'bank', label: { ru: 'В банк', en: 'Bank' } },
          { value: 'school', label: { ru: 'В детский сад или школу', en: 'Kindergarten or school' } },
          { value: 'social', label: { ru: 'В органы соцзащиты', en: 'Social services' } },
        ],
      },
      { key: 'with_salary', kind: 'yes_no', label: { ru: 'Указать средний заработок', en: 'Include average earnings' } },
      copies,
    ],
  },
  {
    code: 'NDFL_2',
    name: { ru: 'Справка о доходах (2-НДФЛ)', en: 'Income statement (2-NDFL)' },
    fields: [{ key: 'year', kind: 'year', yearsBack: 5, label: { ru: 'За какой год', en: 'For which year' } }, copies],
  },
  {
    code: 'VISA',
    name: { ru: 'Справка для визы', en: 'Certificate for a visa' },
    fields: [
      {
        key: 'language',
        kind: 'choice',
        label: { ru: 'Язык справки', en: 'Language of the certificate' },
        options: [
          { value: 'ru', label: { ru: 'Русский', en: 'Russian' } },
          { value: 'en', label: { ru: 'Английский', en: 'English' } },
        ],
      },
      { key: 'country', kind: 'text', maxLength: 100, label: { ru: 'Страна поездки', en: 'Country of the trip' } },
      { key: 'trip', kind: 'date_range', maxDays: 366, label: { ru: 'Даты поездки (например, 01.02.2027 – 14.02.2027)', en: 'Trip dates (e.g. 01.02.2027 – 14.02.2027)' } },
      copies,
    ],
  },
  {
    code: 'EARNINGS',
    name: { ru: 'Справка о заработке для расчёта пособий', en: 'Earnings certificate for benefits' },
    fields: [
      { key: 'years', kind: 'year', yearsBack: 5, multiple: 3, label: { ru: 'За какие годы (например, 2024, 2025)', en: 'For which years (e.g. 2024, 2025)' } },
      copies,
    ],
  },
  {
    code: 'VACATION_BALANCE',
    name: { ru: 'Справка об остатке отпуска', en: 'Vacation balance certificate' },
    instant: 'VACATION_BALANCE',
    fields: [copies],
  },
  {
    code: 'WORK_RECORD',
    name: { ru: 'Сведения о трудовой деятельности (СТД-Р)', en: 'Work record (STD-R)' },
    fields: [copies],
  },
  {
    code: 'LEAVE',
    name: { ru: 'Заявление на отпуск', en: 'Leave application' },
    leave: true,
    fields: [
      { key: 'leave_type', kind: 'leave_type', label: { ru: 'Вид отпуска', en: 'Kind of leave' } },
      { key: 'dates', kind: 'date_range', maxDays: 60, label: { ru: 'Даты отпуска (например, 01.02.2027 – 14.02.2027)', en: 'Leave dates (e.g. 01.02.2027 – 14.02.2027)' } },
      { key: 'comment', kind: 'text', maxLength: 300, optional: true, label: { ru: 'Комментарий для кадровой службы', en: 'Comment for HR' } },
    ],
  },
];
