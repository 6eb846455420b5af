// Unit tests of access.js: the dashboard's copy of the server's rules
// (internal/chat/rules.go), run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { answers, canAssign, canAudit, canClaim, canClose, canRead, observes, oversees, queueReads } from './access.js';

const counsellor = { userId: 'me' };
const supervisor = { userId: 'me', supervisor: true };
const waiting = { status: 'active', assignee: null };
const mine = { status: 'active', assignee: 'me' };
const colleagues = { status: 'active', assignee: 'sam' };
const closedMine = { status: 'closed', assignee: 'me' };
const closedUnclaimed = { status: 'closed', assignee: null };

describe('what a counsellor and a supervisor may do', () => {
  const rules = { canRead, answers, queueReads, oversees, observes, canClaim, canAssign, canClose };
  // Each row: the conversation, then what each rule says for a counsellor and for a supervisor.
  const cases = [
    { name: 'waiting', c: waiting, counsellor: ['canRead', 'answers', 'queueReads', 'canClaim', 'canClose'],
      supervisor: ['canRead', 'answers', 'oversees', 'canClaim', 'canAssign', 'canClose'] },
    { name: 'mine', c: mine, counsellor: ['canRead', 'answers', 'queueReads', 'canClose'],
      supervisor: ['canRead', 'answers', 'queueReads', 'canAssign', 'canClose'] },
    { name: "a colleague's", c: colleagues, counsellor: [], supervisor: ['canRead', 'oversees', 'observes', 'canAssign', 'canClose'] },
    { name: 'mine, closed', c: closedMine, counsellor: ['canRead', 'answers', 'queueReads'], supervisor: ['canRead', 'answers', 'queueReads'] },
    { name: 'closed before anyone claimed it', c: closedUnclaimed, counsellor: [], supervisor: ['canRead', 'oversees', 'observes'] },
  ];
  for (const c of cases) {
    for (const [who, me] of [['counsellor', counsellor], ['supervisor', supervisor]]) {
      test(`${c.name}, for a ${who}`, () => {
        const allowed = Object.entries(rules).filter(([, rule]) => rule(me, c.c)).map(([name]) => name);
        assert.deepEqual(allowed, c[who]);
      });
    }
  }
});

test('the audit trail is for supervisors', () => {
  assert.deepEqual([canAudit(counsellor), canAudit(supervisor), canAudit(null)], [false, true, false]);
});
