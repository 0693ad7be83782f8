/**
 * GCS JSON API error bodies: `{error: {code, message, errors: [{message, domain: 'global', reason, ...}]}}`,
 * the shape @google-cloud/storage parses into an ApiError (whose `code` is the HTTP status).
 */

export interface GcsErrorDetail {
  message: string;
  domain: 'global';
  reason: string;
  locationType?: string;
  location?: string;
}

export interface GcsErrorBody {
  error: { code: number; message: string; errors: GcsErrorDetail[] };
}

/** An error that the router turns into a GCS error response. */
export class GcsHttpError extends Error {
  override readonly name = 'GcsHttpError';
  readonly status: number;
  readonly reason: string;
  readonly location: { locationType: string; location: string } | undefined;

  constructor(
    status: number,
    reason: string,
    message: string,
    location?: { locationType: string; location: string },
  ) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.location = location;
  }

  toBody(): GcsErrorBody {
    return {
      error: {
        code: this.status,
        message: this.message,
        errors: [{ message: this.message, domain: 'global', reason: this.reason, ...this.location }],
      },
    };
  }
}

export const noSuchObject = (bucket: string, name: string, generation?: string) =>
  new GcsHttpError(
    404,
    'notFound',
    `No such object: ${bucket}/${name}${generation === undefined ? '' : `#${generation}`}`,
  );

export const noSuchBucket = () => new GcsHttpError(404, 'notFound', 'The specified bucket does not exist.');

/** 412 as GCS sends it for a failed `ifGenerationMatch` / `ifMetagenerationMatch`. */
export const conditionNotMet = () =>
  new GcsHttpError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.', {
    locationType: 'header',
    location: 'If-Match',
  });

export const invalid = (message: string) => new GcsHttpError(400, 'invalid', message);

export const required = (message: string) => new GcsHttpError(400, 'required', message);

export const invalidArgument = (message: string) => new GcsHttpError(400, 'invalidArgument', message);
