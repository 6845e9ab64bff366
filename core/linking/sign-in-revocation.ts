import type { Prisma } from '../db/generated/client.ts';

type Tx = Pick<Prisma.TransactionClient, 'oneTimeCode' | 'invitation'>;

/**
 * Whenever an employee loses the right to sign in (unpublished, dismissed, disabled, locked), everything that could
 * still open their cabinet later goes with it: pending one-time codes and unused invitations. Call it in the same
 * transaction as the state change. Linking re-checks the state too; this makes the stale artefacts useless twice.
 */
export async function revokePendingSignIns(tx: Tx, employeeIds: string[], now: Date): Promise<void> {
  if (employeeIds.length === 0) return;
  await tx.oneTimeCode.updateMany({ where: { employeeId: { in: employeeIds }, consumedAt: null }, data: { consumedAt: now } });
  await tx.invitation.deleteMany({ where: { employeeId: { in: employeeIds }, usedAt: null } });
}
