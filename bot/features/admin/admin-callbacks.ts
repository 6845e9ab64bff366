import { callbackCodec, type FieldCodec, uuidField } from '../../callback-data.ts';
import { ADMIN_STATUSES, type AdminStatus } from '../../../core/admin/employee-status.ts';

/**
 * The admin's buttons. Each carries only short tokens: a state filter letter, a page, a search fragment, a payroll
 * id. Nothing in them grants anything: every press is checked against the presser's roles (admin.feature.ts).
 */

const STATUS_TOKENS: Record<AdminStatus, string> = { NOT_PUBLISHED: 'n', PUBLISHED: 'p', INVITED: 'i', ACTIVE: 'a', BLOCKED: 'b', DISABLED: 'd' };

/** A state filter of the list: one state, or every state. */
export type StatusFilterToken = AdminStatus | 'ALL';

/** A state filter: one letter, or '-' for every state. */
export const statusField: FieldCodec<StatusFilterToken> = {
  pattern: '[-npiabd]',
  encode: (status) => (status === 'ALL' ? '-' : STATUS_TOKENS[status]),
  decode: (token) => (token === '-' ? 'ALL' : (ADMIN_STATUSES.find((s) => STATUS_TOKENS[s] === token) ?? null)),
};

const pageField: FieldCodec<number> = {
  pattern: '[1-9]\\d{0,5}',
  encode: (page) => String(page),
  decode: (text) => Number(text),
};

/** Longest search kept in a paging button (bytes: Cyrillic takes two); a longer one pages by its start. */
const SEARCH_BYTES = 24;

/** Cuts a search to what a paging button can carry, on a character boundary, without ':'. */
export function searchToken(search: string): string {
  let out = '';
  for (const ch of search.replace(/[:\s]+/g, ' ').trim()) {
    if (Buffer.byteLength(out + ch) > SEARCH_BYTES) break;
    out += ch;
  }
  return out.trim();
}

const searchField: FieldCodec<string> = {
  pattern: '[^:]{0,24}',
  encode: (search) => search,
  decode: (text) => (Buffer.byteLength(text) <= SEARCH_BYTES ? text : null),
};

/** A payroll id (1С gives GUIDs): employees whose id does not fit get no button (rare; the API serves them). */
export const payrollIdField: FieldCodec<string> = {
  pattern: '[A-Za-z0-9_.-]{1,40}',
  encode: (id) => id,
  decode: (text) => text,
};
export const fitsButton = (payrollId: string): boolean => /^[A-Za-z0-9_.-]{1,40}$/.test(payrollId);

const choice = <T extends string>(values: readonly T[]): FieldCodec<T> => ({
  pattern: values.join('|'),
  encode: (v) => v,
  decode: (text) => (values.includes(text as T) ? (text as T) : null),
});

/** The employee list: state filter, page, search. */
export const listData = callbackCodec('adl', { status: statusField, page: pageField, search: searchField });
/** The employee list of one department (with its sub-departments): state filter, page, the department's payroll id. */
export const departmentListData = callbackCodec('adf', { status: statusField, page: pageField, department: payrollIdField });
/** The employee list of one organization: state filter, page, the organization's payroll id. */
export const organizationListData = callbackCodec('ado', { status: statusField, page: pageField, organization: payrollIdField });
/** Ticks (or unticks) an employee on the list message; the ticks live in that message's buttons. */
export const tickData = callbackCodec('adt', { employee: payrollIdField });
/** An employee's card. */
export const cardData = callbackCodec('ade', { employee: payrollIdField });

export const EMPLOYEE_ACTIONS = ['pub', 'unp', 'inv', 'cre', 'dpub', 'dunp', 'dpubc', 'dunpc', 'g-ADMIN', 'g-HR', 'r-ADMIN', 'r-HR'] as const;
export type EmployeeAction = (typeof EMPLOYEE_ACTIONS)[number];
/** What to do with one employee (or their department). */
export const employeeActionData = callbackCodec('adx', { action: choice(EMPLOYEE_ACTIONS), employee: payrollIdField });

export const MENU_ACTIONS = ['home', 'pa', 'pac', 'ua', 'uac', 'pt', 'ptc', 'ut', 'utc', 'it', 'itc', 'bi', 'bic', 'rep', 'find'] as const;
export type MenuAction = (typeof MENU_ACTIONS)[number];
/** The menu's actions; a trailing "c" is the confirmation of the action before it. */
export const menuData = callbackCodec('adm', { action: choice(MENU_ACTIONS) });

/** Stops a bulk invitation run (drawn by the progress renderer). */
export const stopBulkData = callbackCodec('ads', { batch: uuidField });

/** Any admin button, well formed or not (forged, stale): all go through the permission check first. */
export const ANY_ADMIN_DATA = /^ad[lftexmso](:|$)/;
