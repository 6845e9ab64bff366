import Type from 'typebox';

export const ErrorResponse = Type.Object(
  { code: Type.String({ description: 'Stable machine-readable code' }), message: Type.String({ description: 'Human-readable, in the Accept-Language language (ru by default)' }) },
  { examples: [{ code: 'INVALID_TOKEN', message: 'API-токен не найден или отозван.' }] },
);

export const errorResponses = (...codes: number[]): Record<number, typeof ErrorResponse> =>
  Object.fromEntries(codes.map((c) => [c, ErrorResponse]));

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'Repeat a request with the same key to get the first response back instead of running it again (kept 72 h). While the first request runs, a repeat answers 409; one that has not answered within the lease (IDEMPOTENCY_LEASE_MINUTES, 10 by default) is presumed dead and a repeat runs' })),
});
