// The demo host page: signs in with Cognito (the demo accounts) and hands
// the widget the access token, as a site that embeds Confide would.
import { loadConfig } from '../shared/config.js';
import { Session, friendlySignInError } from '../shared/cognito.js';

// The queue snippet of README.md: Confide.init works before widget.js has loaded.
window.Confide = window.Confide || { q: [], init() { this.q.push(['init', arguments]); }, refresh() { this.q.push(['refresh', arguments]); } };

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.has('hostile')) {
  // A host stylesheet that tries hard to break the widget (tests, and people curious).
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: 'hostile.css' }));
}

const cfg = await loadConfig('/config.json');
const session = new Session({ endpoint: cfg.cognitoEndpoint, clientId: cfg.userPoolClientId });

Confide.init({
  apiUrl: cfg.httpApi,
  wsUrl: cfg.websocket,
  limits: cfg.limits,
  theme: cfg.theme, // the stack's theme; the script tag's data- attributes win over it
  getToken: (opts) => session.getToken(opts),
  onSignInRequested: () => $('username').focus(),
  exitUrl: new URL('neutral.html', location.href).href,
});

function showSignedIn(name) {
  $('signin').hidden = !!name;
  $('signedin').hidden = !name;
  $('who').textContent = name || '';
}

$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('signin-error').textContent = '';
  const username = $('username').value.trim();
  try {
    await session.signIn(username, $('password').value);
  } catch (err) {
    $('signin-error').textContent = friendlySignInError(err);
    return;
  }
  $('password').value = '';
  showSignedIn(username);
  Confide.refresh();
});

$('signout').addEventListener('click', () => {
  session.signOut();
  showSignedIn(null);
  Confide.refresh();
});
