import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmployeeActor } from '../../core/access/actor.ts';
import { loadEmployeeActor } from '../../core/access/employee-actor.ts';
import { createTranslator } from '../../core/i18n.ts';
import { CHAT, type CertificatePeople, HR_CHAT, seedCertificatePeople } from '../fixtures/certificate-setup.ts';
import { createFakeTelegram } from '../helpers/fake-telegram.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const translator = createTranslator();
const SCAN = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]), Buffer.from('\n% скан справки\n%%EOF\n')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really an image, but a PNG by its signature')]);

/** A multipart/form-data body with one file part, as curl -F file=@… sends it. */
function multipart(file: Buffer, fileName: string, contentType = 'application/pdf') {
  const boundary = '----kabinet-test-boundary-7MA4YWxkTrZu0gW';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\nподписана\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"; filename*=UTF-8''${encodeURIComponent(fileName)}\r\nContent-Type: ${contentType}\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(DB_KINDS)('certificates API, %s', (kind) => {
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  const telegram = createFakeTelegram(translator);
  let t: TestApp;
  let people: CertificatePeople;
  const as = async (employeeId: string): Promise<EmployeeActor> => (await loadEmployeeActor(t.testDb.database.prisma, { employeeId }, clock.now()))!;
  const settle = () => t.container.services.jobs.idle();
  const order = async (typeCode = 'NDFL_2', fields: Record<string, unknown> = { year: 2025, copies: 0 }) => {
    const view = await t.container.services.certificates.create(await as(people.employee), { typeCode, fields });
    await settle();
    return view;
  };
  const inject = (method: 'PATCH' | 'POST' | 'GET', url: string, token: string, payload?: Buffer | string, contentType?: string) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) }, ...(payload !== undefined ? { payload } : {}) });

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, telegram: () => telegram.outbound });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.reset();
    clock.set('2026-11-30T09:00:00.000Z');
    telegram.clear();
    await t.container.services.catalogue.seed();
    people = await seedCertificatePeople(t);
  });

  describe('catalogue (scope admin)', () => {
    it('is seeded with the usual certificates, in order, and only admins manage it', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/catalogue', token: t.tokens.admin });
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((i: { code: string }) => i.code)).toEqual(['EMPLOYMENT', 'NDFL_2', 'VISA', 'EARNINGS', 'VACATION_BALANCE', 'WORK_RECORD', 'LEAVE']);
      expect(res.json().items[0]).toMatchObject({ name: { ru: 'Справка с места работы', en: 'Employment certificate' }, instant: 'EMPLOYMENT', active: true });
      for (const token of [t.tokens.hr, t.tokens.import]) {
        const refused = await t.request({ method: 'GET', url: '/api/v1/catalogue', token });
        expect(refused.statusCode).toBe(403);
        expect(refused.json().code).toBe('INSUFFICIENT_SCOPE');
      }
    });

    it('adds, renames in either language, switches off, reorders and edits fields; seeding again overwrites nothing', async () => {
      const added = await t.request({
        method: 'POST', url: '/api/v1/catalogue', token: t.tokens.admin,
        body: { code: 'SOCIAL_FUND', name: { ru: 'Справка для Соцфонда', en: 'Social Fund certificate' }, fields: [{ key: 'copies', kind: 'copies', max: 3, label: { ru: 'Экземпляров', en: 'Copies' }, extra: 'dropped' }] },
      });
      expect(added.statusCode).toBe(201);
      expect(added.json()).toMatchObject({ code: 'SOCIAL_FUND', instant: null, leave: false, position: 80, fields: [{ key: 'copies', kind: 'copies', max: 3, label: { ru: 'Экземпляров', en: 'Copies' } }] });
      expect(added.json().fields[0]).not.toHaveProperty('extra');
      expect((await t.request({ method: 'POST', url: '/api/v1/catalogue', token: t.tokens.admin, body: { code: 'SOCIAL_FUND', name: { ru: 'x', en: 'x' }, fields: [] } })).statusCode).toBe(409);

      const renamed = await inject('PATCH', '/api/v1/catalogue/EMPLOYMENT', t.tokens.admin, JSON.stringify({ name: { ru: 'Справка с места работы (для банка)' } }), 'application/json');
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json().name).toEqual({ ru: 'Справка с места работы (для банка)', en: 'Employment certificate' });
      expect((await inject('PATCH', '/api/v1/catalogue/VISA', t.tokens.admin, JSON.stringify({ active: false }), 'application/json')).json().active).toBe(false);

      const badFields = await inject('PATCH', '/api/v1/catalogue/NDFL_2', t.tokens.admin, JSON.stringify({ fields: [
        { key: 'year', kind: 'year', yearsBack: 3, label: { ru: 'Год', en: 'Year' } },
        { key: 'year', kind: 'copies', max: 2, label: { ru: 'Копии', en: 'Copies' } },
      ] }), 'application/json');
      expect(badFields.statusCode).toBe(422);
      expect(badFields.json()).toEqual({ code: 'CATALOGUE_FIELD_DUPLICATE_KEY', message: 'fields[1].key: такой ключ уже есть у другого поля.' });
      const leaveWithoutDates = await inject('PATCH', '/api/v1/catalogue/LEAVE', t.tokens.admin, JSON.stringify({ fields: [{ key: 'leave_type', kind: 'leave_type', label: { ru: 'Вид', en: 'Kind' } }] }), 'application/json');
      expect(leaveWithoutDates.json().code).toBe('CATALOGUE_LEAVE_FIELDS');
      const unknownKind = await inject('PATCH', '/api/v1/catalogue/NDFL_2', t.tokens.admin, JSON.stringify({ fields: [{ key: 'x', kind: 'signature', label: { ru: 'a', en: 'b' } }] }), 'application/json');
      expect(unknownKind.statusCode).toBe(400);
      const newFields = await inject('PATCH', '/api/v1/catalogue/NDFL_2', t.tokens.admin, JSON.stringify({ fields: [{ key: 'year', kind: 'year', yearsBack: 3, label: { ru: 'Год', en: 'Year' } }] }), 'application/json');
      expect(newFields.statusCode).toBe(200);

      const reordered = await t.request({ method: 'PUT', url: '/api/v1/catalogue/order', token: t.tokens.admin, body: { codes: ['SOCIAL_FUND', 'NDFL_2'] } });
      expect(reordered.statusCode).toBe(200);
      expect(reordered.json().items.map((i: { code: string }) => i.code)).toEqual(['SOCIAL_FUND', 'NDFL_2', 'EMPLOYMENT', 'VISA', 'EARNINGS', 'VACATION_BALANCE', 'WORK_RECORD', 'LEAVE']);

      // What employees may order: switched-off types are gone; the new fields apply.
      expect((await t.container.services.catalogue.available()).map((c) => c.code)).toEqual(['SOCIAL_FUND', 'NDFL_2', 'EMPLOYMENT', 'EARNINGS', 'VACATION_BALANCE', 'WORK_RECORD', 'LEAVE']);
      const me = await as(people.employee);
      expect((await t.container.services.certificates.create(me, { typeCode: 'NDFL_2', fields: { year: 2023 } })).paperCopies).toBe(0);
      await expect(t.container.services.certificates.create(me, { typeCode: 'VISA', fields: {} })).rejects.toMatchObject({ code: 'CERTIFICATE_TYPE_NOT_FOUND' });

      // A later start seeds again: HR's edits stay.
      expect(await t.container.services.catalogue.seed()).toBe(0);
      const after = (await t.request({ method: 'GET', url: '/api/v1/catalogue', token: t.tokens.admin })).json().items as { code: string; name: { ru: string }; active: boolean }[];
      expect(after.find((i) => i.code === 'EMPLOYMENT')!.name.ru).toBe('Справка с места работы (для банка)');
      expect(after.find((i) => i.code === 'VISA')!.active).toBe(false);
      expect(await t.testDb.database.prisma.auditLog.count({ where: { action: { startsWith: 'catalogue.' }, actorType: 'API_TOKEN' } })).toBe(5);
    });
  });

  describe('the HR queue (scope hr)', () => {
    it('lists and filters requests, takes one, completes it with a multipart upload; the employee receives that very file', async () => {
      const ndfl = await order();
      await order('WORK_RECORD', { copies: 2 });
      // Electronic only: never in HR's queue.
      await order('EMPLOYMENT', { purpose: 'any', with_salary: false, copies: 0 });

      const listed = await t.request({ method: 'GET', url: '/api/v1/hr/requests?status=NEW', token: t.tokens.hr });
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toMatchObject({ total: 2, page: 1, pageSize: 50 });
      expect(listed.json().items.map((i: { number: string }) => i.number)).toEqual(['С-000001', 'С-000002']);
      expect(listed.json().items[0]).toMatchObject({ type: { code: 'NDFL_2', name: 'Справка о доходах (2-НДФЛ)' }, employee: { employeeId: 'emp-1', fullName: 'Щербакова Алёна Юрьевна' }, answers: [{ key: 'year', label: 'За какой год', value: '2025' }, expect.anything()], deadlineOn: '2026-12-03', overdue: false });
      const english = await t.request({ method: 'GET', url: '/api/v1/hr/requests?type=NDFL_2', token: t.tokens.hr, headers: { 'accept-language': 'en' } });
      expect(english.json().items.map((i: { type: { name: string }; answers: { label: string }[] }) => [i.type.name, i.answers[0]!.label])).toEqual([['Income statement (2-NDFL)', 'For which year']]);
      expect((await t.request({ method: 'GET', url: '/api/v1/hr/requests?employeeId=emp-3', token: t.tokens.hr })).json().total).toBe(0);
      expect((await t.request({ method: 'GET', url: '/api/v1/hr/requests?pageSize=1&page=2', token: t.tokens.hr })).json().items.map((i: { number: string }) => i.number)).toEqual(['С-000002']);

      const taken = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${encodeURIComponent(ndfl.number)}/take`, token: t.tokens.hr });
      expect(taken.statusCode).toBe(200);
      expect(taken.json()).toMatchObject({ status: 'IN_PROGRESS', assignee: { apiToken: true } });
      const replay = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${ndfl.id}/take`, token: t.tokens.hr });
      expect(replay.statusCode).toBe(409);
      expect(replay.json()).toEqual({ code: 'CERTIFICATE_ALREADY_TAKEN', message: 'Заявку С-000001 уже взяли в работу.' });

      const upload = multipart(SCAN, '2-НДФЛ за 2025.pdf');
      const done = await inject('POST', `/api/v1/hr/requests/1/document`, t.tokens.hr, upload.body, upload.contentType);
      expect(done.statusCode).toBe(200);
      expect(done.json()).toMatchObject({ status: 'DONE', resolution: 'DOCUMENT', document: { fileName: '2-НДФЛ за 2025.pdf', mimeType: 'application/pdf', size: SCAN.length } });
      await settle();

      const [delivered] = telegram.to(CHAT.employee).filter((c) => c.method === 'sendDocument' && c.text?.includes('С-000001'));
      expect(delivered!.document!.data.equals(SCAN)).toBe(true);
      const download = await inject('GET', `/api/v1/hr/requests/${ndfl.id}/document`, t.tokens.hr);
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toBe('application/pdf');
      expect(download.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('2-НДФЛ за 2025.pdf')}`);
      expect(download.rawPayload.equals(SCAN)).toBe(true);
      // The card in the HR chat shows it was done through the API.
      expect(telegram.to(HR_CHAT).at(-1)!.text).toContain('Взял(а): через API');
      const trail = await t.testDb.database.prisma.auditLog.findMany({ where: { entityId: ndfl.id }, orderBy: { id: 'asc' }, select: { action: true, actorType: true } });
      expect(trail.map((a) => `${a.action}:${a.actorType}`)).toEqual(['certificate.request:EMPLOYEE', 'certificate.take:API_TOKEN', 'certificate.complete:API_TOKEN']);
    });

    it('takes a document as base64 JSON too, and refuses what is not a PDF, JPEG or PNG, changing nothing', async () => {
      const request = await order();
      await t.request({ method: 'POST', url: `/api/v1/hr/requests/${request.id}/take`, token: t.tokens.hr });
      const text = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${request.id}/document`, token: t.tokens.hr, body: { fileName: 'notes.txt', contentBase64: Buffer.from('just text').toString('base64') } });
      expect(text.statusCode).toBe(422);
      expect(text.json().code).toBe('DOCUMENT_TYPE_UNSUPPORTED');
      const broken = await inject('POST', `/api/v1/hr/requests/${request.id}/document`, t.tokens.hr, Buffer.from('--x\r\nnonsense'), 'multipart/form-data; boundary=x');
      expect(broken.statusCode).toBe(422);
      expect(broken.json().code).toBe('MALFORMED_MULTIPART');
      const noFile = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${request.id}/document`, token: t.tokens.hr, body: { fileName: 'a.pdf' } });
      expect(noFile.statusCode).toBe(400);
      expect((await t.request({ method: 'GET', url: `/api/v1/hr/requests/${request.id}`, token: t.tokens.hr })).json()).toMatchObject({ status: 'IN_PROGRESS', document: null });

      const png = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${request.id}/document`, token: t.tokens.hr, body: { fileName: 'scan.pdf', contentBase64: PNG.toString('base64') } });
      expect(png.statusCode).toBe(200);
      // Named after what it really is.
      expect(png.json().document).toEqual({ fileName: 'scan.png', mimeType: 'image/png', size: PNG.length });
      await settle();
      expect(telegram.to(CHAT.employee).find((c) => c.method === 'sendDocument')!.document!.data.equals(PNG)).toBe(true);
    });

    it('completes as ready for pickup and rejects with a reason; wrong states answer 409', async () => {
      const pickup = await order('WORK_RECORD', { copies: 1 });
      const rejected = await order();
      expect((await t.request({ method: 'POST', url: `/api/v1/hr/requests/${pickup.id}/pickup`, token: t.tokens.hr })).json().code).toBe('CERTIFICATE_NOT_TAKEN');
      await t.request({ method: 'POST', url: `/api/v1/hr/requests/${pickup.id}/take`, token: t.tokens.hr });
      const ready = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${pickup.id}/pickup`, token: t.tokens.hr });
      expect(ready.json()).toMatchObject({ status: 'DONE', resolution: 'PICKUP' });
      expect((await t.request({ method: 'POST', url: `/api/v1/hr/requests/${rejected.id}/reject`, token: t.tokens.hr, body: {} })).statusCode).toBe(400);
      const no = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${rejected.id}/reject`, token: t.tokens.hr, body: { reason: 'Справку за 2025 год выдадим после 1 марта.' } });
      expect(no.json()).toMatchObject({ status: 'REJECTED', rejectionReason: 'Справку за 2025 год выдадим после 1 марта.' });
      const again = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${rejected.id}/reject`, token: t.tokens.hr, body: { reason: 'ещё раз' } });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('CERTIFICATE_CLOSED');
      await settle();
      expect(telegram.to(CHAT.employee).map((c) => c.text)).toEqual([
        expect.stringContaining('взята в работу'),
        expect.stringContaining('документ можно забрать в отделе кадров'),
        expect.stringContaining('Причина: Справку за 2025 год выдадим после 1 марта.'),
      ]);
    });

    it('shows what is overdue', async () => {
      const late = await order();
      clock.set('2026-12-04T09:00:00.000Z');
      const fresh = await order();
      const overdue = await t.request({ method: 'GET', url: '/api/v1/hr/requests?overdue=true', token: t.tokens.hr });
      expect(overdue.json().items.map((i: { number: string; overdue: boolean }) => [i.number, i.overdue])).toEqual([[late.number, true]]);
      const onTime = await t.request({ method: 'GET', url: '/api/v1/hr/requests?overdue=false', token: t.tokens.hr });
      expect(onTime.json().items.map((i: { number: string }) => i.number)).toEqual([fresh.number]);
    });

    it('is for HR only, and an unknown request is 404', async () => {
      const request = await order();
      for (const token of [t.tokens.admin, t.tokens.import]) {
        const res = await t.request({ method: 'POST', url: `/api/v1/hr/requests/${request.id}/take`, token });
        expect(res.statusCode).toBe(403);
      }
      expect((await t.request({ method: 'POST', url: `/api/v1/hr/requests/${request.id}/take`, token: null })).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/v1/hr/requests/С-999999', token: t.tokens.hr })).statusCode).toBe(404);
      expect((await t.request({ method: 'GET', url: '/api/v1/hr/requests/not-a-ref', token: t.tokens.hr })).statusCode).toBe(404);
      expect((await t.request({ method: 'GET', url: `/api/v1/hr/requests/${request.id}`, token: t.tokens.hr })).json().status).toBe('NEW');
    });
  });

  it('documents every route in /docs with its tag and schemas', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const [path, method, tag] of [
      ['/api/v1/catalogue', 'get', 'catalogue'], ['/api/v1/catalogue', 'post', 'catalogue'], ['/api/v1/catalogue/{code}', 'patch', 'catalogue'], ['/api/v1/catalogue/order', 'put', 'catalogue'],
      ['/api/v1/hr/requests', 'get', 'hr'], ['/api/v1/hr/requests/{ref}', 'get', 'hr'], ['/api/v1/hr/requests/{ref}/take', 'post', 'hr'], ['/api/v1/hr/requests/{ref}/document', 'post', 'hr'],
      ['/api/v1/hr/requests/{ref}/document', 'get', 'hr'], ['/api/v1/hr/requests/{ref}/pickup', 'post', 'hr'], ['/api/v1/hr/requests/{ref}/reject', 'post', 'hr'],
      ['/api/v1/calendar', 'get', 'calendar'], ['/api/v1/calendar/{year}', 'get', 'calendar'], ['/api/v1/calendar/{year}', 'put', 'calendar'],
    ] as const) {
      expect(spec.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual([tag]);
    }
    expect(Object.keys(spec.paths['/api/v1/hr/requests/{ref}/document'].post.requestBody.content).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(spec.paths['/api/v1/hr/requests/{ref}/document'].post.requestBody.content['multipart/form-data'].schema.properties.file).toMatchObject({ type: 'string', format: 'binary' });
  });
});
