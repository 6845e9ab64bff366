import { departmentsImport } from './departments.import.ts';
import { employeesImport } from './employees.import.ts';
import { organizationsImport } from './organizations.import.ts';
import { payslipsImport } from './payslips.import.ts';
import { vacationsImport } from './vacations.import.ts';
import type { ImportDefinition } from './import-definition.ts';

/** Every upload Kabinet accepts, by the path segment of its API route. */
export const IMPORT_NAMES = ['organizations', 'departments', 'employees', 'payslips', 'vacations'] as const;
export type ImportName = (typeof IMPORT_NAMES)[number];

// Rows are validated against each definition's schema before `prepare` sees them, so the runner may treat
// every definition alike.
export const IMPORTS: Record<ImportName, ImportDefinition<unknown, unknown>> = {
  organizations: organizationsImport,
  departments: departmentsImport,
  employees: employeesImport,
  payslips: payslipsImport,
  vacations: vacationsImport,
};
export { createImportRunner, type ImportProgress, type ImportRunner, type ImportSummary } from './import-runner.ts';
export { envelopeSource, itemsSource, ndjsonSource, type RowSource } from './row-source.ts';
