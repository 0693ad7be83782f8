/** One line for any error the CLI ends with, saying what to do when it can tell (store unreachable, ...). */
import { LOCAL } from '../local/defaults';
import { isNetworkError } from '../shared/domain/errors';
import { apiUrl } from './options';

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split('\n')[0]!.trim();
  if (err.name === 'ApiUnreachable') {
    return `${first} (is npm start running? else set ARTIFACTS_API_URL)`;
  }
  if (/^push to .* failed after \d+ attempts$/.test(first)) {
    return `${first}: nothing answers there (is npm start running? else set STORE_FUNCTION_URL, or PUBSUB_EMULATOR_HOST to go through the emulator)`;
  }
  if (isNetworkError(err)) {
    return `${first} (is npm start running? the local stack serves ${apiUrl()} and a GCS stand-in on port ${LOCAL.ports.gcs})`;
  }
  return first;
}
