// Safeguarding triage in the dashboard: the words for a conversation's risk
// level (docs/protocol.md, "Safeguarding triage"), the reason codes staff
// give when they set it by hand, and the one rule of the queue's order.
// Everything here reads a conversation's record only (risk, riskAt,
// riskCategory, waitingSince): ordering or badging the queue never reads a
// message, so a supervisor's queue records no views in the audit trail.

/** Risk levels, as the protocol spells them ('none' is the record without `risk`). */
export const Risk = Object.freeze({ None: 'none', Concern: 'concern', Urgent: 'urgent' });

/** riskRank orders the levels: none 0, concern 1, urgent 2 (unknown is none). */
export function riskRank(level) {
  if (level === Risk.Urgent) return 2;
  if (level === Risk.Concern) return 1;
  return 0;
}

/** riskOf is a conversation's level ('none' when it carries none). */
export function riskOf(c) {
  return c && riskRank(c.risk) > 0 ? c.risk : Risk.None;
}

/** riskLabel is the badge's word for a level ('' for none: no badge). */
export function riskLabel(level) {
  if (level === Risk.Urgent) return 'Urgent';
  if (level === Risk.Concern) return 'Concern';
  return '';
}

/**
 * categoryWords are calm, short labels for the screening rules' categories
 * (internal/triage): why the level was raised, never which words did it.
 */
const categoryWords = {
  intent: 'intent',
  plan: 'plan',
  means: 'means',
  act: 'act in progress',
  ideation: 'thoughts',
  'self-harm': 'self-harm',
  hopelessness: 'hopelessness',
  abuse: 'abuse',
  'third-party': 'about someone else',
};

/**
 * categoryText is a conversation's reason for its level, for staff: the
 * rule's category in plain words, "set by staff" when a member of staff set
 * it (no category), '' for none. A category a service added to its rule
 * files is shown as it is named there.
 */
export function categoryText(c) {
  if (riskOf(c) === Risk.None) return '';
  if (!c.riskCategory) return 'set by staff';
  return categoryWords[c.riskCategory] || String(c.riskCategory);
}

/** urgentWaiting: the conversation is urgent and waits for a counsellor to claim it. */
export function urgentWaiting(c) {
  return !!c && c.status === 'active' && !c.assignee && riskOf(c) === Risk.Urgent;
}

/** urgentWaitText says how long an urgent conversation has waited since it became urgent ("urgent 4 min"). */
export function urgentWaitText(ms) {
  const min = Math.floor(Math.max(0, ms) / 60000);
  if (min < 1) return 'urgent < 1 min';
  if (min < 60) return `urgent ${min} min`;
  return `urgent ${Math.floor(min / 60)} h ${min % 60} min`;
}

/** riskLevels are the choices of the level control, highest first. */
export const riskLevels = [
  { value: Risk.Urgent, text: 'Urgent' },
  { value: Risk.Concern, text: 'Concern' },
  { value: Risk.None, text: 'No risk' },
];

/** riskReasons are the reason codes PUT /conversations/{id}/risk takes, in words. */
export const riskReasons = [
  { value: 'assessed-in-conversation', text: 'Assessed in the conversation' },
  { value: 'disclosed-to-counsellor', text: 'Disclosed to me by the client' },
  { value: 'screening-false-alarm', text: 'Screening false alarm' },
  { value: 'risk-resolved', text: 'Risk resolved' },
  { value: 'safeguarding-referral', text: 'Safeguarding referral made' },
];

/** time is an RFC 3339 timestamp in milliseconds (0 when absent). */
function time(iso) {
  return (iso && Date.parse(iso)) || 0;
}

/**
 * answerOrder is the queue's one order (a comparator of rows {conv,
 * waitingSince, theirs}), the rule GET /queue and the widget's place in the
 * queue follow (chat.QueueOrder), with the dashboard's own first step: the
 * conversations the reader answers (waiting ones and their own) before
 * colleagues' (theirs). Then urgent, then concern, then the rest; within a
 * level the conversations whose client waits first, the longest waiting on
 * top (queuedOf: writing again never costs a client their place), then the
 * others, most recently active first.
 */
export function answerOrder(a, b) {
  if (!!a.theirs !== !!b.theirs) return a.theirs ? 1 : -1;
  const level = riskRank(b.conv.risk) - riskRank(a.conv.risk);
  if (level) return level;
  const wa = queuedOf(a);
  const wb = queuedOf(b);
  if (!!wa !== !!wb) return wa ? -1 : 1;
  if (wa) return time(wa) - time(wb) || (a.conv.id < b.conv.id ? -1 : 1);
  const activity = (r) => time(r.conv.lastMessageAt) || time(r.conv.createdAt);
  return activity(b) - activity(a) || (a.conv.id < b.conv.id ? 1 : -1);
}

/**
 * queuedOf is since when a row has waited in the queue: a conversation
 * without a counsellor since it was opened, one with a counsellor since its
 * client's first unanswered message (waitingOf); null when nobody waits.
 */
export function queuedOf(row) {
  if (row.conv.status === 'active' && !row.conv.assignee) return row.conv.createdAt;
  return waitingOf(row);
}

/**
 * waitingOf is since when a row's client has waited for an answer: the
 * queue's reading of the row's messages when it reads them, else the
 * record's waitingSince; null when nobody waits (or it is closed).
 */
export function waitingOf(row) {
  if (row.conv.status !== 'active') return null;
  return row.waitingSince || row.conv.waitingSince || null;
}
