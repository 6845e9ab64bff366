// `npm run bench:bot -- [updates] [concurrency] [rounds]` (BENCH_DB=postgres or pglite runs one database only; BENCH_ONLY=kabinet or minimal one bot): "vacation balance" requests of linked employees fed through the
// whole bot (`bot.handleUpdate`: sequentialize, per-update logger, session, routing, the feature, i18n, the reply)
// on PostgreSQL and on PGlite, beside a minimal grammY bot that does one indexed read and replies. Bot API calls are
// answered by a capturing transformer (no network). Prints updates/s of both, the ratio, and SQL statements per
// update counted from Prisma's query events.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Bot, type Transformer } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { createBot } from '../bot/index.ts';
import { botDeps } from '../bot/telegram.ts';
import { loadConfig } from '../core/config.ts';
import { assembleContainer } from '../core/container.ts';
import { databaseFromPglite, openDatabase, type Database } from '../core/db/database.ts';
import type { Db } from '../core/db/database.ts';
import { Role } from '../core/db/generated/enums.ts';
import { createTranslator } from '../core/i18n.ts';
import { createLogger } from '../core/logger.ts';
import { seedLinkedEmployees, type LinkedEmployee } from '../test/fixtures/linked-employees.ts';
import { textUpdate } from '../test/fixtures/telegram-updates.ts';
import { countingDatabase, type CountingDatabase } from '../test/helpers/counting-database.ts';

const UPDATES = Number(process.argv[2] ?? 3000);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const USERS = 500;
const ROUNDS = Number(process.argv[4] ?? 5);
// BENCH_ONLY=kabinet|minimal runs the rounds of one bot only: for `node --cpu-prof`, whose profile should hold one.
const ONLY = process.env.BENCH_ONLY;
const TOKEN = '42:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz';
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
// Given, so neither bot calls getMe.
const BOT_INFO = {
  id: 42, is_bot: true, first_name: 'Kabinet', username: 'kabinet_bench_bot', can_join_groups: true, can_read_all_group_messages: false,
  supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false,
} as UserFromGetMe;

/** Answers every Bot API call as Telegram would, without a network. */
const fakeTelegram: Transformer = async (_prev, method, payload) => {
  const chatId = (payload as { chat_id?: number }).chat_id ?? 0;
  const result = method === 'sendMessage'
    ? { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, text: (payload as { text?: string }).text }
    : true;
  return { ok: true, result } as never;
};

/**
 * The baseline: grammY with one indexed read per update and a reply, nothing else. `findFirst`, not `findUnique`:
 * Prisma batches concurrent `findUnique` calls into one `IN (…)` statement, which would make the baseline read
 * once per 16 updates.
 */
function minimalBot(db: Db): Bot {
  const bot = new Bot(TOKEN, { botInfo: BOT_INFO });
  bot.api.config.use(fakeTelegram);
  bot.on('message:text', async (ctx) => {
    const account = await db.telegramAccount.findFirst({ where: { telegramUserId: BigInt(ctx.from.id) }, select: { employeeId: true } });
    await ctx.reply(account?.employeeId ? 'ok' : 'who?');
  });
  return bot;
}

/**
 * Feeds updates with `CONCURRENCY` in flight (as the runner does for different chats); returns updates/s and this
 * process's CPU time per update in µs (the database server's is not in it). On a busy machine the CPU time moves
 * far less than the rate.
 */
async function feed(bot: { handleUpdate(update: Update): Promise<void> }, updates: Update[]): Promise<{ rate: number; cpu: number }> {
  let next = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < updates.length) await bot.handleUpdate(updates[next++]!);
  }));
  const cpu = process.cpuUsage(cpuStart);
  return { rate: updates.length / ((performance.now() - start) / 1000), cpu: (cpu.user + cpu.system) / updates.length };
}

async function measure(kind: 'postgres' | 'pglite', counting: CountingDatabase) {
  const { database, statements } = counting;
  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent' });
  const logger = createLogger({ level: 'silent' });
  const translator = createTranslator();
  const container = assembleContainer(database, config, logger, translator);
  const employees: LinkedEmployee[] = await seedLinkedEmployees(database.prisma, { count: USERS, firstUserId: 700_000, roles: (i) => (i % 10 === 0 ? [Role.HR] : []) });
  const vacation = translator.t('ru')('menu.vacation');
  const updates = (n: number) => Array.from({ length: n }, (_, i) => textUpdate(employees[i % USERS]!.userId, vacation));

  const full = createBot(botDeps(container, translator, logger, config.codes.ttlMinutes), { token: TOKEN, botInfo: BOT_INFO });
  let replies = 0;
  full.api.config.use(async (prev, method, payload, signal) => {
    if (method === 'sendMessage') replies++;
    return fakeTelegram(prev, method, payload, signal);
  });
  const minimal = minimalBot(database.prisma);

  // Warm-up (JIT, Prisma's query plans, the pool), then the statement count of one pass each.
  await feed(minimal, updates(300));
  await feed(full, updates(300));
  statements.length = 0;
  await feed(full, updates(100));
  const fullStatements = statements.length / 100;
  statements.length = 0;
  await feed(minimal, updates(100));
  const minimalStatements = statements.length / 100;

  const rates = { minimal: [] as number[], full: [] as number[] };
  const cpu = { minimal: [] as number[], full: [] as number[] };
  const round = async (which: 'minimal' | 'full', bot: typeof full | typeof minimal) => {
    const { rate, cpu: perUpdate } = await feed(bot, updates(UPDATES));
    rates[which].push(rate);
    cpu[which].push(perUpdate);
  };
  replies = 0;
  for (let r = 0; r < ROUNDS; r++) {
    if (ONLY !== 'kabinet') await round('minimal', minimal);
    if (ONLY !== 'minimal') await round('full', full);
  }
  if (ONLY !== 'minimal' && replies !== ROUNDS * UPDATES) throw new Error(`the full bot answered ${replies} of ${ROUNDS * UPDATES} updates`);
  await container.close();

  // Rounds alternate between the two bots, so a busy neighbour slows both; the median and the best round of each
  // are printed, the best being the least disturbed.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const best = (xs: number[]) => Math.max(...xs);
  return {
    kind, fullStatements, minimalStatements, rounds: rates,
    median: { minimal: median(rates.minimal), full: median(rates.full) },
    cpu: { minimal: median(cpu.minimal), full: median(cpu.full) },
    best: { minimal: best(rates.minimal), full: best(rates.full) },
  };
}

async function onPostgres() {
  const name = `kabinet_bench_${randomBytes(4).toString('hex')}`;
  const admin = new URL(POSTGRES_URL);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const { default: pg } = await import('pg');
  const adminQuery = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await adminQuery(`CREATE DATABASE "${name}"`);
  try {
    const base: Database = await openDatabase({ kind: 'postgres', url: url.toString() });
    await base.migrate();
    return await measure('postgres', countingDatabase(base, { postgresUrl: url.toString() }));
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

async function onPglite() {
  const pglite = new PGlite('memory://');
  const base = await databaseFromPglite(pglite);
  await base.migrate();
  return measure('pglite', countingDatabase(base, { pglite }));
}

const which = process.env.BENCH_DB;
const results = [];
if (which !== 'pglite') results.push(await onPostgres());
if (which !== 'postgres') results.push(await onPglite());
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
console.log(`\n${UPDATES} "vacation balance" updates per round, ${ROUNDS} rounds per bot, ${CONCURRENCY} in flight, ${USERS} linked employees\n`);
console.log('| database | minimal bot, updates/s (median / best) | Kabinet, updates/s (median / best) | ratio (median / best) | Node CPU µs per update, median (Kabinet / minimal, ratio) | SQL per update (Kabinet / minimal) |');
console.log('|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.kind} | ${fmt(r.median.minimal)} / ${fmt(r.best.minimal)} | ${fmt(r.median.full)} / ${fmt(r.best.full)} | ${pct(r.median.full, r.median.minimal)} / ${pct(r.best.full, r.best.minimal)} | ${fmt(r.cpu.full)} / ${fmt(r.cpu.minimal)}, ${pct(r.cpu.minimal, r.cpu.full)} | ${r.fullStatements} / ${r.minimalStatements} |`);
}
for (const r of results) console.log(`${r.kind} rounds: minimal ${r.rounds.minimal.map(fmt).join(', ')}; Kabinet ${r.rounds.full.map(fmt).join(', ')}`);
console.log('target: Kabinet ≥ 50 % of the minimal bot');
