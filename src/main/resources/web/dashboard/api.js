// Calls to this server's API with the signed-in token. Errors carry the server's
// {"error": {"code", "message"}} so the page can say precisely what went wrong.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  describe() {
    return this.status ? `${this.message} (${this.status} ${this.code})` : this.message;
  }
}

/** The ApiError of a response that is not ok. */
export async function errorOf(res) {
  let code = 'http_' + res.status;
  let message = res.statusText || 'HTTP ' + res.status;
  try {
    const body = await res.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch (ignored) {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

/**
 * A client for one token. onUnauthorized(error) runs when the server no longer accepts the token
 * (401), so the page can go back to sign-in; the call still fails.
 */
export function createApi(token, onUnauthorized) {
  const headers = (extra) => Object.assign({ Authorization: 'Bearer ' + token }, extra || {});

  async function call(path, method) {
    let res;
    try {
      res = await fetch(path, {
        method: method || 'GET',
        headers: headers({ Accept: 'application/json' }),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'network', 'Vigil did not answer (' + e.message + ')');
    }
    if (res.ok) return res.status === 204 ? null : res.json();
    const err = await errorOf(res);
    if (res.status === 401) onUnauthorized(err);
    throw err;
  }

  return {
    headers,
    get: (path) => call(path, 'GET'),
    post: (path) => call(path, 'POST'),
  };
}

/** GET /v1/me with a token that is not signed in yet: the token's name, role and sites. */
export async function whoAmI(token) {
  let res;
  try {
    res = await fetch('/v1/me', {
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', 'Vigil did not answer: ' + e.message + '. Is the server running?');
  }
  if (!res.ok) throw await errorOf(res);
  return res.json();
}
