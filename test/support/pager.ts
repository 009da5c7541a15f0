import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Ops' pager on loopback: the endpoint `COLIS_ESCALATION_WEBHOOK_URL` names, so escalation alerts run their real HTTP
 * call. Every page is kept; it is answered 204 at once unless `hold` says to keep it waiting (a test then holds the
 * workflow inside its notify activity), until `release`.
 */
export interface Page {
  key: string | undefined;
  body: { escalationId: string; summary: string };
}

export interface Pager {
  url: string;
  pages: Page[];
  /** Pages kept unanswered, as long as `hold` returns true for them. */
  hold: (page: Page) => boolean;
  readonly held: number;
  /** Answers every held page and holds no more. */
  release(): void;
  close(): Promise<void>;
}

export async function startPager(): Promise<Pager> {
  const held: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const page: Page = { key: request.headers['idempotency-key'] as string | undefined, body: JSON.parse(body) as Page['body'] };
      pager.pages.push(page);
      if (pager.hold(page)) held.push(response);
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const pager: Pager = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/page`,
    pages: [],
    hold: () => false,
    get held() {
      return held.length;
    },
    release() {
      pager.hold = () => false;
      for (const response of held.splice(0)) response.writeHead(204).end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        pager.release();
        server.close(() => resolve());
      }),
  };
  return pager;
}
