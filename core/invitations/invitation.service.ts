import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { CabinetState } from '../db/generated/enums.ts';
import { sha256 } from '../util/ids.ts';

export const INVITATION_TTL_DAYS = 14;

/** Invitations are deep links (t.me/<bot>?start=<token>); only the token's hash is stored. */
export function createInvitationService(db: Db, clock: Clock = systemClock) {
  /** A published cabinet becomes INVITED; any other state stays (linking re-checks the state anyway). */
  async function create(employeeId: string): Promise<{ token: string; id: string }> {
    // 18 bytes → 24 base64url characters: within Telegram's 64-character start payload.
    const token = randomBytes(18).toString('base64url');
    const now = clock.now();
    const invitation = await db.$transaction(async (tx) => {
      await tx.employee.updateMany({ where: { id: employeeId, cabinetState: CabinetState.PUBLISHED }, data: { cabinetState: CabinetState.INVITED } });
      return tx.invitation.create({
        data: { employeeId, tokenHash: sha256(token), createdAt: now, expiresAt: new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000) },
      });
    });
    return { token, id: invitation.id };
  }

  /** The invitation behind a start payload, if it is real, unused and not expired; marks it opened. */
  async function open(token: string) {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return null;
    const now = clock.now();
    const invitation = await db.invitation.findUnique({ where: { tokenHash: sha256(token) } });
    if (!invitation || invitation.usedAt || invitation.expiresAt <= now) return null;
    if (!invitation.openedAt) await db.invitation.updateMany({ where: { id: invitation.id, openedAt: null }, data: { openedAt: now } });
    return invitation;
  }

  return { create, open };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
