import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { ADMIN_STATUSES, type AdminStatus } from '../../../core/admin/employee-status.ts';
import type { StatusCounts, StatusListItem } from '../../../core/admin/status-list.ts';
import type { TFunction } from '../../../core/i18n.ts';
import { cardData, departmentListData, fitsButton, type StatusFilterToken, listData, menuData, organizationListData, searchToken, tickData } from './admin-callbacks.ts';

/** One mark per state, as in the 1С guide's list (the green figure for someone who has come in). */
export const MARKS: Record<AdminStatus, string> = { NOT_PUBLISHED: '⚪', PUBLISHED: '🔵', INVITED: '✉️', ACTIVE: '🟢', BLOCKED: '⛔', DISABLED: '✖️' };
export const PAGE_SIZE = 10;
const TICKED = '☑️';
const UNTICKED = '☐';

type Button = InlineKeyboardButton.CallbackButton;
const button = (text: string, data: string): Button => ({ text, callback_data: data });

export interface Screen {
  text: string;
  keyboard: InlineKeyboardMarkup;
}

/** `/admin`: counts by state, each a filter button, and the menu of actions. */
export function homeScreen(t: TFunction, counts: StatusCounts): Screen {
  const lines = ADMIN_STATUSES.map((s) => `${MARKS[s]} ${t(`admin:state.${s}`)}: ${counts[s]}`);
  const text = [t('admin:bot.home_title'), '', ...lines, '', t('admin:bot.total', { n: counts.total })].join('\n');
  const filters = ADMIN_STATUSES.map((s) => button(`${MARKS[s]} ${counts[s]}`, listData.pack({ status: s, page: 1, search: '' })));
  return {
    text,
    keyboard: {
      inline_keyboard: [
        filters.slice(0, 3),
        filters.slice(3),
        [button(t('admin:bot.list_all'), listData.pack({ status: 'ALL', page: 1, search: '' })), button(t('admin:bot.find'), menuData.pack({ action: 'find' }))],
        [button(t('admin:bot.publish_all'), menuData.pack({ action: 'pa' })), button(t('admin:bot.unpublish_all'), menuData.pack({ action: 'ua' }))],
        [button(t('admin:bot.invite_all'), menuData.pack({ action: 'bi' }))],
        [button(t('admin:bot.report'), menuData.pack({ action: 'rep' }))],
      ],
    },
  };
}

/** A page of the list: one line per employee, a button to open them and one to tick them. */
export function listScreen(
  t: TFunction,
  filter: { status: StatusFilterToken; search: string; department?: { id: string; name: string }; organization?: { id: string; name: string } },
  page: { items: StatusListItem[]; page: number; pages: number; total: number },
): Screen {
  const search = searchToken(filter.search);
  const title = [
    filter.status !== 'ALL' ? `${MARKS[filter.status]} ${t(`admin:state.${filter.status}`)}` : t('admin:bot.everyone'),
    filter.department ? t('admin:bot.in_department', { department: filter.department.name }) : null,
    filter.organization ? t('admin:bot.in_organization', { organization: filter.organization.name }) : null,
    search ? t('admin:bot.search_for', { search }) : null,
  ].filter(Boolean).join(', ');
  const lines = page.items.map((e) => `${MARKS[e.status]} ${e.fullName}, ${t('admin:bot.personnel_number', { number: e.personnelNumber })}${e.department ? `, ${e.department}` : ''}`);
  const text = [
    t('admin:bot.list_title', { filter: title, page: page.page, pages: page.pages, n: page.total }),
    '',
    ...(lines.length > 0 ? lines : [t('admin:bot.nobody')]),
  ].join('\n');
  const rows: Button[][] = page.items
    .filter((e) => fitsButton(e.employeeId))
    .map((e) => [button(`${MARKS[e.status]} ${e.fullName}`, cardData.pack({ employee: e.employeeId })), button(UNTICKED, tickData.pack({ employee: e.employeeId }))]);
  const { department, organization } = filter;
  const at = (p: number) =>
    department
      ? departmentListData.pack({ status: filter.status, page: p, department: department.id })
      : organization
        ? organizationListData.pack({ status: filter.status, page: p, organization: organization.id })
        : listData.pack({ status: filter.status, page: p, search });
  const nav: Button[] = [];
  if (page.page > 1) nav.push(button('◀️', at(page.page - 1)));
  nav.push(button(`${page.page}/${page.pages} 🔄`, at(page.page)));
  if (page.page < page.pages) nav.push(button('▶️', at(page.page + 1)));
  rows.push(nav);
  if (page.items.length > 0) {
    rows.push([button(t('admin:bot.publish_ticked'), menuData.pack({ action: 'pt' })), button(t('admin:bot.unpublish_ticked'), menuData.pack({ action: 'ut' }))]);
    rows.push([button(t('admin:bot.invite_ticked'), menuData.pack({ action: 'it' }))]);
  }
  rows.push([button(t('admin:bot.home'), menuData.pack({ action: 'home' }))]);
  return { text, keyboard: { inline_keyboard: rows } };
}

type Keyboard = InlineKeyboardButton[][];

const isConfirmRow = (row: InlineKeyboardButton[]) => row.some((b) => 'callback_data' in b && /^adm:(ptc|utc|itc)$/.test(b.callback_data));

/** The keyboard with one employee's tick flipped (and any pending confirmation dropped: its count is stale). */
export function toggleTick(keyboard: Keyboard, employee: string): Keyboard {
  const data = tickData.pack({ employee });
  return keyboard.filter((row) => !isConfirmRow(row)).map((row) =>
    row.map((b) => ('callback_data' in b && b.callback_data === data ? { ...b, text: b.text === TICKED ? UNTICKED : TICKED } : b)),
  );
}

/** The payroll ids ticked in a list message's keyboard (the ticks live there, not in the bot's memory). */
export function tickedIn(keyboard: Keyboard | undefined): string[] {
  const ids: string[] = [];
  for (const row of keyboard ?? []) {
    for (const b of row) {
      if (!('callback_data' in b) || b.text !== TICKED) continue;
      const tick = tickData.unpack(b.callback_data);
      if (tick) ids.push(tick.employee);
    }
  }
  return ids;
}

/** The list's keyboard with a confirmation row on top (the ticks stay below it). */
export function withConfirmRow(keyboard: Keyboard, confirm: Button): InlineKeyboardMarkup {
  return { inline_keyboard: [[confirm], ...keyboard.filter((row) => !isConfirmRow(row))] };
}

export { button };
