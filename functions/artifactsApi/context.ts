/** What every route handler gets: its validated inputs' sources, the caller, and the API's collaborators. */
import type { Request, Response } from '@google-cloud/functions-framework';
import type { BlobStore } from '../../shared/blob-store';
import type { Logger } from '../../shared/log';
import type { MetadataStore } from '../../shared/metadata-store';
import type { Authenticator, Principal } from './auth';
import type { CorsPolicy } from './cors';
import type { CursorCodec } from './cursor';

export interface VisualDelivery {
  /** proxy: stream the bytes through the API. signed: 302 to a V4 signed URL of the object. */
  mode: 'proxy' | 'signed';
  signedUrlTtlSeconds: number;
}

export interface ApiDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  authenticate: Authenticator;
  cursors: CursorCodec;
  cors: CorsPolicy;
  visuals: VisualDelivery;
  log: Logger;
}

/** A route that needs no token (the OpenAPI document). */
export interface PublicRouteContext {
  req: Request;
  res: Response;
  /** Decoded path parameters. */
  params: string[];
  deps: ApiDeps;
  log: Logger;
}

export interface RouteContext extends PublicRouteContext {
  principal: Principal;
}
