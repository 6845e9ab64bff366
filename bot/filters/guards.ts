import type { MiddlewareFn } from 'grammy';
import { employeeActor, type EmployeeActor } from '../../core/access/actor.ts';
import { can, type Permission } from '../../core/access/permissions.ts';
import type { Role } from '../../core/db/generated/enums.ts';
import type { BotContext } from '../context.ts';

type LinkedEmployee = NonNullable<BotContext['kabinet']['employee']>;

/** The employee this Telegram account is linked as, or a "sign in first" answer and null. */
export async function linkedEmployee(ctx: BotContext): Promise<LinkedEmployee | null> {
  const employee = ctx.kabinet.employee;
  if (employee) return employee;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t('linking:not_linked'), show_alert: true });
  else await ctx.reply(ctx.t('linking:not_linked'));
  return null;
}

/**
 * The employee behind this update as core's actor, with the roles read in this update's session — never from
 * callback data or anything else the update carries. Null when the account is not linked (or access ended).
 */
export const actorOf = (ctx: BotContext): EmployeeActor | null =>
  ctx.kabinet.employee ? employeeActor(ctx.kabinet.employee.id, ctx.kabinet.employee.roles) : null;

/** A filter: the sender is a linked employee holding one of `roles` (checked on every update). */
export const hasRole = (...roles: Role[]) => (ctx: BotContext): boolean =>
  ctx.kabinet.employee?.roles.some((role) => roles.includes(role)) ?? false;

/** A filter: the sender may do `permission` by core's rules (core/access/permissions.ts). */
export const mayDo = (permission: Permission) => (ctx: BotContext): boolean => {
  const actor = actorOf(ctx);
  return actor !== null && can(actor, permission);
};

/**
 * Middleware that lets through only senders the filter accepts; anyone else is told no (an alert on a button, which
 * only the presser sees; a reply to a message) and nothing below runs. Put it in front of every handler of a
 * privileged feature, so each press of each button is checked again.
 */
export function allowOnly(accepts: (ctx: BotContext) => boolean): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (accepts(ctx)) return next();
    ctx.logger.info({ refused: true }, 'privileged update refused');
    const { access, employee } = ctx.kabinet;
    const text = ctx.t(employee ? 'not_allowed' : access === 'disabled' ? 'linking:disabled' : 'linking:not_linked');
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
    // In a group the refusal quotes the command it answers; a private chat needs no quote.
    else if (ctx.message) await ctx.reply(text, ctx.chat?.type === 'private' ? {} : { reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true } });
  };
}

/** `allowOnly(hasRole(...roles))`: the usual guard of an admin or HR feature. */
export const requireRole = (...roles: Role[]): MiddlewareFn<BotContext> => allowOnly(hasRole(...roles));

/** `allowOnly(mayDo(permission))`: the same rule core applies with `authorize`. */
export const requirePermission = (permission: Permission): MiddlewareFn<BotContext> => allowOnly(mayDo(permission));

/**
 * A filter on the chat: `isChat` says whether this chat plays a part (the HR chat, once issue 9 stores it). Kept
 * here so a feature narrows by chat the same way it narrows by role.
 */
export const inChat = (isChat: (chatId: number) => boolean | Promise<boolean>) => (ctx: BotContext): boolean | Promise<boolean> =>
  ctx.chat !== undefined && isChat(ctx.chat.id);
