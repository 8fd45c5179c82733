// The reaper's list of process groups, kept by the shell that runs it in production (/bin/sh,
// dash on Debian), with its final kill swapped for an echo of what it would kill.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { expect, test } from 'vitest';
import { reaperScript } from '../../src/handle/reaper.ts';

/** The groups a reaper started with these groups would kill after reading these lines, in list order. */
const wouldKill = (lines: readonly string[], startedWith: readonly string[] = []): string[] =>
  execFileSync('sh', ['-c', reaperScript('echo $groups'), 'nslab-reaper', ...startedWith], {
    input: lines.map((l) => `${l}\n`).join(''),
    encoding: 'utf8',
  })
    .split(/\s+/)
    .filter(Boolean);

test('the reaper runs under dash here, the shell whose expansions these cases are about', () => {
  expect(realpathSync('/bin/sh')).toMatch(/dash$/);
});

test.each([
  { lines: ['+ 100', '+ 200', '- 100', '- 999', '- 998', '- 997'], left: ['200'] },
  { lines: ['- 5'], left: [] },
  { lines: ['+ 100', '+ 200', '+ 300', '- 200'], left: ['100', '300'] },
  // A number that is a prefix or a suffix of another is not that other one.
  { lines: ['+ 10', '+ 100', '+ 1000', '- 100', '- 1', '- 00'], left: ['10', '1000'] },
  { lines: ['+ 7', '- 7', '+ 7'], left: ['7'] },
  { lines: ['+ 100', '+ 200', '- 300', '- 200', '- 100'], left: [] },
  // Namespaces (by inode) share the list with groups, and a group's number is not a namespace's.
  {
    lines: ['+ 100', '+ n4026532100', '+ n4026532200', '- 100', '- 4026532100', '- n4026532200'],
    left: ['n4026532100'],
  },
])('after $lines the reaper would kill $left', ({ lines, left }) => {
  expect(wouldKill(lines)).toEqual(left);
});

test('a reaper started with the live groups (replacing a dead one) keeps them until told otherwise', () => {
  expect(wouldKill(['- 100', '+ 300'], ['100', '200'])).toEqual(['200', '300']);
});
