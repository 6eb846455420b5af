// The embedding service's theme: name, logo, accent colour, welcome line,
// opening hours and crisis numbers, from the stack's config.json ("theme",
// handed to init) and the embed snippet (data- attributes on the script
// tag), the snippet winning. Every value is checked here: a colour that
// text cannot be read on, a logo or link that is not https, a crisis line
// without a label are left out with a console warning.

const WHITE = '#ffffff';
const DARK = '#111827';
/** DEFAULT_ACCENT is the accent when the service sets none (or one that cannot be used). */
export const DEFAULT_ACCENT = '#1d4ed8';

const warn = (what) => console.warn('Confide widget: ' + what);

function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** contrast is the WCAG contrast ratio of two #rrggbb colours. */
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * colours turns an accent (#rgb or #rrggbb) into the colours drawn with
 * it: accent (backgrounds: launcher, primary buttons, own messages), on
 * (text on the accent: white, else near-black, whichever reads at 4.5:1)
 * and ink (the accent as text on white; near-black when the accent is
 * too light for that). An accent no text reads on at 4.5:1, or no colour
 * at all, falls back to the default, with a warning.
 */
export function colours(accent) {
  let c = String(accent || '').trim().toLowerCase();
  if (/^#[0-9a-f]{3}$/.test(c)) c = '#' + [...c.slice(1)].map((x) => x + x).join('');
  if (accent && !/^#[0-9a-f]{6}$/.test(c)) warn('accent ' + JSON.stringify(accent) + ' is not a #rrggbb colour; using the default.');
  else if (accent && contrast(c, WHITE) < 4.5 && contrast(c, DARK) < 4.5) warn('no text reads on accent ' + c + ' (contrast under 4.5:1); using the default.');
  else if (accent) return { accent: c, on: contrast(c, WHITE) >= 4.5 ? WHITE : DARK, ink: contrast(c, WHITE) >= 4.5 ? c : DARK };
  return { accent: DEFAULT_ACCENT, on: WHITE, ink: DEFAULT_ACCENT };
}

/** safeUrl is url when it is https (or of this page's origin), else null with a warning. */
export function safeUrl(url, base = globalThis.location && location.href) {
  try {
    const u = new URL(url, base);
    if (u.protocol === 'https:' || (base && u.origin === new URL(base).origin)) return u.href;
  } catch (err) { /* warned below */ }
  warn('left out ' + JSON.stringify(url) + ': not an https address.');
  return null;
}

/** crisisLines keeps the crisis lines with a label and a number or an https link. */
function crisisLines(list) {
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch (err) {
      warn('data-crisis is not a JSON list.');
      return [];
    }
  }
  const out = [];
  for (const l of Array.isArray(list) ? list : []) {
    const url = l && l.url && safeUrl(l.url);
    if (l && l.label && (l.number || url)) out.push({ label: String(l.label), number: l.number ? String(l.number) : '', url });
    else warn('left out a crisis line without a label and a number or an https link.');
  }
  return out;
}

/**
 * themeOf merges the config's theme and the snippet's (data- attributes:
 * name, logo, accent, welcome, hours, crisis as a JSON list), the snippet
 * winning field by field, and checks every value.
 */
export function themeOf(config, snippet) {
  const t = { ...(config || {}) };
  for (const [k, v] of Object.entries(snippet || {})) if (v) t[k] = v;
  const text = (v) => (typeof v === 'string' && v.trim() ? v.trim() : '');
  return {
    name: text(t.name),
    logo: t.logo ? safeUrl(t.logo) : null,
    welcome: text(t.welcome),
    hours: text(t.hours),
    crisis: crisisLines(t.crisis),
    ...colours(t.accent),
  };
}
