/**
 * The local stack's ports: checked all at once before anything starts, so a busy one is reported up front,
 * naming the component, the variable that moves it and (on Linux, when it can be seen) the process holding it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { LocalStackError } from './stack-error';

export interface PortClaim {
  /** Component name as the banner shows it (artifactsApi, gcs, postgres, ...). */
  component: string;
  port: number;
  /** The environment variable that sets it (ARTIFACTS_API_PORT, ...). */
  envVar: string;
}

/** Whether `port` can be bound on `host` right now (bound and released at once). */
export function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Throws one LocalStackError naming every claim whose port is taken (or claimed twice), e.g.
 * `port 8080 (artifactsApi, ARTIFACTS_API_PORT) is in use by another process (pid 123, python3); free it or
 * set ARTIFACTS_API_PORT`.
 */
export async function checkPorts(claims: PortClaim[], host: string): Promise<void> {
  const problems: string[] = [];
  const seen = new Map<number, PortClaim>();
  for (const claim of claims) {
    if (!Number.isInteger(claim.port) || claim.port < 1 || claim.port > 65535) {
      problems.push(`${claim.envVar}=${claim.port} is not a port number (1-65535); fix ${claim.envVar}`);
      continue;
    }
    const twice = seen.get(claim.port);
    if (twice) {
      problems.push(
        `port ${claim.port} is set for both ${twice.component} (${twice.envVar}) and ${claim.component} (${claim.envVar}); give one another port`,
      );
      continue;
    }
    seen.set(claim.port, claim);
  }
  const busy = await Promise.all(
    [...seen.values()].map(async (claim) => ((await canBind(claim.port, host)) ? undefined : claim)),
  );
  for (const claim of busy) {
    if (!claim) continue;
    const holder = whoListens(claim.port);
    problems.push(
      `port ${claim.port} (${claim.component}, ${claim.envVar}) is in use by another process${holder ? ` (${holder})` : ''}; free it or set ${claim.envVar}`,
    );
  }
  if (problems.length > 0) throw new LocalStackError(problems.join('\n'));
}

/**
 * Best effort, Linux only: `pid N, name` of the process listening on TCP `port` (from /proc/net/tcp{,6} and
 * the processes' socket links we may read), else undefined.
 */
export function whoListens(port: number): string | undefined {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is ADDR:PORT; state 0A is LISTEN; the inode is column 10.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) {
        let name = '';
        try {
          name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {}
        return `pid ${pid}${name ? `, ${name}` : ''}`;
      }
    }
  }
  return undefined;
}
