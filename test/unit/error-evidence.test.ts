// Where the failure dump goes in a test's error: the message, and the message's copy inside the
// stack, before the frames (the end-to-end check with real reporters is in test/assert/fixtures.test.ts).
import { expect, test } from 'vitest';
import { appendEvidence } from '../../src/assert/error-evidence.ts';

test('the text follows the message in both places, and the frames stay after it', () => {
  const error = { message: 'expect(received).toHaveCarrier()\n\nExpected: "carrier"', stack: '' };
  error.stack = `Error: ${error.message}\n    at file:///t.test.ts:9:3`;
  appendEvidence(error, '\n\nnslab topology at the failure:\nnamespace ns1:');
  expect(error.message).toBe(
    'expect(received).toHaveCarrier()\n\nExpected: "carrier"\n\nnslab topology at the failure:\nnamespace ns1:',
  );
  expect(error.stack).toBe(`Error: ${error.message}\n    at file:///t.test.ts:9:3`);
});

test('a stack without the message (or no message) gets the text at its end; no stack stays none', () => {
  const rewritten = { message: 'rewritten later', stack: 'Error: the original text\n    at x.js:1:1' };
  appendEvidence(rewritten, '\n\ndump');
  expect(rewritten).toEqual({
    message: 'rewritten later\n\ndump',
    stack: 'Error: the original text\n    at x.js:1:1\n\ndump',
  });

  const empty = { message: '', stack: 'Error\n    at x.js:1:1' };
  appendEvidence(empty, '\n\ndump');
  expect(empty).toEqual({ message: '\n\ndump', stack: 'Error\n    at x.js:1:1\n\ndump' });

  const bare: { message: string; stack?: string } = { message: 'm' };
  appendEvidence(bare, '\n\ndump');
  expect(bare).toEqual({ message: 'm\n\ndump' });
});
