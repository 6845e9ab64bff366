import type { Prisma } from '../db/generated/client.ts';
import { CabinetState } from '../db/generated/enums.ts';
import { isDismissed } from '../employees/employee-name.ts';

/**
 * The one mark the admin sees per employee (the 1С guide's pictograms, with the green figure for ACTIVE): the
 * cabinet state, with two refinements — a signed-in employee who blocked the bot is BLOCKED, and a dismissal whose
 * date has come counts as DISABLED even before housekeeping has written it.
 */
export const ADMIN_STATUSES = ['NOT_PUBLISHED', 'PUBLISHED', 'INVITED', 'ACTIVE', 'BLOCKED', 'DISABLED'] as const;
export type AdminStatus = (typeof ADMIN_STATUSES)[number];

export function adminStatus(e: { cabinetState: CabinetState; dismissedAt: Date | null; blockedAt: Date | null }, now: Date): AdminStatus {
  if (e.cabinetState === CabinetState.DISABLED || isDismissed(e.dismissedAt, now)) return 'DISABLED';
  if (e.cabinetState === CabinetState.ACTIVE && e.blockedAt) return 'BLOCKED';
  return e.cabinetState;
}

/** The same rule as a Prisma filter, so counts and pages agree with `adminStatus`. */
export function adminStatusWhere(status: AdminStatus, now: Date): Prisma.EmployeeWhereInput {
  const working: Prisma.EmployeeWhereInput[] = [{ cabinetState: { not: CabinetState.DISABLED } }, { OR: [{ dismissedAt: null }, { dismissedAt: { gt: now } }] }];
  switch (status) {
    case 'DISABLED':
      return { OR: [{ cabinetState: CabinetState.DISABLED }, { dismissedAt: { lte: now } }] };
    case 'BLOCKED':
      return { AND: [...working, { cabinetState: CabinetState.ACTIVE }, { telegramAccount: { is: { blockedAt: { not: null } } } }] };
    case 'ACTIVE':
      return { AND: [...working, { cabinetState: CabinetState.ACTIVE }, { NOT: { telegramAccount: { is: { blockedAt: { not: null } } } } }] };
    default:
      return { AND: [...working, { cabinetState: status }] };
  }
}
