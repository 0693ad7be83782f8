/** The local PostgREST stand-in (see server.ts for what it does and how it differs from PostgREST). */
export { type PostgrestStandIn, type PostgrestStandInOptions, startPostgrestStandIn } from './server';
