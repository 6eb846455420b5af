// Words the dashboard shows for protocol values. Colleagues are named from
// the staff directory (staff.js): nameOf(id) is their name, or null when
// the directory does not know them, who are then "a colleague", never an
// id. Clients have no names: they are shown by their conversation's handle
// ("Client · Blue Heron"), a short name the server derives from the
// conversation, never their id.

import { Role } from '../shared/frames.js';

/**
 * shortId is the last 8 characters of an id: the random part of a ULID or
 * a UUID, enough to tell clients and conversations apart (the start of a
 * ULID is its time, the same for everything made in the same second).
 */
export function shortId(id) {
  return String(id || '').slice(-8);
}

/**
 * handleOf is what to call the client of a conversation: its handle (staff
 * views carry one, e.g. "Blue Heron"), else the short form of the
 * conversation's id.
 */
export function handleOf(c) {
  return (c && c.handle) || shortId(c && c.id);
}

/** clientText names the client of a conversation: "Client · Blue Heron". */
export function clientText(c) {
  return 'Client · ' + handleOf(c);
}

/**
 * feedbackText writes a client's feedback for staff: the rating as stars
 * with its number ("★★★★☆ 4 / 5"), a label for screen readers, and the
 * comment ('' when none).
 */
export function feedbackText(f) {
  const n = Math.max(0, Math.min(5, Math.round(Number(f && f.rating) || 0)));
  return {
    rating: '★'.repeat(n) + '☆'.repeat(5 - n) + ` ${n} / 5`,
    ratingLabel: `Rated ${n} out of 5`,
    comment: String((f && f.comment) || '').trim(),
  };
}

/** noNames is a nameOf that knows nobody. */
const noNames = () => null;

/** colleagueName names a member of staff who is not the reader. */
export function colleagueName(id, nameOf = noNames) {
  return nameOf(id) || 'a colleague';
}

/** assigneeText says whom a conversation is assigned to, from the reader's side. */
export function assigneeText(assignee, meId, nameOf = noNames) {
  if (!assignee) return 'Unclaimed';
  if (assignee === meId) return 'Assigned to you';
  return 'Assigned to ' + colleagueName(assignee, nameOf);
}

/**
 * restrictedText explains to a counsellor why a conversation's words are
 * not shown: it is a colleague's, or it closed before anyone claimed it.
 */
export function restrictedText(c, nameOf = noNames) {
  if (!c.assignee) return 'This conversation closed before anyone claimed it; only a supervisor can read it.';
  const name = nameOf(c.assignee);
  return name
    ? `Only ${name} and a supervisor can read this conversation.`
    : 'Only the colleague it is assigned to and a supervisor can read this conversation.';
}

/**
 * reassignedText tells a counsellor who had a conversation open that it is
 * a colleague's now, so its words left the page.
 */
export function reassignedText(c, nameOf = noNames) {
  if (!c.assignee) return restrictedText(c, nameOf);
  const name = nameOf(c.assignee);
  return name
    ? `This conversation is now assigned to ${name}; only ${name} and a supervisor can read it.`
    : 'This conversation is now assigned to a colleague; only they and a supervisor can read it.';
}

/** senderText names the sender of a message shown to the reader. */
export function senderText(m, meId, nameOf = noNames) {
  if (m.senderRole !== Role.Staff) return 'Client';
  if (m.senderId === meId) return 'You';
  return nameOf(m.senderId) || 'A colleague';
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

/**
 * forgetLastMatch lets go of the last string a regular expression matched,
 * which the page keeps for any script to read (RegExp.input): previewText
 * matches message text, so words the page forgot would outlive the rest. A
 * match against nothing replaces it.
 */
export function forgetLastMatch() {
  /^/.test('');
}

/** closedText says how and when a session ended. */
export function closedText(c, meId, nameOf = noNames) {
  let by = '';
  if (c.closedBy === 'system') by = ' automatically after a quiet period';
  else if (c.closedBy === meId) by = ' by you';
  else if (c.closedBy) by = ' by ' + colleagueName(c.closedBy, nameOf);
  return 'This session was closed' + by + '.';
}

/** auditWords are the audit trail's actions in words. */
const auditWords = {
  'conversation.created': 'started by the client',
  'conversation.claimed': 'claimed',
  'conversation.closed': 'closed',
  'conversation.user_deleted': 'deleted by the client from their view',
  'conversation.retention_changed': 'retention changed by the client',
  'conversation.viewed': 'viewed by a supervisor',
  'message.edited': 'message edited',
  'message.deleted': 'message deleted',
  'user.erased': "client's data erased",
  'staff.display_name_set': 'changed the name clients see',
  'conversation.risk_changed': 'risk level changed',
};

/** staffActions are the actions only staff take (others are a client's, or confidectl's). */
const staffActions = new Set(['conversation.claimed', 'conversation.closed', 'conversation.assigned', 'conversation.viewed']);

/** auditStaff lists the members of staff an entry names: its actor (when only staff do that) and, for an assignment, the assignee. */
export function auditStaff(e) {
  const out = [];
  if (staffActions.has(e.action) && e.actor !== 'system') out.push(e.actor);
  if (e.action === 'conversation.assigned' && auditTarget(e).rest) out.push(auditTarget(e).rest);
  return out;
}

/**
 * auditTarget splits an entry's target into its conversation and what
 * follows ("<conversation>/<counsellor>" for an assignment,
 * "<conversation>/<message>" for an edit); user.erased targets a client.
 */
export function auditTarget(e) {
  const [conversation, rest = ''] = String(e.target || '').split('/');
  return { conversation, rest };
}

/** auditActionText is an entry's action in words ("assigned to sam"). */
export function auditActionText(e, meId, nameOf = noNames) {
  if (e.action === 'conversation.assigned') {
    const to = auditTarget(e).rest;
    return 'assigned to ' + (to === meId ? 'you' : colleagueName(to, nameOf));
  }
  return auditWords[e.action] || e.action;
}

/**
 * auditActorText names who did it: you, the system, an administrator
 * (confidectl), a colleague by name, or a client by the short form of
 * their id. A member of staff the directory does not know is "a colleague".
 */
export function auditActorText(e, meId, nameOf = noNames) {
  if (e.actor === meId) return 'you';
  if (e.actor === 'system') return 'system';
  if (e.actor === 'confidectl') return 'an administrator (confidectl)';
  const name = nameOf(e.actor);
  if (name) return name;
  return staffActions.has(e.action) ? 'a colleague' : 'client ' + shortId(e.actor);
}

/**
 * auditConversationId is the conversation an entry is about ('' when none:
 * an erasure names a client, a display name its member of staff).
 */
export function auditConversationId(e) {
  if (e.conversationId) return e.conversationId;
  return /^(conversation|message)\./.test(e.action) ? auditTarget(e).conversation : '';
}

/** auditMessageId is the message of an edit or delete ('' for other entries). */
export function auditMessageId(e) {
  if (e.messageId) return e.messageId;
  return e.action.startsWith('message.') ? auditTarget(e).rest : '';
}

/**
 * auditSubjectText is the entry's conversation by its handle (or the short
 * form of its id), or for an erasure the client, in short.
 */
export function auditSubjectText(e) {
  if (e.action === 'user.erased') return 'client ' + shortId(auditTarget(e).conversation);
  const id = auditConversationId(e);
  return id ? e.handle || shortId(id) : '';
}

/** auditMessageText is the message of an edit or delete, in short ('' for other entries). */
export function auditMessageText(e) {
  return shortId(auditMessageId(e));
}
