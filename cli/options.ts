/** The CLI's parsed options and the settings every command shares (local stack defaults, env overrides). */
import { LOCAL } from '../local/defaults';

export type Options = Record<string, string | boolean | string[] | undefined>;

export const env = process.env;

export const str = (options: Options, name: string): string | undefined => {
  const v = options[name];
  return typeof v === 'string' ? v : undefined;
};

/** A repeatable option's values (none: empty). */
export const strings = (options: Options, name: string): string[] => {
  const v = options[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
};

export const apiUrl = () =>
  (env.ARTIFACTS_API_URL || `http://${LOCAL.host}:${LOCAL.ports.artifactsApi}`).replace(/\/$/, '');

export const storeUrl = () => env.STORE_FUNCTION_URL || `http://${LOCAL.host}:${LOCAL.ports.storeArtifact}`;

/** pubsub with an emulator or when asked; else a direct push to the store function. */
export const transportMode = (): 'pubsub' | 'push' =>
  (env.ARTIFACT_STORE_TRANSPORT || (env.PUBSUB_EMULATOR_HOST ? 'pubsub' : 'push')) === 'pubsub'
    ? 'pubsub'
    : 'push';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/;

/**
 * Whether the publish goes to the local stack (the emulator, or a store function on this machine): only then
 * does the CLI know the policy the store function applies.
 */
export function targetsLocalStack(): boolean {
  if (transportMode() === 'pubsub') return Boolean(env.PUBSUB_EMULATOR_HOST);
  try {
    return LOOPBACK.test(new URL(storeUrl()).hostname);
  } catch {
    return false;
  }
}
