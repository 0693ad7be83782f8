import { afterEach, describe, expect, it, vi } from 'vitest';
import { PermanentError } from '../../shared/domain/errors';
import {
  ArtifactsApiConfig,
  describeVariables,
  FUNCTION_CONFIGS,
  loadConfig,
  PublisherConfig,
  ReconcileArtifactsConfig,
  StoreArtifactConfig,
  SyncArtifactMetadataConfig,
} from '../../shared/platform/config';

const SERVICE_KEY = 'service-role-key-0123456789abcdef';
const SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
const BASE = {
  ARTIFACT_BUCKET: 'local-artifacts',
  SUPABASE_URL: 'http://127.0.0.1:54321',
  SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
};

function configError(fn: () => unknown): PermanentError & { details: { problems: string[] } } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('INVALID_CONFIG');
    return err as PermanentError & { details: { problems: string[] } };
  }
  throw new Error('expected INVALID_CONFIG, nothing was thrown');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadConfig: storeArtifact', () => {
  it('parses a valid environment and applies the defaults', () => {
    const config = loadConfig(StoreArtifactConfig, { ...BASE, PATH: '/usr/bin', HOME: '/root' });
    expect(config).toEqual({
      ...BASE,
      MAX_ARTIFACT_BYTES: 64 * 1024 * 1024,
      MAX_VISUAL_BYTES: 20 * 1024 * 1024,
      MAX_VISUALS: 100,
    });
    expect(config).not.toHaveProperty('PATH');
  });

  it('coerces numeric variables and keeps the optional ones', () => {
    const config = loadConfig(StoreArtifactConfig, {
      ...BASE,
      GOOGLE_CLOUD_PROJECT: 'my-project',
      GCS_API_ENDPOINT: 'http://127.0.0.1:4443',
      MATERIALIZATION_POLICY_FILE: '/etc/policy.json',
      MAX_ARTIFACT_BYTES: '1048576',
      MAX_VISUAL_BYTES: '1024',
      MAX_VISUALS: '5',
    });
    expect(config.MAX_ARTIFACT_BYTES).toBe(1_048_576);
    expect(config.MAX_VISUAL_BYTES).toBe(1024);
    expect(config.MAX_VISUALS).toBe(5);
    expect(config.GOOGLE_CLOUD_PROJECT).toBe('my-project');
    expect(config.GCS_API_ENDPOINT).toBe('http://127.0.0.1:4443');
    expect(config.MATERIALIZATION_POLICY_FILE).toBe('/etc/policy.json');
  });

  it('names every missing variable in one error', () => {
    const err = configError(() => loadConfig(StoreArtifactConfig, {}));
    expect(err.message).toContain('ARTIFACT_BUCKET is required');
    expect(err.message).toContain('SUPABASE_URL is required');
    expect(err.message).toContain('SUPABASE_SERVICE_ROLE_KEY is required');
    expect(err.details.problems).toHaveLength(3);
  });

  it('names every invalid variable in one error, with what is wrong', () => {
    const err = configError(() =>
      loadConfig(StoreArtifactConfig, {
        ARTIFACT_BUCKET: 'Not_A_Bucket!',
        SUPABASE_URL: 'not a url',
        SUPABASE_SERVICE_ROLE_KEY: 'short',
        GCS_API_ENDPOINT: 'ftp://127.0.0.1:4443',
        MAX_VISUALS: 'many',
        MAX_VISUAL_BYTES: '0',
        MAX_ARTIFACT_BYTES: '1.5',
      }),
    );
    for (const name of [
      'ARTIFACT_BUCKET',
      'SUPABASE_URL',
      'SUPABASE_SERVICE_ROLE_KEY',
      'GCS_API_ENDPOINT',
      'MAX_VISUALS',
      'MAX_VISUAL_BYTES',
      'MAX_ARTIFACT_BYTES',
    ]) {
      expect(err.message).toContain(`${name}:`);
    }
    expect(err.message).toContain('ARTIFACT_BUCKET: not a valid bucket name');
    expect(err.message).toContain('SUPABASE_SERVICE_ROLE_KEY: too short to be a service role key');
    expect(err.details.problems).toHaveLength(7);
  });

  it('mixes missing and invalid variables in one error', () => {
    const err = configError(() =>
      loadConfig(StoreArtifactConfig, { ARTIFACT_BUCKET: 'x', SUPABASE_URL: BASE.SUPABASE_URL }),
    );
    expect(err.message).toContain('ARTIFACT_BUCKET:');
    expect(err.message).toContain('SUPABASE_SERVICE_ROLE_KEY is required');
    expect(err.message).not.toContain('SUPABASE_URL');
  });

  it.each(['ab', 'UPPER', '-bucket', 'bucket-', `b${'x'.repeat(63)}`, 'has space'])(
    'refuses the bucket name %j',
    (ARTIFACT_BUCKET) => {
      expect(
        configError(() => loadConfig(StoreArtifactConfig, { ...BASE, ARTIFACT_BUCKET })).message,
      ).toContain('ARTIFACT_BUCKET');
    },
  );

  it.each(['abc', 'my.bucket.example.com', 'a_b-c', `b${'x'.repeat(61)}z`])(
    'accepts the bucket name %j',
    (ARTIFACT_BUCKET) => {
      expect(loadConfig(StoreArtifactConfig, { ...BASE, ARTIFACT_BUCKET }).ARTIFACT_BUCKET).toBe(
        ARTIFACT_BUCKET,
      );
    },
  );

  it('treats empty strings as unset', () => {
    const err = configError(() => loadConfig(StoreArtifactConfig, { ...BASE, ARTIFACT_BUCKET: '' }));
    expect(err.message).toContain('ARTIFACT_BUCKET is required');
    const config = loadConfig(StoreArtifactConfig, {
      ...BASE,
      GCS_API_ENDPOINT: '',
      GOOGLE_CLOUD_PROJECT: '',
      MAX_VISUALS: '',
      MATERIALIZATION_POLICY: '',
    });
    expect(config.GCS_API_ENDPOINT).toBeUndefined();
    expect(config.GOOGLE_CLOUD_PROJECT).toBeUndefined();
    expect(config.MATERIALIZATION_POLICY).toBeUndefined();
    expect(config.MAX_VISUALS).toBe(100);
  });

  it('names the context in the message', () => {
    expect(
      configError(() => loadConfig(StoreArtifactConfig, {}, 'storeArtifact configuration')).message,
    ).toMatch(/^invalid storeArtifact configuration: /);
  });

  it('reads process.env by default', () => {
    vi.stubEnv('ARTIFACT_BUCKET', 'from-process-env');
    vi.stubEnv('SUPABASE_URL', 'https://project.supabase.co');
    vi.stubEnv('SUPABASE_SERVICE_ROLE_KEY', SERVICE_KEY);
    vi.stubEnv('MAX_VISUALS', '7');
    const config = loadConfig(StoreArtifactConfig);
    expect(config.ARTIFACT_BUCKET).toBe('from-process-env');
    expect(config.MAX_VISUALS).toBe(7);
  });
});

describe('loadConfig: artifactsApi', () => {
  it('requires SUPABASE_JWT_SECRET or AUTH_JWKS_URL', () => {
    const err = configError(() => loadConfig(ArtifactsApiConfig, BASE));
    expect(err.message).toContain('SUPABASE_JWT_SECRET');
    expect(err.message).toContain('AUTH_JWKS_URL');
  });

  it('an empty environment names every missing variable, the auth requirement included', () => {
    const err = configError(() => loadConfig(ArtifactsApiConfig, {}));
    expect(err.message).toContain('ARTIFACT_BUCKET is required');
    expect(err.message).toContain('SUPABASE_URL is required');
    expect(err.message).toContain('SUPABASE_SERVICE_ROLE_KEY is required');
    expect(err.message).toMatch(/SUPABASE_JWT_SECRET.*AUTH_JWKS_URL|AUTH_JWKS_URL.*SUPABASE_JWT_SECRET/);
  });

  it('accepts a JWT secret alone, a JWKS URL alone, or both, with the defaults', () => {
    expect(loadConfig(ArtifactsApiConfig, { ...BASE, SUPABASE_JWT_SECRET: SECRET })).toEqual({
      ...BASE,
      SUPABASE_JWT_SECRET: SECRET,
      TENANT_CLAIM: 'app_metadata.tenant_id',
      CORS_ORIGINS: '',
      VISUAL_URL_MODE: 'proxy',
      SIGNED_URL_TTL_SECONDS: 300,
    });
    const jwks = loadConfig(ArtifactsApiConfig, {
      ...BASE,
      AUTH_JWKS_URL: 'https://issuer.example.com/.well-known/jwks.json',
    });
    expect(jwks.AUTH_JWKS_URL).toBe('https://issuer.example.com/.well-known/jwks.json');
    expect(jwks.SUPABASE_JWT_SECRET).toBeUndefined();
    expect(
      loadConfig(ArtifactsApiConfig, {
        ...BASE,
        SUPABASE_JWT_SECRET: SECRET,
        AUTH_JWKS_URL: 'https://x.example/jwks',
      }),
    ).toMatchObject({ SUPABASE_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://x.example/jwks' });
  });

  it('an empty secret counts as unset', () => {
    const err = configError(() =>
      loadConfig(ArtifactsApiConfig, { ...BASE, SUPABASE_JWT_SECRET: '', AUTH_JWKS_URL: '' }),
    );
    expect(err.message).toContain('SUPABASE_JWT_SECRET');
  });

  it('refuses a short secret, a bad JWKS URL, a bad claim path and an unknown URL mode', () => {
    const err = configError(() =>
      loadConfig(ArtifactsApiConfig, {
        ...BASE,
        SUPABASE_JWT_SECRET: 'too-short',
        AUTH_JWKS_URL: 'jwks.json',
        TENANT_CLAIM: 'app_metadata..tenant',
        VISUAL_URL_MODE: 'inline',
        SIGNED_URL_TTL_SECONDS: '-5',
      }),
    );
    expect(err.message).toContain('SUPABASE_JWT_SECRET: must be at least 32 characters');
    for (const name of ['AUTH_JWKS_URL', 'TENANT_CLAIM', 'VISUAL_URL_MODE', 'SIGNED_URL_TTL_SECONDS']) {
      expect(err.message).toContain(`${name}:`);
    }
  });

  it('accepts custom claim paths and options', () => {
    const config = loadConfig(ArtifactsApiConfig, {
      ...BASE,
      SUPABASE_JWT_SECRET: SECRET,
      TENANT_CLAIM: 'tenant',
      VISUAL_URL_MODE: 'signed',
      SIGNED_URL_TTL_SECONDS: '60',
      CORS_ORIGINS: 'https://app.example.com,https://admin.example.com',
      AUTH_AUDIENCE: 'authenticated',
    });
    expect(config).toMatchObject({
      TENANT_CLAIM: 'tenant',
      VISUAL_URL_MODE: 'signed',
      SIGNED_URL_TTL_SECONDS: 60,
      CORS_ORIGINS: 'https://app.example.com,https://admin.example.com',
      AUTH_AUDIENCE: 'authenticated',
    });
    expect(
      loadConfig(ArtifactsApiConfig, { ...BASE, SUPABASE_JWT_SECRET: SECRET, TENANT_CLAIM: 'a.b_c.d1' })
        .TENANT_CLAIM,
    ).toBe('a.b_c.d1');
  });
});

describe('loadConfig: syncArtifactMetadata and the publisher', () => {
  it('sync needs storage and Supabase only', () => {
    expect(loadConfig(SyncArtifactMetadataConfig, BASE)).toEqual(BASE);
    const err = configError(() =>
      loadConfig(SyncArtifactMetadataConfig, { SUPABASE_URL: BASE.SUPABASE_URL }),
    );
    expect(err.details.problems).toEqual([
      'ARTIFACT_BUCKET is required',
      'SUPABASE_SERVICE_ROLE_KEY is required',
    ]);
  });

  it('the publisher needs a project and a bucket; the topic has its default', () => {
    expect(
      loadConfig(PublisherConfig, {
        GOOGLE_CLOUD_PROJECT: 'local-project',
        ARTIFACT_BUCKET: 'local-artifacts',
      }),
    ).toEqual({
      GOOGLE_CLOUD_PROJECT: 'local-project',
      ARTIFACT_BUCKET: 'local-artifacts',
      ARTIFACT_STORE_TOPIC: 'artifact-store-requests',
    });
    const err = configError(() => loadConfig(PublisherConfig, { PUBSUB_EMULATOR_HOST: '127.0.0.1:8085' }));
    expect(err.message).toContain('GOOGLE_CLOUD_PROJECT is required');
    expect(err.message).toContain('ARTIFACT_BUCKET is required');
  });

  it('has one schema per deployed function', () => {
    expect(Object.keys(FUNCTION_CONFIGS).sort()).toEqual([
      'artifactsApi',
      'reconcileArtifacts',
      'storeArtifact',
      'syncArtifactMetadata',
    ]);
    expect(FUNCTION_CONFIGS.storeArtifact).toBe(StoreArtifactConfig);
    expect(FUNCTION_CONFIGS.artifactsApi).toBe(ArtifactsApiConfig);
    expect(FUNCTION_CONFIGS.syncArtifactMetadata).toBe(SyncArtifactMetadataConfig);
    expect(FUNCTION_CONFIGS.reconcileArtifacts).toBe(ReconcileArtifactsConfig);
  });
});

describe('loadConfig: reconcileArtifacts', () => {
  it('needs storage and Supabase; the grace period defaults to 60 minutes', () => {
    expect(loadConfig(ReconcileArtifactsConfig, BASE)).toEqual({ ...BASE, RECONCILE_GRACE_MINUTES: 60 });
    const err = configError(() =>
      loadConfig(ReconcileArtifactsConfig, { ARTIFACT_BUCKET: 'local-artifacts' }),
    );
    expect(err.details.problems).toEqual([
      'SUPABASE_URL is required',
      'SUPABASE_SERVICE_ROLE_KEY is required',
    ]);
  });

  it('coerces the grace period and refuses a negative or fractional one', () => {
    expect(
      loadConfig(ReconcileArtifactsConfig, { ...BASE, RECONCILE_GRACE_MINUTES: '120' })
        .RECONCILE_GRACE_MINUTES,
    ).toBe(120);
    expect(
      loadConfig(ReconcileArtifactsConfig, { ...BASE, RECONCILE_GRACE_MINUTES: '0' }).RECONCILE_GRACE_MINUTES,
    ).toBe(0);
    for (const value of ['-1', '1.5', 'an hour']) {
      expect(
        configError(() => loadConfig(ReconcileArtifactsConfig, { ...BASE, RECONCILE_GRACE_MINUTES: value }))
          .message,
        value,
      ).toContain('RECONCILE_GRACE_MINUTES:');
    }
  });
});

describe('describeVariables', () => {
  it('storeArtifact', () => {
    const { required, optional } = describeVariables(StoreArtifactConfig);
    expect(required.sort()).toEqual(['ARTIFACT_BUCKET', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_URL']);
    expect(optional.sort()).toEqual([
      'ARTIFACT_EVENTS_TOPIC',
      'GCS_API_ENDPOINT',
      'GOOGLE_CLOUD_PROJECT',
      'MATERIALIZATION_POLICY',
      'MATERIALIZATION_POLICY_FILE',
      'MAX_ARTIFACT_BYTES',
      'MAX_VISUALS',
      'MAX_VISUAL_BYTES',
      'PUBSUB_EMULATOR_HOST',
    ]);
  });

  it('artifactsApi (through its refinement)', () => {
    const { required, optional } = describeVariables(ArtifactsApiConfig);
    expect(required.sort()).toEqual(['ARTIFACT_BUCKET', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_URL']);
    expect(optional).toEqual(
      expect.arrayContaining([
        'SUPABASE_JWT_SECRET',
        'AUTH_JWKS_URL',
        'TENANT_CLAIM',
        'VISUAL_URL_MODE',
        'SIGNED_URL_TTL_SECONDS',
        'CORS_ORIGINS',
        'GCS_API_ENDPOINT',
      ]),
    );
    expect(optional).not.toContain('ARTIFACT_BUCKET');
  });

  it('reconcileArtifacts', () => {
    const { required, optional } = describeVariables(ReconcileArtifactsConfig);
    expect(required.sort()).toEqual(['ARTIFACT_BUCKET', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_URL']);
    expect(optional.sort()).toEqual([
      'ARTIFACT_EVENTS_TOPIC',
      'GCS_API_ENDPOINT',
      'GOOGLE_CLOUD_PROJECT',
      'PUBSUB_EMULATOR_HOST',
      'RECONCILE_GRACE_MINUTES',
    ]);
  });

  it('the publisher requires the project', () => {
    const { required, optional } = describeVariables(PublisherConfig);
    expect(required.sort()).toEqual(['ARTIFACT_BUCKET', 'GOOGLE_CLOUD_PROJECT']);
    expect(optional.sort()).toEqual(['ARTIFACT_STORE_TOPIC', 'GCS_API_ENDPOINT', 'PUBSUB_EMULATOR_HOST']);
  });
});
