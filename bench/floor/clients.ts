/**
 * The floor functions' clients: @google-cloud/storage and supabase-js configured as the store configures
 * them (apiEndpoint for the GCS stand-in; service role key; no Realtime transport on Node 20), nothing else.
 */
import { Storage } from '@google-cloud/storage';
import { createClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`floor: ${name} is not set`);
  return value;
}

export const bucket = new Storage({ apiEndpoint: env('GCS_API_ENDPOINT') }).bucket(env('ARTIFACT_BUCKET'));

class NoRealtime {
  constructor() {
    throw new Error('floor: Realtime is not used');
  }
}

export const db = createClient(env('SUPABASE_URL'), env('SUPABASE_SERVICE_ROLE_KEY'), {
  db: { schema: 'bench_floor' },
  auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  realtime: { transport: NoRealtime as unknown as WebSocketLikeConstructor },
});

export const jwtKey = new TextEncoder().encode(env('SUPABASE_JWT_SECRET'));

/** The same create-only upload the store makes (single multipart request, generation precondition). */
export async function upload(name: string, bytes: Buffer, contentType: string): Promise<string> {
  const file = bucket.file(name);
  await file.save(bytes, {
    resumable: false,
    preconditionOpts: { ifGenerationMatch: 0 },
    metadata: { contentType },
  });
  return String(file.metadata.generation);
}
