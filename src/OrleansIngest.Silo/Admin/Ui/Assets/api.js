// The REST API as the UI uses it: same-origin fetch with the session cookie. Mutating calls carry
// X-Requested-With: fetch, which the host requires of cookie-authenticated writes (a cross-site page cannot send it
// without a CORS preflight the host never grants).

/** A refused or failed call, with the server's own words when it gave any (problem details). */
export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

/** Sends the browser to the sign-in page, returning here afterwards. */
export function signIn() {
  const back = `${location.pathname}${location.search}`;
  location.assign(`/signin?returnUrl=${encodeURIComponent(back)}`);
}

const Explanations = {
  401: 'You are not signed in.',
  403: 'Your role does not allow this action; it needs an operator.',
  404: 'Not found.',
  409: 'The job\'s state does not allow this.',
};

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Requested-With'] = 'fetch';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(0, 'The dashboard host cannot be reached', String(error?.message ?? error));
  }

  // An expired session: the API answers 401; a redirect to the sign-in form would arrive as its HTML.
  if (response.status === 401 || (response.redirected && new URL(response.url).pathname === '/signin')) {
    signIn();
    throw new ApiError(401, 'Signed out', Explanations[401]);
  }

  if (!response.ok) {
    let title = `HTTP ${response.status} ${response.statusText}`.trim();
    let detail = '';
    try {
      const problem = await response.json();
      if (problem?.title) title = `${title} — ${problem.title}`;
      detail = problem?.detail ?? '';
    } catch {
      // No problem document (403 has none): the status explains it.
    }
    throw new ApiError(response.status, title, detail || Explanations[response.status] || '');
  }

  return response.status === 204 ? null : response.json();
}

const id = (jobId) => encodeURIComponent(jobId);

export const api = {
  overview: () => request('GET', '/api/overview'),
  jobs: () => request('GET', '/api/jobs'),
  job: (jobId) => request('GET', `/api/jobs/${id(jobId)}`),
  tables: (jobId) => request('GET', `/api/jobs/${id(jobId)}/tables`),
  quarantine: (jobId) => request('GET', `/api/jobs/${id(jobId)}/quarantine`),
  silos: () => request('GET', '/api/silos'),
  evaluations: () => request('GET', '/api/evaluations'),
  throughput: (minutes) => request('GET', `/api/throughput?minutes=${minutes}`),
  act: (jobId, action) => request('POST', `/api/jobs/${id(jobId)}/${action}`),
  retry: (jobId, unitIds) => request('POST', `/api/jobs/${id(jobId)}/quarantine/retry`, unitIds ? { unitIds } : {}),
};
