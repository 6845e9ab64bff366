import { createServer, type Server } from 'node:http';

export interface ScriptedCall {
  method: string;
  body: Record<string, unknown>;
  /** When the call arrived (ms since epoch), for spacing between retries. */
  at: number;
}

/**
 * A Bot API server on localhost that answers each method from a script (status and JSON, in order; the last
 * answer repeats), and records every call. For what an emulator cannot do on demand: 429s, 5xx, 403s.
 */
export async function startScriptedBotApi(script: Record<string, { status: number; body: unknown }[]>) {
  const calls: ScriptedCall[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const method = (request.url ?? '').split('/').pop() ?? '';
      calls.push({ method, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, at: Date.now() });
      const answers = script[method] ?? [{ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } }];
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
