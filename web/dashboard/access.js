// What the signed-in member of staff may do with a conversation, as the
// server decides it (internal/chat/rules.go: CanRead, CanClaim, CanAssign,
// CanAudit), so the dashboard offers only what will be allowed: a counsellor
// reads the conversations waiting for a counsellor and their own, a
// supervisor every one (and their reading of one not theirs is audited).

/** waitingForCounsellor: active and nobody has claimed it. */
export function waitingForCounsellor(c) {
  return c.status === 'active' && !c.assignee;
}

/** isMine: the conversation is assigned to me. */
export function isMine(me, c) {
  return !!me && !!c.assignee && c.assignee === me.userId;
}

/**
 * answers: the conversations this person looks after, waiting ones and
 * their own: they answer in them and mark them read, and the queue shows
 * their unread counts and alerts for them only (the others are colleagues'
 * and listed after them).
 */
export function answers(me, c) {
  return waitingForCounsellor(c) || isMine(me, c);
}

/**
 * queueReads: the queue reads this conversation's newest messages, for its
 * preview and waiting time. Only where reading is not recorded: a
 * supervisor's reading of a conversation not theirs is a view in the audit
 * trail, and a view is theirs to choose (by opening it), so their queue
 * reads their own only.
 */
export function queueReads(me, c) {
  return isMine(me, c) || (!!me && !me.supervisor && waitingForCounsellor(c));
}

/** canRead: the server gives me this conversation's messages (CanRead). */
export function canRead(me, c) {
  return !!me && (!!me.supervisor || answers(me, c));
}

/**
 * oversees: a supervisor reading a conversation not assigned to them; the
 * server records each such reading in the audit trail.
 */
export function oversees(me, c) {
  return !!me && !!me.supervisor && !isMine(me, c);
}

/**
 * observes: a supervisor looking at a colleague's conversation (or one
 * closed before anyone claimed it): they read it, but do not answer in it
 * or mark it read; assigning it to themselves makes it theirs.
 */
export function observes(me, c) {
  return canRead(me, c) && !answers(me, c);
}

/**
 * canPost: staff reply only in an active conversation assigned to them
 * (CanPost): a waiting one is claimed first, a colleague's is theirs.
 */
export function canPost(me, c) {
  return c.status === 'active' && isMine(me, c);
}

/** canClaim: claiming is offered on a conversation waiting for a counsellor (CanClaim). */
export function canClaim(me, c) {
  return !!me && waitingForCounsellor(c);
}

/** canAssign: only a supervisor assigns, and only an active conversation (CanAssign). */
export function canAssign(me, c) {
  return !!me && !!me.supervisor && c.status === 'active';
}

/** canAudit: only supervisors read the audit trail (CanAudit). */
export function canAudit(me) {
  return !!me && !!me.supervisor;
}

/** canClose: whoever may read an active conversation may close it (Close). */
export function canClose(me, c) {
  return canRead(me, c) && c.status === 'active';
}

/**
 * canSetRisk: staff who may read an active conversation set its
 * safeguarding level by hand (PUT /conversations/{id}/risk; a closed one is
 * refused).
 */
export function canSetRisk(me, c) {
  return canRead(me, c) && c.status === 'active';
}
