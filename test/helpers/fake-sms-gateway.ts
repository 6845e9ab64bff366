import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The form fields (urlencoded providers) or the JSON object (the generic gateway). */
  fields: Record<string, unknown>;
}

export type GatewayReply = { status: number; body: unknown } | 'hang-up';

/**
 * An SMS provider on localhost: records every request and answers from a script (then with `fallback`), so tests
 * reach delivery through the same HTTP path as production, with SMS_API_URL pointing here.
 */
export async function startFakeSmsGateway(fallback: GatewayReply = { status: 200, body: {} }) {
  const requests: GatewayRequest[] = [];
  const script: GatewayReply[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const json = (req.headers['content-type'] ?? '').includes('json');
      const fields = json ? (JSON.parse(body || '{}') as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
      requests.push({ path: req.url ?? '', headers: req.headers, body, fields });
      const reply = script.shift() ?? fallback;
      if (reply === 'hang-up') return req.socket.destroy();
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    /** Answers for the next requests, in order. */
    reply: (...replies: GatewayReply[]) => void script.push(...replies),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
