import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { scopesGranting } from '../../core/access/permissions.ts';
import { actorOf } from '../plugins/auth.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Days = (description: string) => Type.Array(Day, { maxItems: 366, description });
const YearParams = Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) });

const CalendarBody = Type.Object(
  {
    source: Type.Optional(Type.String({ maxLength: 500, description: 'Where the year comes from, e.g. the decree' })),
    provisional: Type.Optional(Type.Boolean({ default: false, description: 'true while the government’s decree on day transfers is not out yet' })),
    daysOff: Days('Weekdays that are not worked: public holidays and transferred days off'),
    workdays: Days('Saturdays and Sundays that are worked (transfers)'),
    shortDays: Type.Optional(Days('Pre-holiday working days one hour shorter')),
  },
  {
    additionalProperties: false,
    examples: [{
      source: 'Постановление Правительства РФ от 24.09.2025 № 1466',
      daysOff: ['2026-01-01', '2026-01-02', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09', '2026-02-23', '2026-03-09', '2026-05-01', '2026-05-11', '2026-06-12', '2026-11-04', '2026-12-31'],
      workdays: [],
      shortDays: ['2026-04-30', '2026-05-08', '2026-06-11', '2026-11-03'],
    }],
  },
);

const CalendarYearView = Type.Object({
  year: Type.Integer(),
  source: Type.String(),
  provisional: Type.Boolean(),
  daysOff: Type.Array(Type.String()),
  workdays: Type.Array(Type.String()),
  shortDays: Type.Array(Type.String()),
  origin: Type.Union([Type.Literal('uploaded'), Type.Literal('shipped'), Type.Literal('labour-code')], { description: 'uploaded through this API, shipped with Kabinet, or the Labour Code’s holidays alone (no data for the year)' }),
  uploadedAt: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The production calendar the legal deadlines of requests are counted by. Kabinet ships 2025–2027; the payroll system
 * (1С keeps a «Производственный календарь») uploads newer or corrected years, which replace the shipped ones.
 */
export function calendarRoutes(fastify: FastifyInstance): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ bearer: [] }];

  app.get('/calendar', {
    config: { scopes: scopesGranting('imports.read') },
    schema: {
      tags: ['calendar'],
      summary: 'The years of the production calendar Kabinet has',
      security,
      response: { 200: Type.Object({ items: Type.Array(Type.Object({ year: Type.Integer(), origin: Type.String(), provisional: Type.Boolean(), source: Type.String() })) }), ...errorResponses(401, 403) },
    },
  }, async (request) => ({ items: await request.services.calendar.years(actorOf(request)) }));

  app.get('/calendar/:year', {
    config: { scopes: scopesGranting('imports.read') },
    schema: { tags: ['calendar'], summary: 'One year as deadlines use it', security, params: YearParams, response: { 200: CalendarYearView, ...errorResponses(400, 401, 403) } },
  }, async (request) => request.services.calendar.year(actorOf(request), request.params.year));

  app.put('/calendar/:year', {
    config: { scopes: scopesGranting('imports.write') },
    schema: {
      tags: ['calendar'],
      summary: 'Upload a year of the production calendar (replaces the shipped or an earlier upload)',
      description: 'Only what differs from the five-day week: weekdays off (holidays, transfers) and weekends worked. Refused when a date is not in the year, is listed as both, a listed working day is not a Saturday or Sunday, a short day is not a working day, or the year would not have 235–255 working days.',
      security,
      headers: IdempotencyHeaders,
      params: YearParams,
      body: CalendarBody,
      response: { 200: Type.Object({ year: Type.Integer(), replaced: Type.Boolean({ description: 'An uploaded year was there before' }), workingDays: Type.Integer() }), ...errorResponses(400, 401, 403, 422) },
    },
  }, async (request) => {
    const body = request.body;
    return request.services.calendar.upload(actorOf(request), {
      year: request.params.year,
      source: body.source ?? '',
      provisional: body.provisional ?? false,
      daysOff: body.daysOff,
      workdays: body.workdays,
      shortDays: body.shortDays ?? [],
    });
  });
}
