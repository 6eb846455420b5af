// Unit tests of staff.js, run by Node's own test runner (make test-web).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StaffDirectory, memberName, relearnAfter } from './staff.js';
import { assignOptions } from './assign.js';

/** directoryApi answers GET /staff with what the test puts in staff, counting the calls. */
function directoryApi(staff) {
  const api = { calls: 0, staff: () => { api.calls++; return Promise.resolve({ staff: staff.slice() }); } };
  return api;
}

const sam = { userId: 'sub-sam', username: 'sam', supervisor: false, lastSeenAt: 'x' };
const kai = { userId: 'sub-kai', username: 'kai', displayName: 'Kai L.', supervisor: true, lastSeenAt: 'x' };

test('memberName: the display name, else the username', () => {
  assert.deepEqual([memberName(sam), memberName(kai), memberName({ username: 'u', displayName: '  ' })], ['sam', 'Kai L.', 'u']);
});

describe('StaffDirectory', () => {
  test('names the members it read, and nobody else', async () => {
    const dir = new StaffDirectory({ api: directoryApi([sam, kai]) });
    await dir.load();
    assert.deepEqual([dir.name('sub-sam'), dir.name('sub-kai'), dir.name('sub-new')], ['sam', 'Kai L.', null]);
    assert.deepEqual(dir.members().map((m) => m.userId), ['sub-kai', 'sub-sam']);
  });

  test('learns a colleague who joined since, asking about an unknown id at most once a minute', async () => {
    const staff = [sam];
    const api = directoryApi(staff);
    let now = 0;
    const dir = new StaffDirectory({ api, now: () => now });
    await dir.load();
    assert.equal(await dir.learn(['sub-sam']), false, 'a known member is not asked about');
    assert.equal(api.calls, 1);
    assert.equal(await dir.learn(['sub-nobody']), false);
    assert.equal(api.calls, 2);
    staff.push({ userId: 'sub-new', username: 'new' });
    assert.equal(await dir.learn(['sub-nobody']), false, 'asked again too soon');
    assert.equal(api.calls, 2);
    assert.equal(await dir.learn(['sub-new', 'sub-nobody']), true);
    assert.equal(dir.name('sub-new'), 'new');
    assert.equal(api.calls, 3);
    now += relearnAfter;
    await dir.learn(['sub-nobody']);
    assert.equal(api.calls, 4);
  });

  test('a read still on its way when the shift ends is forgotten', async () => {
    let answer;
    const api = { staff: () => new Promise((resolve) => { answer = resolve; }) };
    const dir = new StaffDirectory({ api });
    const loading = dir.load();
    dir.clear();
    answer({ staff: [sam] });
    await loading;
    assert.equal(dir.name('sub-sam'), null);
  });
});

test('assignOptions: a prompt, then everyone by name, me and the current assignee marked', () => {
  assert.deepEqual(assignOptions([kai, sam, { userId: 'me', username: 'me-name' }], 'me', 'sub-sam'), [
    { value: '', text: 'Choose a colleague…', disabled: false },
    { value: 'sub-kai', text: 'Kai L. (supervisor)', disabled: false },
    { value: 'sub-sam', text: 'sam (assigned now)', disabled: true },
    { value: 'me', text: 'me-name (you)', disabled: false },
  ]);
});
