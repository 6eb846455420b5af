import test from 'node:test';
import assert from 'node:assert/strict';
import { colours, contrast, themeOf, DEFAULT_ACCENT, safeUrl } from './theme.js';

const quiet = (t) => t.mock.method(console, 'warn', () => {});

test('contrast is the WCAG ratio', () => {
  assert.equal(contrast('#ffffff', '#000000').toFixed(1), '21.0');
  assert.equal(contrast('#777777', '#ffffff').toFixed(2), '4.48');
});

test('colours picks readable text for the accent, or refuses it', (t) => {
  const warned = quiet(t);
  const cases = [
    { name: 'dark accent: white text, ink is the accent', accent: '#0f766e', want: { accent: '#0f766e', on: '#ffffff', ink: '#0f766e' } },
    { name: 'short form', accent: '#06C', want: { accent: '#0066cc', on: '#ffffff', ink: '#0066cc' } },
    { name: 'light accent: dark text, dark ink', accent: '#fcd34d', want: { accent: '#fcd34d', on: '#111827', ink: '#111827' } },
    { name: 'mid grey no text reads on: the default', accent: '#7c7c7c', want: { accent: DEFAULT_ACCENT, on: '#ffffff', ink: DEFAULT_ACCENT }, warns: true },
    { name: 'not a colour: the default', accent: 'red; background: url(x)', want: { accent: DEFAULT_ACCENT, on: '#ffffff', ink: DEFAULT_ACCENT }, warns: true },
    { name: 'none: the default, quietly', accent: '', want: { accent: DEFAULT_ACCENT, on: '#ffffff', ink: DEFAULT_ACCENT } },
  ];
  for (const c of cases) {
    const before = warned.mock.callCount();
    assert.deepEqual(colours(c.accent), c.want, c.name);
    assert.equal(warned.mock.callCount() > before, !!c.warns, c.name + ': warning');
    const got = colours(c.accent);
    assert.ok(contrast(got.accent, got.on) >= 4.5 && contrast(got.ink, '#ffffff') >= 4.5, c.name + ': readable');
  }
});

test('themeOf: the snippet wins field by field, unsafe values are left out', (t) => {
  quiet(t);
  const config = { name: 'Config service', accent: '#1d4ed8', hours: 'Every day 8–22', logo: 'javascript:alert(1)',
    crisis: [{ label: 'Emergency', number: '999' }, { label: 'Bad link', url: 'javascript:alert(1)' }, { number: '1' }] };
  const snippet = { name: 'Snippet service', accent: '#0f766e', welcome: '', crisis: '[{"label":"Web","url":"https://example.org/help"}]' };
  const got = themeOf(config, snippet);
  assert.equal(got.name, 'Snippet service');
  assert.equal(got.accent, '#0f766e');
  assert.equal(got.hours, 'Every day 8–22');
  assert.equal(got.welcome, '');
  assert.equal(got.logo, null);
  assert.deepEqual(got.crisis, [{ label: 'Web', number: '', url: 'https://example.org/help' }]);
  assert.deepEqual(themeOf(config, {}).crisis, [{ label: 'Emergency', number: '999', url: undefined }]);
  assert.deepEqual(themeOf(undefined, undefined).crisis, []);
});

test('safeUrl takes https and the page origin only', (t) => {
  quiet(t);
  assert.equal(safeUrl('https://cdn.example/logo.svg', 'http://localhost:8080/x'), 'https://cdn.example/logo.svg');
  assert.equal(safeUrl('/logo.svg', 'http://localhost:8080/x'), 'http://localhost:8080/logo.svg');
  assert.equal(safeUrl('http://evil.example/l.png', 'http://localhost:8080/x'), null);
  assert.equal(safeUrl('data:image/svg+xml,<svg/>', 'http://localhost:8080/x'), null);
});
