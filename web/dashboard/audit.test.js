// Unit tests of audit.js's range, run by Node's own test runner (make test-web)
// in a time zone east of UTC, where a local day starts the evening before in UTC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRange } from './audit.js';

process.env.TZ = 'Europe/Berlin';

test('local days, both included, as instants', () => {
  assert.deepEqual(auditRange('2026-11-20', '2026-11-26'), { from: '2026-11-19T23:00:00.000Z', to: '2026-11-26T23:00:00.000Z' });
});

test('an open range', () => {
  assert.deepEqual(auditRange('', ''), {});
});
