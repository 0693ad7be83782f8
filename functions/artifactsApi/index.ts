/** artifactsApi: HTTP Cloud Function serving artifacts per tenant (docs/design.md, "API"). Configuration is validated at cold start. */
import * as functions from '@google-cloud/functions-framework';
import { createStores } from '../../shared/adapters/stores';
import { PermanentError } from '../../shared/domain/errors';
import { ArtifactsApiConfig, loadConfig } from '../../shared/platform/config';
import { createLogger } from '../../shared/platform/log';
import { outsideRequestDomain } from '../../shared/platform/request-domain';
import { createApi } from './app';
import { createAuthenticator } from './auth';
import { createCorsPolicy, parseCorsOrigins } from './cors';
import { createCursorCodec } from './cursor';

const config = loadConfig(ArtifactsApiConfig, process.env, 'artifactsApi configuration');
const stores = createStores(config);
if (config.VISUAL_URL_MODE === 'signed' && !stores.blobs.signedReadUrl) {
  throw new PermanentError('INVALID_CONFIG', 'VISUAL_URL_MODE=signed needs a blob store that signs URLs');
}

functions.http(
  'artifactsApi',
  // Outside the framework's per-request domain (request-domain.ts): ~10% of the API's CPU went to entering
  // and leaving it (bench:profile reads).
  outsideRequestDomain(
    createApi({
      ...stores,
      authenticate: createAuthenticator({
        jwtSecret: config.SUPABASE_JWT_SECRET,
        jwksUrl: config.AUTH_JWKS_URL,
        tenantClaim: config.TENANT_CLAIM,
        audience: config.AUTH_AUDIENCE,
        issuer: config.AUTH_ISSUER,
      }),
      cursors: createCursorCodec(config.SUPABASE_SERVICE_ROLE_KEY),
      cors: createCorsPolicy(parseCorsOrigins(config.CORS_ORIGINS)),
      visuals: { mode: config.VISUAL_URL_MODE, signedUrlTtlSeconds: config.SIGNED_URL_TTL_SECONDS },
      log: createLogger({ function: 'artifactsApi' }),
    }),
  ),
);
