import type { Prisma } from '../db/generated/client.ts';
import { CabinetState } from '../db/generated/enums.ts';
import { revokePendingSignIns } from '../linking/sign-in-revocation.ts';

/** States in which a cabinet is published (whatever its sign-in progress). */
export const PUBLISHED_STATES: CabinetState[] = [CabinetState.PUBLISHED, CabinetState.INVITED, CabinetState.ACTIVE];

/**
 * Takes cabinets away inside the caller's transaction: the state goes back to NOT_PUBLISHED, the Telegram link is
 * dropped (access ends with the next update), and codes or invitations already on their way open nothing.
 * Returns how many cabinets changed; employees not published are left alone.
 */
export async function unpublishEmployees(tx: Prisma.TransactionClient, employeeIds: string[], now: Date): Promise<number> {
  if (employeeIds.length === 0) return 0;
  const { count } = await tx.employee.updateMany({
    where: { id: { in: employeeIds }, cabinetState: { in: PUBLISHED_STATES } },
    data: { cabinetState: CabinetState.NOT_PUBLISHED, publishedAt: null, activatedAt: null },
  });
  await tx.telegramAccount.updateMany({ where: { employeeId: { in: employeeIds } }, data: { employeeId: null, linkedAt: null } });
  await revokePendingSignIns(tx, employeeIds, now);
  return count;
}
