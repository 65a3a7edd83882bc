import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBodyDto'];
export type Role = Schemas['SessionView']['role'];

const TOKEN_KEY = 'rulecenter.token';

/**
 * The bearer token lives in sessionStorage only: gone when the tab closes, never in a URL,
 * a cookie or a log line.
 */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** The one typed client: paths, parameters and bodies come from the service's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: window.location.origin });

api.use({
  onRequest({ request }) {
    const token = tokenStore.get();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
});

/** A non-2xx answer, with the service's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(Array.isArray(body.message) ? body.message.join('; ') : body.message);
  }

  get lines(): string[] {
    return Array.isArray(this.body.message) ? this.body.message : [this.body.message];
  }
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a 2xx answer, or an ApiError carrying the error body. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const body =
      error && typeof error === 'object' && 'message' in error
        ? (error as ErrorBody)
        : { statusCode: response.status, error: response.statusText, message: response.statusText };
    throw new ApiError(response.status, body);
  }
  return data as T;
}

/** The quoted revision an If-Match header carries. */
export const ifMatch = (revision: number): string => `"${revision}"`;

/**
 * A 400's lines by field: each line starts with the field path it is about
 * (`limit.qps must not be less than 0.001`), which is the name the forms give their inputs.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || error.status !== 400) return {};
  const out: Record<string, string> = {};
  for (const line of error.lines) {
    const field = line.split(' ')[0].replace(/^each value in /, '');
    out[field] = out[field] ? `${out[field]}; ${line}` : line;
  }
  return out;
}
