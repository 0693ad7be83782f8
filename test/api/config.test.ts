/** The API's own configuration: CORS origins and signed URL lifetimes are checked at cold start. */
import { describe, expect, it } from 'vitest';
import { parseCorsOrigins } from '../../functions/artifactsApi/cors';
import { ArtifactsApiConfig, loadConfig } from '../../shared/platform/config';
import { normalizeOrigin } from '../../shared/platform/origins';

const base = {
  ARTIFACT_BUCKET: 'artifacts-bucket',
  SUPABASE_URL: 'https://project.supabase.co',
  SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-0123456789',
  SUPABASE_JWT_SECRET: 'a-test-secret-of-at-least-thirty-two-characters',
};
const load = (env: Record<string, string>) => loadConfig(ArtifactsApiConfig, { ...base, ...env });

describe('CORS_ORIGINS', () => {
  it('accepts a list of origins and normalizes them as browsers send Origin', () => {
    const config = load({ CORS_ORIGINS: 'https://App.Example.com:443/, http://localhost:5173 ,' });
    expect(parseCorsOrigins(config.CORS_ORIGINS)).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(parseCorsOrigins(load({}).CORS_ORIGINS)).toEqual([]);
  });

  it.each([
    '*',
    'https://*.example.com',
    'app.example.com',
    'https://app.example.com/path',
    'ftp://x.com',
    'https://u:p@x.com',
  ])('refuses %s at cold start, naming the variable', (value) => {
    expect(() => load({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    expect(normalizeOrigin(value)).toBeNull();
  });
});

describe('signed visual URLs', () => {
  it('default to proxy mode and 300 s; a lifetime beyond 7 days is refused', () => {
    expect(load({})).toMatchObject({ VISUAL_URL_MODE: 'proxy', SIGNED_URL_TTL_SECONDS: 300 });
    expect(load({ VISUAL_URL_MODE: 'signed', SIGNED_URL_TTL_SECONDS: '604800' }).SIGNED_URL_TTL_SECONDS).toBe(
      604800,
    );
    expect(() => load({ SIGNED_URL_TTL_SECONDS: '604801' })).toThrow(/SIGNED_URL_TTL_SECONDS/);
    expect(() => load({ VISUAL_URL_MODE: 'cdn' })).toThrow(/VISUAL_URL_MODE/);
  });
});
