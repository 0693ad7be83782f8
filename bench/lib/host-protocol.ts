/**
 * What a host process (bench/lib/host.ts) tells the benchmark once its system is up: one stdout line,
 * `READY` and this JSON. The benchmark drives the system over HTTP and reads the processes' /proc entries.
 */
export const READY = 'BENCH-HOST-READY';

export interface HostConfig {
  /** `stack`: the checkout's own local stack (ours, or a baseline commit's); `floor`: bench/floor. */
  kind: 'stack' | 'floor';
  /** The checkout whose code runs (its `local/stack.ts` for a stack); also the process's cwd. */
  root: string;
  /** A fresh directory for the system's data (PostgreSQL cluster, bucket files), removed at stop. */
  dataDir: string;
  /** Extra environment for the stack's functions. */
  functionEnv?: Record<string, string>;
}

export interface HostedSystem {
  kind: 'stack' | 'floor';
  projectId: string;
  bucket: string;
  topic: string;
  /** Base URL of the function receiving Pub/Sub pushes at `/projects/{project}/topics/{topic}`. */
  storeUrl: string;
  /** Base URL serving `/api/artifacts`. */
  apiUrl: string;
  gcsUrl: string;
  databaseUrl: string;
  jwtSecret: string;
  /** Function name -> pid of its functions-framework process. */
  functions: Record<string, number>;
  /** The function that receives the store pushes (its RSS is measured). */
  storeFunction: string;
  /** Data directory of the system's own PostgreSQL (its postmaster.pid names the server). */
  postgresDataDir?: string;
  /** Given `$1` (uuid[]), the ids among them whose row is visible. */
  visibleSql: string;
}

export interface HostReady extends HostedSystem {
  /** The host process itself: it runs the stand-ins (PostgREST, GCS and their event delivery). */
  hostPid: number;
  /** The PostgreSQL postmaster, when the system started its own. */
  postgresPid?: number;
}
