/**
 * Sits between the GCS stand-in and the sync function, as Eventarc does, so a test can hold object events
 * and deliver them later, twice, or in another order. Passes everything straight through unless held.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { freePort } from '../../local/net';

export interface CapturedEvent {
  headers: Record<string, string>;
  body: Buffer;
  type: string;
  name: string;
}

export interface EventRelay {
  url: string;
  /** Stop forwarding: events are kept in `held` until delivered by the test. */
  hold(): void;
  /** Forward again (held events stay held). */
  release(): void;
  held: CapturedEvent[];
  /** Every event that reached the relay, held or passed through, in arrival order. */
  seen: CapturedEvent[];
  /** Posts one captured event to the target; resolves with the target's status. */
  deliver(event: CapturedEvent): Promise<number>;
  setTarget(url: string): void;
  close(): Promise<void>;
}

function ceHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if ((k.startsWith('ce-') || k === 'content-type') && typeof v === 'string') out[k] = v;
  }
  return out;
}

export async function startEventRelay(): Promise<EventRelay> {
  let target = '';
  let holding = false;
  const held: CapturedEvent[] = [];
  const seen: CapturedEvent[] = [];
  const deliver = async (event: CapturedEvent) => {
    const res = await fetch(target, {
      method: 'POST',
      headers: event.headers,
      body: new Uint8Array(event.body),
    });
    await res.arrayBuffer();
    return res.status;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const headers = ceHeaders(req.headers);
      let name = '';
      try {
        name = String(JSON.parse(body.toString('utf8')).name ?? '');
      } catch {}
      const event: CapturedEvent = { headers, body, type: headers['ce-type'] ?? '', name };
      seen.push(event);
      if (holding) {
        held.push(event);
        res.writeHead(204).end();
        return;
      }
      try {
        res.writeHead(await deliver(event)).end();
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/`,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
    },
    held,
    seen,
    deliver,
    setTarget: (url) => {
      target = url;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
