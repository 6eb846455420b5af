// The deployment's settings as the pages get them (/config.json), the
// server's limits among them, and the one way both clients count a message:
// as the server does. Plain ES module, no dependencies.

/** loadConfig reads the deployment's /config.json next to the pages. */
export async function loadConfig(url = '/config.json') {
  const res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error('config ' + res.status);
  return res.json();
}

/**
 * limitsOf reads the server's limits from a config.json (or from the
 * widget's init options, which carry the same "limits"): messageChars, the
 * longest message in characters, and frameBytes, the largest WebSocket
 * frame. A limit the config does not give is null: the client does not
 * check it, and the server's refusal is shown instead.
 */
export function limitsOf(config) {
  const given = (config && config.limits) || {};
  const limit = (v) => (Number.isInteger(v) && v > 0 ? v : null);
  return { messageChars: limit(given.messageChars), frameBytes: limit(given.frameBytes) };
}

/**
 * charCount counts text as the server counts a message: in Unicode code
 * points (Go runes), not in UTF-16 units as String.length does, so an emoji
 * is one character, not two.
 */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * tooLong says why a message body (already trimmed) cannot be sent under
 * limits, or returns null when it can. Both clients show this text and keep
 * the message in its box: an over-long message is never cut short.
 */
export function tooLong(body, limits) {
  const max = limits && limits.messageChars;
  if (!max) return null;
  const n = charCount(body);
  return n > max ? `Messages can be at most ${max} characters (this one has ${n}).` : null;
}
