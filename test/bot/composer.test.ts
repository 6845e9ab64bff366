import { Api, Context, Composer as GrammyComposer } from 'grammy';
import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { Composer } from '../../bot/composer.ts';
import { callbackUpdate, groupChat, groupTextUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { BOT_INFO } from '../helpers/bot-harness.ts';

/**
 * The features' Composer (bot/composer.ts) must route exactly as grammY's: the same tree built with both, fed the
 * same updates, calls the same handlers in the same order and fails the same way.
 */
type AnyComposer = GrammyComposer<Context>;

function tree(make: () => AnyComposer, trace: string[]): AnyComposer {
  const root = make();
  const mark = (name: string) => (ctx: Context, next: () => Promise<void>) => {
    trace.push(`${name}:${ctx.update.update_id}`);
    return next();
  };
  const end = (name: string) => (ctx: Context) => void trace.push(`${name}!${ctx.update.update_id}`);

  root.use(mark('first'));
  const groups = root.chatType(['group', 'supergroup']);
  groups.command('hello', end('group-hello'));
  groups.on('message:text', mark('group-text'));

  const chat = root.chatType('private');
  chat.command('start', end('start'));
  chat.hears(['🏖 Отпуск', 'Vacation'], end('vacation'));
  chat.hears(/^echo (.+)$/, (ctx) => void trace.push(`echo:${ctx.match[1]}`));
  chat.callbackQuery(/^lang:(\w+)$/, (ctx) => void trace.push(`lang:${ctx.match[1]}`));
  chat.filter(async (ctx) => ctx.message?.text === 'async yes', end('async-filter'));
  chat.drop((ctx) => ctx.message?.text !== 'dropped?', end('not-dropped'));
  // A branch extended after it was mounted still counts.
  const later = chat.on('message:text').filter((ctx) => ctx.message.text.startsWith('later'));
  chat.on('message:text', async (ctx, next) => {
    if (ctx.message.text === 'throw') throw new Error('thrown');
    if (ctx.message.text === 'reject') return Promise.reject(new Error('rejected'));
    if (ctx.message.text === 'twice') {
      await next();
      await next();
      return;
    }
    if (ctx.message.text === 'sync') return void trace.push('sync');
    await next();
  });
  chat.use(make().use(mark('nested-composer')));
  chat.errorBoundary((err) => void trace.push(`caught:${(err.error as Error).message}`)).on('message:text', (ctx, next) => {
    if (ctx.message.text === 'bounded') throw new Error('in boundary');
    return next();
  });
  later.use(end('later'));
  root.use(mark('last'));
  return root;
}

const UPDATES: Update[] = [
  textUpdate(1, '/start'), textUpdate(1, '🏖 Отпуск'), textUpdate(1, 'Vacation'), textUpdate(1, 'echo hi'),
  callbackUpdate(1, 'lang:en'), callbackUpdate(1, 'other'), textUpdate(1, 'async yes'), textUpdate(1, 'dropped?'),
  textUpdate(1, 'later on'), textUpdate(1, 'throw'), textUpdate(1, 'reject'), textUpdate(1, 'twice'), textUpdate(1, 'sync'),
  textUpdate(1, 'bounded'), textUpdate(1, 'anything'), groupTextUpdate(groupChat(-5), 1, '/hello'), groupTextUpdate(groupChat(-5), 1, 'hi all'),
].map((u, i) => ({ ...u, update_id: 1000 + i }));

async function feed(make: () => AnyComposer): Promise<string[]> {
  const trace: string[] = [];
  const handler = tree(make, trace).middleware();
  const api = new Api('42:TEST');
  for (const update of UPDATES) {
    let reachedEnd = false;
    try {
      await handler(new Context(update, api, BOT_INFO), async () => {
        reachedEnd = true;
      });
      trace.push(`done:${update.update_id}:${reachedEnd}`);
    } catch (error) {
      trace.push(`error:${update.update_id}:${(error as Error).message}`);
    }
  }
  return trace;
}

describe("the features' Composer", () => {
  it('routes every update as grammY does', async () => {
    const expected = await feed(() => new GrammyComposer<Context>());
    const actual = await feed(() => new Composer<Context>() as unknown as AnyComposer);
    expect(actual).toEqual(expected);
    // The tree is exercised: handlers matched, updates passed through, errors surfaced.
    for (const seen of ['start!1000', 'vacation!1001', 'echo:hi', 'lang:en', 'async-filter!1006', 'later!1008', 'error:1009:thrown', 'error:1010:rejected', 'error:1011:`next` already called before!', 'caught:in boundary', 'group-hello!1015', 'last:1016', 'done:1014:true']) {
      expect(expected).toContain(seen);
    }
  });
});
