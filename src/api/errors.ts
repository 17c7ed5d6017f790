/** An error the API answers with: a stable code, an HTTP status and words a person can read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'notFound', `${what} not found`);
export const forbidden = (why: string): ApiError => new ApiError(403, 'forbidden', why);
export const invalid = (message: string, field?: string): ApiError => new ApiError(400, 'invalidRequest', message, field);
