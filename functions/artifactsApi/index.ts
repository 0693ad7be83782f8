/** artifactsApi: HTTP Cloud Function serving artifacts per tenant (DESIGN 5). Configuration is validated at cold start. */
import * as functions from '@google-cloud/functions-framework';
import { ArtifactsApiConfig, loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/log';
import { createStores } from '../../shared/stores';
import { createApi } from './app';
import { createAuthenticator } from './auth';
import { createCursorCodec } from './cursor';

const config = loadConfig(ArtifactsApiConfig, process.env, 'artifactsApi configuration');

functions.http(
  'artifactsApi',
  createApi({
    ...createStores(config),
    authenticate: createAuthenticator({
      jwtSecret: config.SUPABASE_JWT_SECRET,
      jwksUrl: config.AUTH_JWKS_URL,
      tenantClaim: config.TENANT_CLAIM,
      audience: config.AUTH_AUDIENCE,
      issuer: config.AUTH_ISSUER,
    }),
    cursors: createCursorCodec(config.SUPABASE_SERVICE_ROLE_KEY),
    log: createLogger({ function: 'artifactsApi' }),
  }),
);
