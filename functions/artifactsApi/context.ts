/** What every route handler gets: its validated inputs' sources, the caller, and the API's collaborators. */
import type { Request, Response } from '@google-cloud/functions-framework';
import type { BlobStore } from '../../shared/blob-store';
import type { Logger } from '../../shared/log';
import type { MetadataStore } from '../../shared/metadata-store';
import type { Authenticator, Principal } from './auth';
import type { CursorCodec } from './cursor';

export interface ApiDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  authenticate: Authenticator;
  cursors: CursorCodec;
  log: Logger;
}

export interface RouteContext {
  req: Request;
  res: Response;
  principal: Principal;
  /** Decoded path parameters. */
  params: string[];
  deps: ApiDeps;
  log: Logger;
}
