// Time for the dashboard: the server's clock as far as the page can tell,
// and how durations are written for people.

/**
 * ServerClock estimates the server's time. Every server timestamp the page
 * sees happened no later than the server's "now", so the local clock is
 * moved forward when the server's timestamps are ahead of it (a browser
 * clock that runs late would otherwise show negative waiting times).
 */
export class ServerClock {
  constructor(local = () => Date.now()) {
    this.local = local;
    this.offset = 0;
  }

  /** observe takes note of a server timestamp (RFC 3339). */
  observe(iso) {
    const t = Date.parse(iso);
    if (!Number.isFinite(t)) return;
    const ahead = t - this.local();
    if (ahead > this.offset) this.offset = ahead;
  }

  /** now returns the estimated server time in milliseconds. */
  now() { return this.local() + this.offset; }

  /** since returns the milliseconds from iso to now, never negative. */
  since(iso) {
    const t = Date.parse(iso);
    return Number.isFinite(t) ? Math.max(0, this.now() - t) : 0;
  }
}

/** waitingText writes how long a client has waited: "waiting 3 min". */
export function waitingText(ms) {
  const min = Math.floor(Math.max(0, ms) / 60000);
  if (min < 1) return 'waiting < 1 min';
  if (min < 60) return `waiting ${min} min`;
  return `waiting ${Math.floor(min / 60)} h ${min % 60} min`;
}

/** formatDuration writes seconds for people ("—" when unknown). */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return rest ? `${Math.floor(s / 60)} min ${rest} s` : `${s / 60} min`;
  }
  const min = Math.floor(s / 60);
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** clockTime writes a timestamp as a local time of day (date too when not today). */
export function clockTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === new Date().toDateString()) return time;
  return d.toLocaleDateString([], { day: 'numeric', month: 'short' }) + ' ' + time;
}

/** dateTime writes a timestamp with its date and seconds (audit trail). */
export function dateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** isoDate writes a Date as YYYY-MM-DD in local time (date inputs). */
export function isoDate(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
