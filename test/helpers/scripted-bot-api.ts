import { createServer, type Server } from 'node:http';

export interface ScriptedCall {
  method: string;
  body: Record<string, unknown>;
  /** When the call arrived (ms since epoch): spacing between retries, calls per one-second window. */
  at: number;
}

export interface ScriptedAnswer {
  status: number;
  body: unknown;
}

/**
 * Per method: answers in order (the last one repeats), or a function of the call, which may take its time (a
 * Telegram that stalls) — a call whose answer never comes is one Telegram never processed.
 */
export type BotApiScript = Record<string, ScriptedAnswer[] | ((call: ScriptedCall) => ScriptedAnswer | Promise<ScriptedAnswer>)>;

export const okAnswer = (result: unknown): ScriptedAnswer => ({ status: 200, body: { ok: true, result } });

/**
 * A Bot API server on localhost that answers each method from a script and records every call. For what an
 * emulator cannot do on demand: 429s, 5xx, 403s, stalls, documents.
 */
export async function startScriptedBotApi(script: BotApiScript) {
  const calls: ScriptedCall[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const method = (request.url ?? '').split('/').pop() ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        // Multipart (documents): the test only needs to know that it came.
        body = { multipart: true };
      }
      const call = { method, body, at: Date.now() };
      calls.push(call);
      const entry = script[method] ?? [{ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } }];
      const answering = typeof entry === 'function' ? Promise.resolve(entry(call)) : Promise.resolve(entry.length > 1 ? entry.shift()! : entry[0]!);
      void answering.then((answer) => {
        if (response.destroyed) return;
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Calls still waiting for a scripted answer must not hold the close.
        server.closeAllConnections();
      }),
  };
}

/** The largest number of calls that arrived within any one window of `windowMs` (each call opens a window). */
export function busiestWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
