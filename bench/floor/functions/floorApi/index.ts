/**
 * The read floor (bench only, never deployed): verifies the bearer token (jose, HS256) for the tenant, then
 * `GET /api/artifacts/{id}[?visuals=inline]`: the row by rpc and the manifest object (and, inline, each
 * visual object put back as base64); `GET /api/artifacts?limit=N`: one rpc call's JSON. No validation,
 * problem documents, cursors, URLs or policy: the SDK calls alone.
 */
import * as functions from '@google-cloud/functions-framework';
import { jwtVerify } from 'jose';
import { bucket, db, jwtKey } from '../../clients';

functions.http('floorApi', async (req, res) => {
  try {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const { payload } = await jwtVerify(token, jwtKey, { algorithms: ['HS256'] });
    const tenant = (payload.app_metadata as { tenant_id?: string } | undefined)?.tenant_id;
    if (!tenant) {
      res.status(401).end();
      return;
    }
    const url = new URL(req.url, 'http://floor');
    const id = /^\/api\/artifacts\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!id) {
      const { data, error } = await db.rpc('list', {
        p_tenant_id: tenant,
        p_limit: Number(url.searchParams.get('limit') ?? 50),
      });
      if (error) throw new Error(error.message);
      res.json({ items: data, next_cursor: null });
      return;
    }
    const { data: row, error } = await db.rpc('get', { p_id: id, p_tenant_id: tenant });
    if (error) throw new Error(error.message);
    if (!row) {
      res.status(404).end();
      return;
    }
    const [bytes] = await bucket.file((row as { file_path: string }).file_path).download();
    const artifact = JSON.parse(bytes.toString('utf8')) as Record<string, Record<string, unknown>>;
    if (url.searchParams.get('visuals') === 'inline') {
      await Promise.all(
        Object.entries(artifact).map(async ([key, visual]) => {
          if (!key.endsWith('_visual') || typeof visual?.storage_path !== 'string') return;
          const [image] = await bucket.file(visual.storage_path).download();
          const { storage_path: _, size: __, ...rest } = visual;
          artifact[key] = { ...rest, image_base64: image.toString('base64') };
        }),
      );
    }
    res.json({ ...(row as object), artifact });
  } catch (err) {
    const status = (err as { code?: string }).code?.startsWith('ERR_JW') ? 401 : 500;
    res.status(status).send(String((err as Error).message));
  }
});
