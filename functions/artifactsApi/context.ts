/** What every route handler gets: its validated inputs' sources, the caller, and the API's collaborators. */
import type { BlobStore } from '../../shared/adapters/blob-store';
import type { EventPublisher } from '../../shared/adapters/event-publisher';
import type { MetadataStore } from '../../shared/adapters/metadata-store';
import type { Logger } from '../../shared/platform/log';
import type { Authenticator } from './auth';
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
  /** Where artifact.deleted and alias.moved go (after the fact). */
  events?: EventPublisher;
  authenticate: Authenticator;
  cursors: CursorCodec;
  cors: CorsPolicy;
  visuals: VisualDelivery;
  log: Logger;
}
