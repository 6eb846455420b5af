// Unit tests of labels.js, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assigneeText, auditActionText, auditActorText, auditConversationId, auditMessageText, auditStaff, auditSubjectText, clientText, closedText, forgetLastMatch, previewText, reassignedText, restrictedText,
  retentionText, senderText,
} from './labels.js';

const names = { 'sub-sam': 'sam', 'sub-kai': 'Kai (shift lead)' };
const nameOf = (id) => names[id] || null;

describe('previewText', () => {
  test('a deleted message', () => assert.equal(previewText({ senderRole: 'client', deleted: true }), 'Message deleted'));
  test('a counsellor message, on one line', () => assert.equal(previewText({ senderRole: 'staff', body: ' two\n\nlines ' }), 'Counsellor: two lines'));
  test('a long message is cut for the preview', () => assert.equal(previewText({ senderRole: 'client', body: 'x'.repeat(500) }).length, 120));
});

describe('colleagues are named from the directory, never by their id', () => {
  const cases = [
    { name: 'unclaimed', got: () => assigneeText(null, 'me', nameOf), want: 'Unclaimed' },
    { name: 'mine', got: () => assigneeText('me', 'me', nameOf), want: 'Assigned to you' },
    { name: 'a colleague by name', got: () => assigneeText('sub-sam', 'me', nameOf), want: 'Assigned to sam' },
    { name: 'a colleague not in the directory yet', got: () => assigneeText('0123456789abcdef', 'me', nameOf), want: 'Assigned to a colleague' },
    { name: 'closed by a colleague', got: () => closedText({ closedBy: 'sub-kai' }, 'me', nameOf), want: 'This session was closed by Kai (shift lead).' },
    { name: 'closed by the system', got: () => closedText({ closedBy: 'system' }, 'me', nameOf), want: 'This session was closed automatically after a quiet period.' },
    { name: "a colleague's message", got: () => senderText({ senderRole: 'staff', senderId: 'sub-sam' }, 'me', nameOf), want: 'sam' },
    { name: 'my message', got: () => senderText({ senderRole: 'staff', senderId: 'me' }, 'me', nameOf), want: 'You' },
    { name: "the client's message", got: () => senderText({ senderRole: 'client', senderId: 'c' }, 'me', nameOf), want: 'Client' },
    { name: 'an unknown colleague wrote', got: () => senderText({ senderRole: 'staff', senderId: 'x' }, 'me', nameOf), want: 'A colleague' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(c.got(), c.want));
});

describe('restrictedText', () => {
  test("a colleague's", () => assert.equal(restrictedText({ assignee: 'sub-sam' }, nameOf), 'Only sam and a supervisor can read this conversation.'));
  test('assigned away while open', () => assert.equal(reassignedText({ assignee: 'sub-sam' }, nameOf),
    'This conversation is now assigned to sam; only sam and a supervisor can read it.'));
  test('closed before anyone claimed it', () => assert.equal(restrictedText({ assignee: null }, nameOf),
    'This conversation closed before anyone claimed it; only a supervisor can read it.'));
});

test('clientText: the handle, else the short form of the conversation id', () => {
  assert.equal(clientText({ id: '01JCONVERSATION1', handle: 'Blue Heron', userId: 'client-sub-12345678' }), 'Client · Blue Heron');
  assert.equal(clientText({ id: '01JCONVERSATION1', userId: 'client-sub-12345678' }), 'Client · RSATION1');
});

describe('audit entries in words', () => {
  const at = '2026-11-26T10:00:00.000Z';
  const cases = [
    { name: 'a supervisor viewed', e: { action: 'conversation.viewed', actor: 'sub-kai', target: '01JCONVERSATION1' },
      want: ['Kai (shift lead)', 'viewed by a supervisor', 'RSATION1'] },
    { name: 'assigned to a colleague', e: { action: 'conversation.assigned', actor: 'sub-kai', target: '01JCONVERSATION1/sub-sam' },
      want: ['Kai (shift lead)', 'assigned to sam', 'RSATION1'] },
    { name: 'assigned to me', e: { action: 'conversation.assigned', actor: 'sub-kai', target: '01JCONVERSATION1/me' },
      want: ['Kai (shift lead)', 'assigned to you', 'RSATION1'] },
    { name: 'my own claim', e: { action: 'conversation.claimed', actor: 'me', target: '01JCONVERSATION1' },
      want: ['you', 'claimed', 'RSATION1'] },
    { name: 'a client started one', e: { action: 'conversation.created', actor: 'client-sub-12345678', target: '01JCONVERSATION1' },
      want: ['client 12345678', 'started by the client', 'RSATION1'] },
    { name: 'a colleague not in the directory closed one', e: { action: 'conversation.closed', actor: 'unknown-sub', target: '01JCONVERSATION1' },
      want: ['a colleague', 'closed', 'RSATION1'] },
    { name: 'the system closed one', e: { action: 'conversation.closed', actor: 'system', target: '01JCONVERSATION1' },
      want: ['system', 'closed', 'RSATION1'] },
    { name: 'an edit names its conversation', e: { action: 'message.edited', actor: 'client-sub-12345678', target: '01JCONVERSATION1/01JMESSAGE000001' },
      want: ['client 12345678', 'message edited', 'RSATION1'] },
    { name: 'an erasure names its client', e: { action: 'user.erased', actor: 'confidectl', target: 'client-sub-12345678' },
      want: ['an administrator (confidectl)', "client's data erased", 'client 12345678'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const e = { at, ...c.e };
      assert.deepEqual([auditActorText(e, 'me', nameOf), auditActionText(e, 'me', nameOf), auditSubjectText(e)], c.want);
    });
  }
  test('conversation and message apart: the handle, the message of an edit, none for a display name', () => {
    const edit = { action: 'message.edited', actor: 'c', target: '01JCONVERSATION1/01JMESSAGE000001',
      conversationId: '01JCONVERSATION1', messageId: '01JMESSAGE000001', handle: 'Blue Heron' };
    assert.deepEqual([auditConversationId(edit), auditSubjectText(edit), auditMessageText(edit)], ['01JCONVERSATION1', 'Blue Heron', 'GE000001']);
    const older = { action: 'message.deleted', actor: 'c', target: '01JCONVERSATION1/01JMESSAGE000001' };
    assert.deepEqual([auditConversationId(older), auditSubjectText(older), auditMessageText(older)], ['01JCONVERSATION1', 'RSATION1', 'GE000001']);
    const named = { action: 'staff.display_name_set', actor: 'sub-sam', target: 'sub-sam' };
    assert.deepEqual([auditConversationId(named), auditSubjectText(named), auditMessageText(named)], ['', '', '']);
    const assigned = { action: 'conversation.assigned', actor: 'sub-kai', target: '01JCONVERSATION1/sub-sam' };
    assert.equal(auditMessageText(assigned), '');
  });
  test('the staff an entry names, to learn their names', () => {
    assert.deepEqual(auditStaff({ action: 'conversation.assigned', actor: 'sub-kai', target: 'c/sub-new' }), ['sub-kai', 'sub-new']);
    assert.deepEqual(auditStaff({ action: 'conversation.created', actor: 'client-sub', target: 'c' }), []);
    assert.deepEqual(auditStaff({ action: 'conversation.closed', actor: 'system', target: 'c' }), []);
  });
});

test('forgetLastMatch: the words a preview matched are not left in RegExp.input', () => {
  previewText({ senderRole: 'client', body: 'words  to forget' });
  assert.equal(RegExp.input, 'words  to forget');
  forgetLastMatch();
  assert.equal(RegExp.input, '');
});

test('retentionText', () => {
  assert.deepEqual([retentionText('24h'), retentionText('permanent')], ['24-hour: deleted 24 h after each message', 'Kept permanently']);
});
