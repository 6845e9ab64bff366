/** "Иванова Мария Петровна": how Kabinet writes an employee's name everywhere. */
export const fullName = (e: { lastName: string; firstName: string; middleName: string | null }): string =>
  [e.lastName, e.firstName, e.middleName].filter(Boolean).join(' ');

/** A dismissal counts from its date on; a date uploaded in advance takes effect when it comes. */
export const isDismissed = (dismissedAt: Date | null, now: Date): boolean => dismissedAt !== null && dismissedAt.getTime() <= now.getTime();
