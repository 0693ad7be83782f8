import { create, type Domain } from 'node:domain';
import { describe, expect, it } from 'vitest';
import { outsideRequestDomain } from '../../shared/platform/request-domain';

const current = () => (process as { domain?: Domain | null }).domain ?? null;

/** Runs `fn` as functions-framework runs a handler: inside a fresh domain, from a promise created in it. */
function inRequestDomain<T>(fn: () => Promise<T>): { domain: Domain; result: Promise<T> } {
  const domain = create();
  let result!: Promise<T>;
  domain.run(() => {
    result = Promise.resolve().then(fn);
  });
  return { domain, result };
}

describe('outsideRequestDomain', () => {
  it('runs the handler, its awaits and what it creates outside the request domain', async () => {
    const seen: Array<Domain | null> = [];
    let timer: NodeJS.Timeout | undefined;
    const handler = outsideRequestDomain(async (x: number) => {
      seen.push(current());
      timer = setTimeout(() => {}, 10_000);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(current());
      return x * 2;
    });
    const { domain, result } = inRequestDomain(async () => {
      const value = await handler(21);
      return { value, after: current() };
    });
    const { value, after } = await result;
    clearTimeout(timer);
    expect(value).toBe(42);
    expect(seen).toEqual([null, null]);
    expect((timer as unknown as { domain?: Domain }).domain).toBeUndefined();
    // The framework's own continuation is back in its domain.
    expect(after).toBe(domain);
  });

  it('a rejection reaches the caller in its domain', async () => {
    const handler = outsideRequestDomain(async () => {
      await Promise.resolve();
      throw new Error('refused');
    });
    const { result } = inRequestDomain(() => handler());
    await expect(result).rejects.toThrow('refused');
  });

  it('outside any domain it is the handler itself', async () => {
    expect(current()).toBeNull();
    expect(await outsideRequestDomain(async (a: string, b: string) => a + b)('a', 'b')).toBe('ab');
  });
});
