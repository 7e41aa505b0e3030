// The dashboard's calls to its JSON API (/api/v1, described by /api/v1/openapi.json). The session
// cookie is HttpOnly: this code never sees it, the browser sends it with each same-origin call.

/** A failed call: the HTTP status and the API's error document. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error && error.message ? error.message : `HTTP ${status}`);
    this.status = status;
    this.reason = error ? error.reason : '';
  }
}

async function call(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) {
    return null;
  }
  const document = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, document && document.error);
  }
  return document;
}

/** Trades a token from `meshwork dashboard` for a session cookie. */
export const signIn = (token) => call('POST', '/api/v1/session', { token });
/** Who the session is. */
export const session = () => call('GET', '/api/v1/session');
/** Ends the session. */
export const signOut = () => call('DELETE', '/api/v1/session');
/** The caller's latest jobs (every job for an operator). */
export const jobs = () => call('GET', '/api/v1/jobs');
/** One job with its chunks and placements. */
export const job = (id) => call('GET', `/api/v1/jobs/${encodeURIComponent(id)}`);
/** The executors (operators only). */
export const executors = () => call('GET', '/api/v1/executors');
/** The receipt log's latest checkpoint. */
export const log = () => call('GET', '/api/v1/log');
