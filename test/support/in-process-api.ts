/**
 * artifactsApi in process, over the in-memory stores: createApi() registered with functions-framework and
 * served by its own test server (getTestServer: the real Express app, body parsers included) on a free port.
 * Tokens are HS256 with a test secret. No service is needed: these tests run in the unit project.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createApi } from '../../functions/artifactsApi/app';
import { createAuthenticator } from '../../functions/artifactsApi/auth';
import { createCorsPolicy } from '../../functions/artifactsApi/cors';
import { createCursorCodec } from '../../functions/artifactsApi/cursor';
import { mintJwt } from '../../local/tokens';
import type { EventPublisher } from '../../shared/adapters/event-publisher';
import type { ArtifactEvent } from '../../shared/domain/artifact-events';
import { TransientError } from '../../shared/domain/errors';
import { createLogger } from '../../shared/platform/log';
import { MemoryBlobStore } from './memory/memory-blob-store';
import { MemoryMetadataStore } from './memory/memory-metadata-store';

const SECRET = 'in-process-api-test-secret-of-at-least-32-characters';
export const IN_PROCESS_ORIGIN = 'https://app.example.com';

export interface CallInit {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (`application/json`), unless a string: then as it is, with the given headers. */
  body?: unknown;
}

export interface InProcessApi {
  url: string;
  blobs: MemoryBlobStore;
  metadata: MemoryMetadataStore;
  logs: Array<Record<string, unknown>>;
  user(tenant: string): Promise<string>;
  service(): Promise<string>;
  call(path: string, init?: CallInit): Promise<Response>;
  /** The events the API published, in order; `failEvents` > 0 makes that many publishes fail first. */
  events: ArtifactEvent[];
  failEvents: number;
  close(): Promise<void>;
}

export async function startInProcessApi(): Promise<InProcessApi> {
  const blobs = new MemoryBlobStore('api-bucket');
  const metadata = new MemoryMetadataStore();
  const logs: Array<Record<string, unknown>> = [];
  const events: ArtifactEvent[] = [];
  const name = `artifactsApi-${randomUUID()}`;
  const publisher: EventPublisher = {
    async publish(event) {
      if (api.failEvents > 0) {
        api.failEvents -= 1;
        throw new TransientError('events topic unavailable');
      }
      events.push(event);
    },
  };
  functions.http(
    name,
    createApi({
      blobs,
      metadata,
      events: publisher,
      authenticate: createAuthenticator({ jwtSecret: SECRET, tenantClaim: 'app_metadata.tenant_id' }),
      cursors: createCursorCodec('in-process-cursor-secret'),
      cors: createCorsPolicy([IN_PROCESS_ORIGIN]),
      visuals: { mode: 'proxy', signedUrlTtlSeconds: 300 },
      log: createLogger({}, { sink: (line) => logs.push(JSON.parse(line)), minSeverity: 'DEBUG' }),
    }),
  );
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api: InProcessApi = {
    url,
    blobs,
    metadata,
    logs,
    events,
    failEvents: 0,
    user: (tenant) =>
      mintJwt({ sub: 'in-process', role: 'authenticated', app_metadata: { tenant_id: tenant } }, SECRET, {
        expiresIn: '10m',
      }),
    service: () => mintJwt({ role: 'service_role' }, SECRET, { expiresIn: '10m' }),
    call(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined;
      if (typeof init.body === 'string') body = init.body;
      else if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${url}${path}`, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  return api;
}
