// Words the dashboard shows for protocol values. There is no endpoint for
// staff names, so colleagues and clients are shown by a short form of their
// opaque id.

import { Role } from '../shared/frames.js';

/**
 * shortId is the last 8 characters of an id: the random part of a ULID or
 * a UUID, enough to tell people and conversations apart (the start of a
 * ULID is its time, the same for everything made in the same second).
 */
export function shortId(id) {
  return String(id || '').slice(-8);
}

/** claimText says who has claimed a conversation, from the reader's side. */
export function claimText(assignee, meId) {
  if (!assignee) return 'Unclaimed';
  if (assignee === meId) return 'Claimed by you';
  return 'Claimed by colleague ' + shortId(assignee);
}

/** retentionText is the confidentiality promise of a retention mode. */
export function retentionText(retention) {
  return retention === 'permanent' ? 'Kept permanently' : '24-hour: deleted 24 h after each message';
}

/** previewLength bounds the message text shown in the queue and notifications. */
export const previewLength = 120;

/** previewText is a one-line preview of a message (a tombstone when deleted). */
export function previewText(m) {
  if (!m) return 'No messages yet';
  if (m.deleted) return 'Message deleted';
  const body = String(m.body || '').replace(/\s+/g, ' ').trim();
  const text = body.length > previewLength ? body.slice(0, previewLength - 1) + '…' : body;
  return m.senderRole === Role.Staff ? 'Counsellor: ' + text : text;
}

/** closedText says how and when a session ended. */
export function closedText(c, meId) {
  let by = '';
  if (c.closedBy === 'system') by = ' automatically after a quiet period';
  else if (c.closedBy === meId) by = ' by you';
  else if (c.closedBy) by = ' by colleague ' + shortId(c.closedBy);
  return 'This session was closed' + by + '.';
}
