import { departmentsImport } from './departments.import.ts';
import { employeesImport } from './employees.import.ts';
import { organizationsImport } from './organizations.import.ts';
import { payslipsImport } from './payslips.import.ts';
import { vacationsImport } from './vacations.import.ts';

/** Every upload Kabinet accepts, by the path segment of its API route. */
export const IMPORTS = {
  organizations: organizationsImport,
  departments: departmentsImport,
  employees: employeesImport,
  payslips: payslipsImport,
  vacations: vacationsImport,
} as const;

export type ImportName = keyof typeof IMPORTS;
export { createImportRunner, getImportSummary, type ImportRunner, type ImportSummary } from './import-runner.ts';
