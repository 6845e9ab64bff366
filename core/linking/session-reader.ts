import type { Db } from '../db/database.ts';

/** One Telegram account with everything an update needs, as the session statement returns it. */
export interface SessionRow {
  telegram_user_id: string;
  language: string | null;
  pending_input: string | null;
  pending_input_at: string | null;
  linked_at: string | null;
  employee_id: string | null;
  first_name: string | null;
  last_name: string | null;
  middle_name: string | null;
  personnel_number: string | null;
  position: string | null;
  cabinet_state: string | null;
  dismissed_at: string | null;
  organization: string | null;
  department: string | null;
  responsible: boolean;
  roles: string;
}

/** The session statement's columns after the account's id, in order, as JSON values. */
type SessionCells = [
  language: string | null, pendingInput: string | null, pendingInputAt: string | null, linkedAt: string | null,
  employeeId: string | null, firstName: string | null, lastName: string | null, middleName: string | null,
  personnelNumber: string | null, position: string | null, cabinetState: string | null, dismissedAt: string | null,
  organization: string | null, department: string | null, responsible: boolean, roles: string,
];

const sessionRow = (telegramUserId: string, c: SessionCells): SessionRow => ({
  telegram_user_id: telegramUserId,
  language: c[0], pending_input: c[1], pending_input_at: c[2], linked_at: c[3],
  employee_id: c[4], first_name: c[5], last_name: c[6], middle_name: c[7], personnel_number: c[8], position: c[9],
  cabinet_state: c[10], dismissed_at: c[11], organization: c[12], department: c[13], responsible: c[14], roles: c[15],
});

const ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';
/** Accounts read by one statement at most; more wait for the next one. */
const MAX_BATCH = 100;

/**
 * Reads the session rows of Telegram accounts: account, employee, organization, department, whether the employee
 * is the cabinet's responsible one, and their role rows — in ONE statement, because the bot reads it before every
 * answer (Prisma's nested `include` sends one statement per relation). Each account is one JSON array, parsed here:
 * the driver and Prisma decode one text cell instead of sixteen typed ones (bench/README.md, bench:bot); dates and
 * enums are text in it, so PostgreSQL and PGlite hand over the same shapes.
 *
 * Reads asked for at the same moment share that statement: the runner handles updates of different chats
 * concurrently, and planning the joins costs far more than reading a few more rows (Prisma batches concurrent
 * `findUnique` calls the same way). A lone update still costs exactly one statement.
 */
export function createSessionReader(db: Db): (telegramUserId: bigint) => Promise<SessionRow | undefined> {
  const waiting: { userId: bigint; resolve(row: SessionRow | undefined): void; reject(error: unknown): void }[] = [];

  async function read(batch: typeof waiting): Promise<void> {
    try {
      const ids = [...new Set(batch.map((b) => b.userId.toString()))];
      const rows = await db.$queryRaw<{ id: string; cells: string }[]>`
        SELECT a.telegram_user_id::text AS id,
               json_build_array(
                 a.language,
                 a.pending_input,
                 to_char(a.pending_input_at AT TIME ZONE 'UTC', ${ISO_UTC}),
                 to_char(a.linked_at AT TIME ZONE 'UTC', ${ISO_UTC}),
                 e.id,
                 e.first_name, e.last_name, e.middle_name, e.personnel_number, e.position,
                 e.cabinet_state,
                 to_char(e.dismissed_at, 'YYYY-MM-DD'),
                 o.name,
                 d.name,
                 EXISTS (SELECT 1 FROM cabinet_settings c WHERE c.responsible_employee_id = e.id),
                 COALESCE((SELECT string_agg(r.role::text, ',') FROM role_assignments r WHERE r.employee_id = e.id), '')
               )::text AS cells
          FROM telegram_accounts a
          LEFT JOIN employees e ON e.id = a.employee_id
          LEFT JOIN organizations o ON o.id = e.organization_id
          LEFT JOIN departments d ON d.id = e.department_id
         WHERE a.telegram_user_id = ANY(${ids}::text[]::bigint[])`;
      const byUser = new Map(rows.map((row) => [row.id, sessionRow(row.id, JSON.parse(row.cells) as SessionCells)]));
      for (const b of batch) b.resolve(byUser.get(b.userId.toString()));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  function flush(): void {
    const batch = waiting.splice(0, MAX_BATCH);
    if (waiting.length > 0) setImmediate(flush);
    void read(batch);
  }

  return (userId) =>
    new Promise((resolve, reject) => {
      // Collected until the updates in flight have had their turn, then read together.
      if (waiting.push({ userId, resolve, reject }) === 1) setImmediate(flush);
    });
}
