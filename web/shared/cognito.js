// Cognito sign-in for Confide's pages (the dashboard, and the widget's demo
// host page): InitiateAuth with the app client over Cognito's JSON API, and
// a Session that refreshes the access token before it expires, so a shift
// goes on without signing in again. Tokens live in memory only.

/** CognitoError is a refusal of Cognito's API. */
export class CognitoError extends Error {
  constructor(type, message) {
    super(message || type);
    this.name = 'CognitoError';
    this.type = type;
  }
}

async function call(endpoint, target, body) {
  let res;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AWSCognitoIdentityProviderService.' + target,
      },
      body: JSON.stringify(body),
      credentials: 'omit',
    });
  } catch (err) {
    throw new CognitoError('NetworkError', 'Cannot reach the sign-in service.');
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const type = String(data.__type || data.code || 'Error').split('#').pop();
    throw new CognitoError(type, data.message || 'Sign-in failed.');
  }
  return data;
}

/** friendlySignInError says what went wrong in words for people. */
export function friendlySignInError(err) {
  switch (err && err.type) {
    case 'NotAuthorizedException':
    case 'InvalidPasswordException':
    case 'UserNotFoundException':
      return 'That username and password do not match.';
    case 'UserNotConfirmedException':
      return 'This account is not confirmed yet.';
    case 'PasswordResetRequiredException':
      return 'This account needs a new password.';
    case 'NetworkError':
      return 'Cannot reach the sign-in service. Check your connection and try again.';
    default:
      return 'Sign-in failed. Please try again.';
  }
}

/**
 * Session holds one person's tokens. getToken() returns a valid access
 * token, refreshing it (REFRESH_TOKEN_AUTH) when it is within a minute of
 * expiry or when asked with { fresh: true } after a 401.
 */
export class Session {
  constructor({ endpoint, clientId, now = () => Date.now() }) {
    this.endpoint = endpoint;
    this.clientId = clientId;
    this.now = now;
    this.access = null;
    this.refresh = null;
    this.expiresAt = 0;
    this.refreshing = null;
  }

  /** signIn signs in with a username and password. */
  async signIn(username, password) {
    const out = await call(this.endpoint, 'InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: this.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
    if (!out.AuthenticationResult) throw new CognitoError(out.ChallengeName || 'Challenge', 'This account needs another sign-in step.');
    this.take(out.AuthenticationResult);
  }

  take(r) {
    this.access = r.AccessToken;
    if (r.RefreshToken) this.refresh = r.RefreshToken;
    this.expiresAt = this.now() + (r.ExpiresIn || 3600) * 1000;
  }

  get signedIn() { return !!this.access; }

  /** getToken returns a current access token, or null when signed out. */
  async getToken({ fresh = false } = {}) {
    if (!this.access) return null;
    if (!fresh && this.now() < this.expiresAt - 60000) return this.access;
    if (!this.refresh) return fresh ? null : this.access;
    if (!this.refreshing) {
      this.refreshing = call(this.endpoint, 'InitiateAuth', {
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: this.clientId,
        AuthParameters: { REFRESH_TOKEN: this.refresh },
      }).then((out) => this.take(out.AuthenticationResult))
        .catch(() => this.signOut())
        .finally(() => { this.refreshing = null; });
    }
    await this.refreshing;
    return this.access;
  }

  /** signOut forgets the tokens. */
  signOut() {
    this.access = null;
    this.refresh = null;
    this.expiresAt = 0;
  }
}
