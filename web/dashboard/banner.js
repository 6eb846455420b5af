// The urgent banner: while an urgent conversation waits for a counsellor to
// claim it, every member of staff's page says so above the workspace, with
// a button that opens it (the longest urgent first). It goes when the last
// one is claimed, closed or set lower. It names no words, only the client's
// handle ("Blue Heron"). The container is an alert region that stays in the page, so a
// screen reader announces the banner when it appears; it is rebuilt only
// when the conversations it names change, so it is not announced again on
// every redraw of the queue.

import { h } from '../shared/dom.js';
import { handleOf } from './labels.js';

/** urgentBannerText says how many urgent conversations wait ("" for none). */
export function urgentBannerText(rows) {
  if (!rows.length) return '';
  if (rows.length === 1) return `Urgent: client ${handleOf(rows[0].conv)} is waiting for a counsellor to claim their conversation.`;
  return `Urgent: ${rows.length} conversations are waiting for a counsellor to claim them.`;
}

/** UrgentBanner shows the urgent conversations waiting to be claimed. */
export class UrgentBanner {
  /** el: the banner's container (role="alert"); onOpen(id) opens a conversation. */
  constructor({ el, onOpen }) {
    this.el = el;
    this.onOpen = onOpen;
    this.key = '';
  }

  /** render shows rows (Queue.urgentRows: urgent and unclaimed, longest urgent first). */
  render(rows) {
    const key = rows.map((r) => r.conv.id + ':' + r.conv.userId).join(',');
    if (key === this.key) return;
    this.key = key;
    if (!rows.length) {
      this.el.replaceChildren();
      return;
    }
    const first = rows[0].conv;
    this.el.replaceChildren(
      h('p', { className: 'urgent-text' },
        h('span', { className: 'risk-icon', 'aria-hidden': 'true', text: '▲' }), ' ',
        h('span', { id: 'urgent-banner-text', text: urgentBannerText(rows) })),
      h('button', { type: 'button', id: 'urgent-open', onclick: () => this.onOpen(first.id),
        text: rows.length === 1 ? 'Open it' : 'Open the longest waiting' }));
  }
}
