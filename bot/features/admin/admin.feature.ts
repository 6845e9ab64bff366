import { InputFile, type MiddlewareFn } from 'grammy';
import { Composer } from '../../composer.ts';
import type { InlineKeyboardButton } from 'grammy/types';
import type { EmployeeActor } from '../../../core/access/actor.ts';
import type { Permission } from '../../../core/access/permissions.ts';
import type { PublishResult } from '../../../core/cabinet/publishing.service.ts';
import { Role } from '../../../core/db/generated/enums.ts';
import { AppError } from '../../../core/errors.ts';
import type { Skipped } from '../../../core/invitations/inviting.service.ts';
import { safeError } from '../../../core/logger.ts';
import { createCommandMenus } from '../../commands.ts';
import type { BotContext } from '../../context.ts';
import { actorOf, allowOnly, mayDo, requirePermission } from '../../filters/guards.ts';
import {
  ANY_ADMIN_DATA, cardData, departmentListData, organizationListData, type EmployeeAction, employeeActionData, fitsButton, listData, type MenuAction, menuData, searchToken, stopBulkData, tickData,
} from './admin-callbacks.ts';
import { renderInvitationProgress } from './admin-intents.renderer.ts';
import { button, homeScreen, listScreen, MARKS, PAGE_SIZE, type Screen, tickedIn, toggleTick, withConfirmRow } from './admin-screens.ts';

/**
 * `/admin` in a private chat: the 1С guide's steps 8–9 and the activation status for the responsible employee and
 * other admins. Every command and every press is checked against the presser's roles as the session read them for
 * this update (requirePermission), per action; callback data names only what to show or act on. Nothing is kept in
 * memory: the filter and page ride in the buttons, the ticks in the list message's own keyboard.
 */

/** The actor of a guarded handler (the guard has let only a linked employee through). */
const actor = (ctx: BotContext): EmployeeActor => actorOf(ctx)!;

async function show(ctx: BotContext, screen: Screen): Promise<void> {
  if (ctx.callbackQuery) {
    await ctx.editMessageText(screen.text, { reply_markup: screen.keyboard }).catch((error: unknown) => {
      // Pressing 🔄 on an unchanged page is not an error.
      if (!String((error as { description?: string }).description ?? '').includes('message is not modified')) throw error;
    });
    await ctx.answerCallbackQuery().catch(() => undefined);
  } else await ctx.reply(screen.text, { reply_markup: screen.keyboard });
}

const appErrorText = (ctx: BotContext, error: AppError) => ctx.t(`errors:${error.code}`, error.params);

/** Runs a service call; a refusal (AppError) becomes an alert on the button or a reply, anything else propagates. */
async function refusing<T>(ctx: BotContext, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: appErrorText(ctx, error), show_alert: true });
    else await ctx.reply(appErrorText(ctx, error));
    return undefined;
  }
}

async function home(ctx: BotContext): Promise<void> {
  const counts = await ctx.deps.admin.status.counts(actor(ctx));
  await show(ctx, homeScreen(ctx.t, counts));
}

async function list(ctx: BotContext, filter: { status: Parameters<typeof listScreen>[1]['status']; page: number; search: string; departmentId?: string; organizationId?: string }): Promise<void> {
  const result = await refusing(ctx, () =>
    ctx.deps.admin.status.list(actor(ctx), {
      ...(filter.status !== 'ALL' ? { status: filter.status } : {}), ...(filter.search ? { search: filter.search } : {}),
      ...(filter.departmentId ? { departmentId: filter.departmentId } : {}),
      ...(filter.organizationId ? { organizationId: filter.organizationId } : {}), page: filter.page, pageSize: PAGE_SIZE,
    }),
  );
  if (!result) return;
  const id = filter.departmentId;
  // The department's name as its own employees show it (the list also holds its sub-departments).
  const department = id ? { id, name: result.items.find((e) => e.departmentId === id)?.department ?? id } : undefined;
  const orgId = filter.organizationId;
  const organization = orgId ? { id: orgId, name: result.items.find((e) => e.organizationId === orgId)?.organization ?? orgId } : undefined;
  await show(ctx, listScreen(ctx.t, { status: filter.status, search: filter.search, ...(department ? { department } : {}), ...(organization ? { organization } : {}) }, result));
}

const skippedText = (ctx: BotContext, skipped: { reason: string }[]) => {
  if (skipped.length === 0) return '';
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  return `\n${ctx.t('admin:bot.skipped', { n: skipped.length })} (${[...byReason].map(([reason, n]) => `${ctx.t(`admin:bot.skip_reason.${reason}`)}: ${n}`).join('; ')}).`;
};

const publishedText = (ctx: BotContext, key: 'published' | 'unpublished', result: PublishResult) =>
  ctx.t(`admin:bot.${key}`, { n: result.changed, unchanged: result.unchanged }) + skippedText(ctx, result.skipped);

const invitedText = (ctx: BotContext, result: { queued: unknown[]; skipped: Skipped[] }) =>
  ctx.t('admin:bot.invited', { n: result.queued.length }) + skippedText(ctx, result.skipped);

const homeKeyboard = (ctx: BotContext) => ({ inline_keyboard: [[button(ctx.t('admin:bot.home'), menuData.pack({ action: 'home' }))]] });

async function done(ctx: BotContext, text: string): Promise<void> {
  await show(ctx, { text, keyboard: homeKeyboard(ctx) });
}

async function confirm(ctx: BotContext, text: string, yes: MenuAction): Promise<void> {
  await show(ctx, {
    text,
    keyboard: { inline_keyboard: [[button(ctx.t('admin:bot.yes'), menuData.pack({ action: yes })), button(ctx.t('admin:bot.back'), menuData.pack({ action: 'home' }))]] },
  });
}

const keyboardOf = (ctx: BotContext): InlineKeyboardButton[][] => ctx.callbackQuery?.message?.reply_markup?.inline_keyboard ?? [];

/** The menu's actions, each with the permission it needs. */
const MENU_PERMISSION: Record<MenuAction, Permission> = {
  home: 'employees.read', find: 'employees.read', rep: 'employees.read',
  pa: 'cabinet.publish', pac: 'cabinet.publish', ua: 'cabinet.publish', uac: 'cabinet.publish', pt: 'cabinet.publish', ptc: 'cabinet.publish', ut: 'cabinet.publish', utc: 'cabinet.publish',
  it: 'invitations.send', itc: 'invitations.send', bi: 'invitations.send', bic: 'invitations.send',
};

async function menuAction(ctx: BotContext, action: MenuAction): Promise<void> {
  const a = actor(ctx);
  const { status, inviting, report } = ctx.deps.admin;
  switch (action) {
    case 'home':
      return home(ctx);
    case 'find':
      await ctx.answerCallbackQuery();
      await ctx.reply(ctx.t('admin:bot.find_hint'));
      return;
    case 'pa': {
      const counts = await status.counts(a);
      return confirm(ctx, ctx.t('admin:bot.confirm_publish_all', { n: counts.NOT_PUBLISHED }), 'pac');
    }
    case 'pac':
      return done(ctx, publishedText(ctx, 'published', await ctx.deps.publishing.publish(a, { all: true })));
    case 'ua': {
      const counts = await status.counts(a);
      return confirm(ctx, ctx.t('admin:bot.confirm_unpublish_all', { n: counts.PUBLISHED + counts.INVITED + counts.ACTIVE + counts.BLOCKED }), 'uac');
    }
    case 'uac':
      return done(ctx, publishedText(ctx, 'unpublished', await ctx.deps.publishing.unpublish(a, { all: true })));
    case 'pt':
    case 'ut':
    case 'it': {
      const ticked = tickedIn(keyboardOf(ctx));
      if (ticked.length === 0) {
        await ctx.answerCallbackQuery({ text: ctx.t('admin:bot.tick_first'), show_alert: true });
        return;
      }
      const key = action === 'pt' ? 'confirm_publish_ticked' : action === 'ut' ? 'confirm_unpublish_ticked' : 'confirm_invite_ticked';
      const yes: MenuAction = `${action}c`;
      await ctx.editMessageText(ctx.t(`admin:bot.${key}`, { n: ticked.length }), {
        reply_markup: withConfirmRow(keyboardOf(ctx), button(ctx.t('admin:bot.yes_count', { n: ticked.length }), menuData.pack({ action: yes }))),
      });
      await ctx.answerCallbackQuery();
      return;
    }
    case 'ptc':
    case 'utc':
    case 'itc': {
      const ticked = tickedIn(keyboardOf(ctx));
      if (ticked.length === 0) {
        await ctx.answerCallbackQuery({ text: ctx.t('admin:bot.tick_first'), show_alert: true });
        return;
      }
      if (action === 'ptc') return done(ctx, publishedText(ctx, 'published', await ctx.deps.publishing.publish(a, { employeeIds: ticked })));
      if (action === 'utc') return done(ctx, publishedText(ctx, 'unpublished', await ctx.deps.publishing.unpublish(a, { employeeIds: ticked })));
      return done(ctx, invitedText(ctx, await inviting.invite(a, ticked)));
    }
    case 'bi': {
      const counts = await status.counts(a);
      return confirm(ctx, ctx.t('admin:bot.confirm_invite_all', { n: counts.PUBLISHED + counts.INVITED }), 'bic');
    }
    case 'bic':
      return startBulk(ctx, a);
    case 'rep': {
      await ctx.answerCallbackQuery({ text: ctx.t('admin:bot.report_preparing') });
      const pdf = await report.pdf(a, ctx.language);
      await ctx.replyWithDocument(new InputFile(pdf, ctx.t('admin:bot.report_file')), { caption: ctx.t('admin:bot.report_caption') });
      return;
    }
  }
}

/** "Invite everyone published and not yet active": a new message shows the run's progress, edited by core's jobs. */
async function startBulk(ctx: BotContext, a: EmployeeActor): Promise<void> {
  await ctx.answerCallbackQuery();
  const message = await ctx.reply(ctx.t('admin:bot.bulk_starting'));
  const view = await refusing(ctx, () =>
    ctx.deps.admin.inviting.startBulk(a, { progressMessage: { chatId: BigInt(message.chat.id), messageId: message.message_id, language: ctx.language } }),
  );
  if (!view) {
    await ctx.api.deleteMessage(message.chat.id, message.message_id).catch(() => undefined);
    return;
  }
  // The jobs edit this message as they go (and may be done already): the first picture is read afresh, and left
  // alone once the run is over, so that it never replaces a later one with an older one.
  const current = await ctx.deps.admin.inviting.bulk(a, view.batchId);
  if (current.status === 'running') {
    const rendered = renderInvitationProgress(
      { kind: 'invitation-progress', chatId: BigInt(message.chat.id), messageId: message.message_id, language: ctx.language, batchId: current.batchId, status: 'running', total: current.total, sent: current.sent, failed: current.failed, remaining: current.remaining, cancelled: current.cancelled },
      ctx.deps.translator,
    );
    const keyboard = (rendered.keyboard ?? []).map((row) => row.map((b) => ('url' in b ? { text: b.text, url: b.url } : { text: b.text, callback_data: b.callbackData })));
    await ctx.api.editMessageText(message.chat.id, message.message_id, rendered.text, { reply_markup: { inline_keyboard: keyboard } }).catch(() => undefined);
  }
  const notes: string[] = [];
  if (view.skippedRecent > 0) notes.push(ctx.t('admin:bot.bulk_skipped_recent', { n: view.skippedRecent }));
  if (view.unreachable.length > 0) {
    const shown = view.unreachable.slice(0, 30).map((u) => `• ${u.fullName}, ${ctx.t('admin:bot.personnel_number', { number: u.personnelNumber })}: ${ctx.t(`admin:reason.${u.reason}`)}`);
    const more = view.unreachable.length - shown.length;
    notes.push([ctx.t('admin:bot.bulk_unreachable', { n: view.unreachable.length }), ...shown, ...(more > 0 ? [ctx.t('admin:bot.and_more', { n: more })] : [])].join('\n'));
  }
  if (notes.length > 0) await ctx.reply(notes.join('\n\n'));
}

/** The card of one employee: what the admin may do with them. */
async function card(ctx: BotContext, employeeId: string, note?: string): Promise<void> {
  const a = actor(ctx);
  const found = await ctx.deps.admin.status.list(a, { employeeId, page: 1, pageSize: 1 });
  const e = found.items[0];
  if (!e) {
    await ctx.answerCallbackQuery({ text: ctx.t('admin:bot.stale'), show_alert: true });
    return;
  }
  const holder = mayDo('roles.manage')(ctx) ? (await ctx.deps.admin.roles.list(a)).find((h) => h.employeeId === employeeId) : undefined;
  const roles = holder?.roles ?? [];
  const yesNo = (v: boolean) => ctx.t(v ? 'admin:bot.yes_short' : 'admin:bot.no_short');
  const text = [
    `${MARKS[e.status]} ${e.fullName}`,
    ctx.t('admin:bot.personnel_number', { number: e.personnelNumber }) + (e.position ? `, ${e.position}` : ''),
    [e.organization, e.department].filter(Boolean).join(', '),
    `${ctx.t('admin:bot.state')}: ${ctx.t(`admin:state.${e.status}`)}`,
    ctx.t('admin:bot.contacts', { email: yesNo(e.hasEmail), phone: yesNo(e.hasPhone) }),
    ...(e.invitation ? [ctx.t('admin:bot.invitation', { mark: ctx.t(`admin:bot.invitation_mark.${e.invitation.mark}`) })] : []),
    ...(roles.length > 0 ? [ctx.t('admin:bot.roles', { roles: roles.map((r) => ctx.t(`admin:bot.role.${r}`)).join(', ') })] : []),
    ...(note ? ['', note] : []),
  ].join('\n');
  const act = (action: EmployeeAction) => employeeActionData.pack({ action, employee: employeeId });
  const published = e.status !== 'NOT_PUBLISHED';
  const rows = [
    [published ? button(ctx.t('admin:bot.unpublish'), act('unp')) : button(ctx.t('admin:bot.publish'), act('pub'))],
    [button(ctx.t('admin:bot.invite'), act('inv')), button(ctx.t('admin:bot.create_cabinet'), act('cre'))],
  ];
  if (fitsButton(e.organizationId)) {
    rows.push([button(ctx.t('admin:bot.list_organization'), organizationListData.pack({ status: 'ALL', page: 1, organization: e.organizationId }))]);
  }
  if (e.departmentId && fitsButton(e.departmentId)) {
    rows.push([button(ctx.t('admin:bot.list_department'), departmentListData.pack({ status: 'ALL', page: 1, department: e.departmentId }))]);
    rows.push([button(ctx.t('admin:bot.publish_department'), act('dpub')), button(ctx.t('admin:bot.unpublish_department'), act('dunp'))]);
  }
  if (mayDo('roles.manage')(ctx)) {
    rows.push((['ADMIN', 'HR'] as const).map((role) =>
      roles.includes(Role[role]) ? button(ctx.t('admin:bot.revoke', { role: ctx.t(`admin:bot.role.${role}`) }), act(`r-${role}`)) : button(ctx.t('admin:bot.grant', { role: ctx.t(`admin:bot.role.${role}`) }), act(`g-${role}`)),
    ));
  }
  rows.push([button(ctx.t('admin:bot.to_list'), listData.pack({ status: 'ALL', page: 1, search: '' })), button(ctx.t('admin:bot.home'), menuData.pack({ action: 'home' }))]);
  await show(ctx, { text, keyboard: { inline_keyboard: rows } });
}

const EMPLOYEE_PERMISSION = (action: EmployeeAction): Permission =>
  action.startsWith('g-') || action.startsWith('r-') ? 'roles.manage' : action === 'inv' || action === 'cre' ? 'invitations.send' : 'cabinet.publish';

async function employeeAction(ctx: BotContext, action: EmployeeAction, employeeId: string): Promise<void> {
  const a = actor(ctx);
  const { publishing } = ctx.deps;
  const { inviting, roles, status } = ctx.deps.admin;
  if (action === 'pub') return card(ctx, employeeId, publishedText(ctx, 'published', await publishing.publish(a, { employeeIds: [employeeId] })));
  if (action === 'unp') return card(ctx, employeeId, publishedText(ctx, 'unpublished', await publishing.unpublish(a, { employeeIds: [employeeId] })));
  if (action === 'inv') return card(ctx, employeeId, invitedText(ctx, await inviting.invite(a, [employeeId])));
  if (action === 'cre') {
    const result = await refusing(ctx, () => inviting.createCabinets(a, [employeeId]));
    if (!result) return;
    const created = result.created[0];
    if (!created) return card(ctx, employeeId, skippedText(ctx, result.skipped).trim());
    await ctx.answerCallbackQuery();
    // The link is shown once and never stored: the admin hands it over as they see fit.
    await ctx.reply(ctx.t('admin:bot.cabinet_link', { link: created.link, until: created.expiresAt.slice(0, 10) }), { link_preview_options: { is_disabled: true } });
    return;
  }
  if (action === 'dpub' || action === 'dunp' || action === 'dpubc' || action === 'dunpc') {
    const e = (await status.list(a, { employeeId, page: 1, pageSize: 1 })).items[0];
    if (!e?.departmentId) {
      await ctx.answerCallbackQuery({ text: ctx.t('admin:bot.stale'), show_alert: true });
      return;
    }
    const publish = action.startsWith('dpub');
    if (action === 'dpub' || action === 'dunp') {
      const counts = await status.counts(a, { departmentId: e.departmentId });
      const count = publish ? counts.NOT_PUBLISHED : counts.PUBLISHED + counts.INVITED + counts.ACTIVE + counts.BLOCKED;
      await show(ctx, {
        text: ctx.t(publish ? 'admin:bot.confirm_publish_department' : 'admin:bot.confirm_unpublish_department', { department: e.department ?? '', n: count }),
        keyboard: { inline_keyboard: [[button(ctx.t('admin:bot.yes'), employeeActionData.pack({ action: publish ? 'dpubc' : 'dunpc', employee: employeeId })), button(ctx.t('admin:bot.back'), cardData.pack({ employee: employeeId }))]] },
      });
      return;
    }
    const selection = { departmentIds: [e.departmentId] };
    const result = await refusing(ctx, () => (publish ? publishing.publish(a, selection) : publishing.unpublish(a, selection)));
    if (result) await done(ctx, publishedText(ctx, publish ? 'published' : 'unpublished', result));
    return;
  }
  const [op, role] = action.split('-') as ['g' | 'r', 'ADMIN' | 'HR'];
  const change = await refusing(ctx, () => (op === 'g' ? roles.grant(a, employeeId, Role[role]) : roles.revoke(a, employeeId, Role[role])));
  if (!change) return;
  return card(ctx, employeeId, ctx.t(op === 'g' ? 'admin:bot.granted' : 'admin:bot.revoked', { role: ctx.t(`admin:bot.role.${role}`) }));
}

/** Lets the press through only when the presser holds what this particular data asks for. */
const guardBy = <T>(unpack: (data: string | undefined) => T | null, permission: (value: T) => Permission): MiddlewareFn<BotContext> =>
  allowOnly((ctx) => {
    const value = unpack(ctx.callbackQuery?.data);
    return value !== null && mayDo(permission(value))(ctx);
  });

export const adminFeature = new Composer<BotContext>();
const inPrivate = adminFeature.chatType('private');

inPrivate.command('admin', requirePermission('employees.read'), async (ctx) => {
  const search = ctx.match.trim();
  if (search) return list(ctx, { status: 'ALL', page: 1, search });
  return home(ctx);
});

// Every admin button, well formed or forged, passes the least permission first; each kind then checks its own.
const buttons = inPrivate.callbackQuery(ANY_ADMIN_DATA);
buttons.use(requirePermission('employees.read'));
buttons.callbackQuery(listData.filter, async (ctx) => list(ctx, listData.unpack(ctx.callbackQuery.data)!));
buttons.callbackQuery(departmentListData.filter, async (ctx) => {
  const { status, page, department } = departmentListData.unpack(ctx.callbackQuery.data)!;
  await list(ctx, { status, page, search: '', departmentId: department });
});
buttons.callbackQuery(organizationListData.filter, async (ctx) => {
  const { status, page, organization } = organizationListData.unpack(ctx.callbackQuery.data)!;
  await list(ctx, { status, page, search: '', organizationId: organization });
});
buttons.callbackQuery(tickData.filter, async (ctx) => {
  const { employee } = tickData.unpack(ctx.callbackQuery.data)!;
  await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: toggleTick(keyboardOf(ctx), employee) } });
  await ctx.answerCallbackQuery();
});
buttons.callbackQuery(cardData.filter, async (ctx) => card(ctx, cardData.unpack(ctx.callbackQuery.data)!.employee));
buttons.callbackQuery(menuData.filter, guardBy(menuData.unpack, (v) => MENU_PERMISSION[v.action]), async (ctx) =>
  menuAction(ctx, menuData.unpack(ctx.callbackQuery.data)!.action));
buttons.callbackQuery(employeeActionData.filter, guardBy(employeeActionData.unpack, (v) => EMPLOYEE_PERMISSION(v.action)), async (ctx) => {
  const { action, employee } = employeeActionData.unpack(ctx.callbackQuery.data)!;
  await employeeAction(ctx, action, employee);
});
buttons.callbackQuery(stopBulkData.filter, requirePermission('invitations.send'), async (ctx) => {
  const { batch } = stopBulkData.unpack(ctx.callbackQuery.data)!;
  const view = await refusing(ctx, () => ctx.deps.admin.inviting.stopBulk(actor(ctx), batch));
  if (view) await ctx.answerCallbackQuery({ text: ctx.t('admin:bot.bulk_stopping') });
});
// Stale or forged data that no handler above took.
buttons.use(async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t('admin:bot.stale'), show_alert: true });
});

/**
 * Mounted before sign-in: when an update links someone who is an admin (the cabinet's responsible employee, or a
 * granted role), their own command menu is set at once. Costs one query, and only on updates of people not yet
 * linked.
 */
export const adminMenuOnLink: MiddlewareFn<BotContext> = async (ctx, next) => {
  const wasLinked = ctx.kabinet.employee != null;
  await next();
  if (wasLinked || ctx.chat?.type !== 'private') return;
  try {
    const session = await ctx.deps.linking.session(ctx.user);
    const roles = session.employee?.roles ?? [];
    if (!roles.includes(Role.ADMIN)) return;
    await createCommandMenus(ctx.api, ctx.deps.translator).refresh({ chatId: ctx.user.chatId, language: ctx.language, roles });
  } catch (error) {
    ctx.logger.warn({ err: safeError(error) }, 'could not set the admin command menu');
  }
};
