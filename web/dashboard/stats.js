// The stats strip at the top of the dashboard (GET /stats), refreshed on
// the feed's news (throttled) and every 30 seconds.

import { h, setText, show } from '../shared/dom.js';
import { formatDuration, clockTime } from './time.js';
import { feedbackText } from './labels.js';

/** refreshEvery is the periodic refresh (ms). */
const refreshEvery = 30000;
/** throttle is the least time between two refreshes caused by frames (ms). */
const throttle = 2000;

/** statText writes the stats for people; nulls are "—". */
export function statText(s) {
  const n = (v) => (v === null || v === undefined ? '—' : String(v));
  const sat = s.satisfaction || {};
  return {
    active: n(s.activeConversations),
    waiting: n(s.waitingConversations),
    online: n(s.counsellorsOnline),
    firstResponse: formatDuration(s.medianFirstResponseSeconds),
    session: formatDuration(s.medianSessionSeconds),
    satisfaction: sat.average === null || sat.average === undefined
      ? '—'
      : `${Number(sat.average).toFixed(1)} / 5`,
    ratings: sat.count ? `${sat.count} rating${sat.count === 1 ? '' : 's'}` : 'no ratings',
    urgentToClaim: urgentToClaimText(s.urgentToClaim),
    urgentWaiting: n(s.urgentWaiting),
  };
}

/**
 * urgentToClaimText says how long urgent conversations waited for a claim:
 * "median 2 min, 90% within 5 min" ("none yet" before any was urgent), in
 * seconds under a minute and whole minutes above, to fit the strip.
 */
export function urgentToClaimText(u) {
  if (!u || !u.count || u.medianSeconds === null || u.medianSeconds === undefined) return 'none yet';
  return `median ${roughDuration(u.medianSeconds)}, 90% within ${roughDuration(u.p90Seconds)}`;
}

/** roughDuration is formatDuration to the minute from a minute on. */
function roughDuration(seconds) {
  return formatDuration(seconds >= 60 ? Math.round(seconds / 60) * 60 : seconds);
}

/** StatsStrip keeps the stats elements up to date. */
export class StatsStrip {
  /**
   * els: {active, waiting, online, firstResponse, session, satisfaction,
   * ratings, urgentToClaim, urgentWaiting, status}; feedback: {box,
   * summary, list}, the recent feedback comments; onOpenId(id) opens a
   * comment's conversation.
   */
  constructor({ api, els, feedback, onOpenId = () => {} }) {
    this.api = api;
    this.els = els;
    this.feedback = feedback;
    this.onOpenId = onOpenId;
    this.timer = null;
    this.pending = null;
    this.last = 0;
    this.running = false;
  }

  /** start refreshes every 30 s; the first refresh is the caller's (once the feed is open). */
  start() {
    this.running = true;
    this.timer = setInterval(() => this.refresh(), refreshEvery);
  }

  stop() {
    this.running = false;
    clearInterval(this.timer);
    clearTimeout(this.pending);
    this.pending = null;
    for (const e of Object.values(this.els)) setText(e, '');
    if (this.feedback) {
      this.feedback.list.replaceChildren();
      show(this.feedback.box, false);
    }
  }

  /** soon refreshes after a relevant frame, at most once every 2 s. */
  soon() {
    if (!this.running || this.pending) return;
    const wait = Math.max(0, this.last + throttle - Date.now());
    this.pending = setTimeout(() => { this.pending = null; this.refresh(); }, wait);
  }

  async refresh() {
    if (!this.running) return;
    this.last = Date.now();
    let s;
    try {
      s = await this.api.stats();
    } catch (err) {
      if (this.running) setText(this.els.status, 'Stats unavailable: ' + err.message);
      return;
    }
    if (!this.running) return;
    const text = statText(s);
    for (const [k, v] of Object.entries(text)) setText(this.els[k], v);
    setText(this.els.status, '');
    this.renderFeedback(s.recentFeedback || []);
  }

  /**
   * renderFeedback lists the newest feedback comments (those of the
   * conversations the reader may read), folded away under a summary: the
   * strip stays calm; each names its conversation by handle, a link.
   */
  renderFeedback(entries) {
    if (!this.feedback) return;
    const { box, summary, list } = this.feedback;
    show(box, entries.length > 0);
    setText(summary, `Recent feedback comments (${entries.length})`);
    list.replaceChildren(...entries.map((f) => {
      const words = feedbackText(f);
      return h('li', { className: 'feedback-item' },
        h('p', { className: 'feedback-meta' },
          h('span', { className: 'feedback-stars', text: words.rating, 'aria-label': words.ratingLabel }), ' ',
          h('button', { type: 'button', className: 'link-button', dataset: { id: f.conversationId }, onclick: () => this.onOpenId(f.conversationId) },
            'Client · ' + (f.handle || '')), ' ',
          h('time', { className: 'muted', datetime: f.at, text: clockTime(f.at) })),
        h('p', { className: 'feedback-comment', text: words.comment }));
    }));
  }
}
