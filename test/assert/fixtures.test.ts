// The Vitest fixtures: `netns` is a fresh namespace per test, `makeNetns` makes more, and all of
// them go after the test with whatever held them (holder processes, programs run inside), also
// when the test fails or times out; a failing test's error carries the topology. Failing and
// timing out are watched from outside, in a child Vitest run on a project of its own. Tests of
// a file run one after the other, in order: the second test of a pair checks on the first.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import { NamespaceDestroyedError, type Netns, type TapHolder } from '../../src/index.ts';
import { ipLinks } from '../helpers/oracle.ts';
import { pollUntil } from '../helpers/poll.ts';
import { netnsReferences } from '../helpers/proc.ts';
import { childProject, REPO_ROOT, runVitest } from './child-vitest.ts';

/** "net:[4026532256]": equal links, same namespace (while both are alive). */
const nsLink = (path: string): string => readlinkSync(path);

/**
 * The references in /proc to these namespaces that lead to one containing a device named
 * marker. Namespace inode numbers are reused as soon as a namespace is freed, and other test
 * files create namespaces all the time, so an equal inode alone does not prove it is ours.
 */
function referencesWithMarker(links: readonly string[], marker: string): string[] {
  const inodes = links.map((l) => Number(/^net:\[(\d+)\]$/.exec(l)?.[1]));
  return netnsReferences(inodes).filter((path) => {
    try {
      execFileSync('nsenter', [`--net=${path}`, 'ip', 'link', 'show', 'dev', marker], { stdio: 'ignore' });
      return true;
    } catch {
      return false; // no such device there (or the reference went away): not ours
    }
  });
}

const NSLAB_VITEST = JSON.stringify(`${REPO_ROOT}/src/vitest.ts`);

describe('netns: a fresh namespace per test', () => {
  let first: string | undefined;

  test('the first test gets an empty namespace of its own, not the host one', async ({ netns }) => {
    const links = await ipLinks(netns);
    expect(links.map((l) => l.ifname)).toEqual(['lo']);
    expect(links[0]!.flags).not.toContain('UP');
    first = nsLink(`/proc/self/fd/${netns.fd}`);
    expect(first).not.toBe(nsLink('/proc/self/ns/net'));
    // A program run with ns.exec() lives in the same namespace.
    expect(String((await netns.exec('readlink', ['/proc/self/ns/net'])).stdout)).toBe(first);
    await netns.addBridge('fresh0');
    await netns.addTap('fresh1', { owner: 'holder' });
    expect((await ipLinks(netns)).map((l) => l.ifname)).toEqual(['lo', 'fresh0', 'fresh1']);
  });

  test('the next test does not see what the previous one created', async ({ netns }) => {
    expect(first).toBeDefined();
    expect((await ipLinks(netns)).map((l) => l.ifname)).toEqual(['lo']);
  });
});

describe('makeNetns: several namespaces, all destroyed after the test', () => {
  const made: Netns[] = [];
  const links: string[] = [];
  let holder: TapHolder | undefined;
  let sleeper: ReturnType<Netns['exec']> | undefined;

  test('makes as many namespaces as asked, each distinct, labelled as asked', async ({ netns, makeNetns }) => {
    const more = await Promise.all([makeNetns({ label: 'mk-a' }), makeNetns({ label: 'mk-b' }), makeNetns()]);
    made.push(netns, ...more);
    links.push(...made.map((ns) => nsLink(`/proc/self/fd/${ns.fd}`)));
    expect(new Set(links).size).toBe(4);
    expect(links).not.toContain(nsLink('/proc/self/ns/net'));
    expect(more[0]!.label).toBe('mk-a');
    expect(more[1]!.label).toBe('mk-b');
    expect(made.every((ns) => ns.owned && !ns.destroyed)).toBe(true);

    // What else keeps a namespace alive, for the next test to find gone: a holder process with
    // a tap descriptor, and a program running inside.
    holder = (await more[0]!.addTap('mktap0', { owner: 'holder' })).holder;
    expect(holder?.alive).toBe(true);
    sleeper = more[1]!.exec('sleep', ['1000']);
    expect(nsLink(`/proc/${sleeper.pid}/ns/net`)).toBe(links[2]);
  });

  test('after that test, every one is destroyed and what held them is gone', async () => {
    expect(made).toHaveLength(4);
    expect(made.map((ns) => ns.destroyed)).toEqual([true, true, true, true]);
    expect(() => made[1]!.rtnl).toThrow(NamespaceDestroyedError);
    // This test has no namespace of its own, so nothing in this process may refer to one (an
    // inode number reused by another test file's namespace would be in another process).
    const inodes = links.map((l) => Number(/^net:\[(\d+)\]$/.exec(l)?.[1]));
    expect(netnsReferences(inodes).filter((path) => path.startsWith(`/proc/${process.pid}/`))).toEqual([]);
    expect(holder?.alive).toBe(false);
    expect(await holder?.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await expect(sleeper).rejects.toMatchObject({ signal: 'SIGKILL' });
  });
});

/** The dump a failing test's error carries, checked wherever a reporter put it. */
function expectDump(text: string, where: string): void {
  const at = text.indexOf('nslab topology at the failure:');
  expect(at, `${where} has no dump:\n${text}`).toBeGreaterThanOrEqual(0);
  const dump = text.slice(at);
  expect(dump, where).toMatch(/^nslab topology at the failure:\nnamespace \S+:\n/);
  expect(dump, where).toMatch(/^ {2}1: lo \(loopback\) <LOOPBACK> operstate down/m);
  expect(dump, where).toMatch(
    /^ {2}\d+: dumpbr0 \(bridge\) <BROADCAST,MULTICAST> operstate down .*ports \[dumptap0\]/m,
  );
  expect(dump, where).toMatch(/^ {2}\d+: dumptap0 \(tun\) .*master dumpbr0/m);
  expect(dump, where).toMatch(/^ {6}192\.0\.2\.9\/24( \[permanent\])?$/m);
  expect(dump, where).toMatch(/^recent events:\n {2}-\d+ ms newlink dumpbr0 /m);
  expect(dump, where).toMatch(/newaddr 192\.0\.2\.9\/24 index \d+/);
  expect(dump, where).toMatch(/^namespace dump-other:\n.*\n {2}\d+: dumpbr1 \(bridge\)/m);
}

const unescapeXml = (text: string): string =>
  text.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!,
  );

test('a failing test: its error carries the topology of its namespaces and their events, in every reporter', async () => {
  const dir = childProject({
    'fails.test.ts': `import { test, expect } from ${NSLAB_VITEST};
test('the bridge never comes up', async ({ netns, makeNetns }) => {
  const other = await makeNetns({ label: 'dump-other' });
  await other.addBridge('dumpbr1');
  const br = await netns.addBridge('dumpbr0');
  const tap = await netns.addTap('dumptap0');
  await tap.attachTo(br);
  await br.addAddress('192.0.2.9/24');
  await expect(br).toBeAdminUp({ timeout: 100 });
});
`,
  });
  try {
    const reporters = ['--reporter=default', '--reporter=json', '--reporter=junit'];
    const { exitCode, output } = await runVitest(dir, [
      ...reporters,
      '--outputFile.json=results.json',
      '--outputFile.junit=junit.xml',
    ]);
    expect(exitCode, output).toBe(1);
    expect(output).toContain('1 failed');
    expect(output).toContain('expect(received).toBeAdminUp()');
    expectDump(output, 'the console');
    // Once: the stack's copy of the message is not printed again among the frames.
    expect(output.split('nslab topology at the failure:'), output).toHaveLength(2);

    type JsonReport = {
      testResults: Array<{ assertionResults: Array<{ status: string; failureMessages: string[] }> }>;
    };
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as JsonReport;
    const [result] = json.testResults.flatMap((f) => f.assertionResults);
    expect(result?.status).toBe('failed');
    expectDump(result!.failureMessages.join('\n'), 'the JSON report');

    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const failure = /<failure message="[^"]*"[^>]*>([^]*?)<\/failure>/.exec(junit);
    expect(failure, junit).not.toBeNull();
    expectDump(unescapeXml(failure![1]!), 'the JUnit report (failure body)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a test that times out: its namespaces are destroyed, their holders and programs killed, nothing left behind', async () => {
  const marker = `lk${randomBytes(4).toString('hex')}`;
  const dir = childProject({
    'hangs.test.ts': `import { readdirSync, readlinkSync } from 'node:fs';
import { beforeEach, describe } from 'vitest';
import { test } from ${NSLAB_VITEST};
const held = [];
describe('a test that hangs', () => {
  // The test's own fixtures, set up before its body runs: its timeout then starts from a
  // finished setup, however long a loaded machine takes to start the holder and the program.
  beforeEach(async ({ netns, makeNetns }) => {
    const other = await makeNetns({ label: 'second' });
    for (const ns of [netns, other]) await ns.addBridge(${JSON.stringify(marker)});
    const tap = await netns.addTap('holdtap0', { owner: 'holder' });
    const sleeper = other.exec('sleep', ['1000']);
    const links = [netns, other].map((ns) => readlinkSync('/proc/self/fd/' + ns.fd));
    held.push({ spaces: [netns, other], links, holder: tap.holder, sleeper });
    console.log('NSLAB-CHILD ' + JSON.stringify({ links, holder: tap.holder.pid, sleeper: sleeper.pid }));
  }, 30000);
  test('never ends', { timeout: 1000 }, async () => {
    await new Promise(() => {}); // never settles: Vitest has to time the test out
  });
});
test('after the timeout', async () => {
  const { spaces, links, holder, sleeper } = held[0];
  const open = readdirSync('/proc/self/fd').flatMap((fd) => { try { return [readlinkSync('/proc/self/fd/' + fd)]; } catch { return []; } });
  const sleeperEnd = await sleeper.then(() => 'exited', (e) => e.signal ?? String(e));
  console.log('NSLAB-AFTER ' + JSON.stringify({ destroyed: spaces.map((ns) => ns.destroyed), stillOpen: links.filter((l) => open.includes(l)), holderAlive: holder.alive, sleeperEnd }));
});
`,
  });
  try {
    const { exitCode, output } = await runVitest(dir);
    expect(exitCode, output).toBe(1);
    expect(output).toContain('Test timed out in 1000ms');
    expect(output).toContain('nslab topology at the failure:');
    expect(output).toMatch(/^ {2}\d+: holdtap0 \(tun\)/m);

    const child = JSON.parse(/^NSLAB-CHILD (.*)$/m.exec(output)?.[1] ?? 'null') as {
      links: string[];
      holder: number;
      sleeper: number;
    } | null;
    const after = JSON.parse(/^NSLAB-AFTER (.*)$/m.exec(output)?.[1] ?? 'null') as unknown;
    expect(child, output).not.toBeNull();
    expect(after, output).toEqual({
      destroyed: [true, true],
      stillOpen: [],
      holderAlive: false,
      sleeperEnd: 'SIGKILL',
    });

    // The child has exited; nothing anywhere may still hold its namespaces. Processes are
    // reaped asynchronously, so look again until a deadline (nothing notifies us of that).
    const left = await pollUntil(
      () => referencesWithMarker(child!.links, marker),
      (refs) => refs.length === 0,
    );
    expect(left.value).toEqual([]);
    // A holder keeps a namespace through its tun descriptor, which /proc shows as /dev/net/tun,
    // not as a namespace: check the process itself (its pid could only be reused after a wrap).
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${child!.holder}/cmdline`, 'utf8');
    } catch {
      // gone
    }
    expect(cmdline).not.toMatch(/nslab-tap-holder[^]*holdtap0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a makeNetns() call from a timed-out test body, after the fixture cleaned up: refused, nothing left open', async () => {
  const dir = childProject({
    'late.test.ts': `import { readdirSync, readlinkSync } from 'node:fs';
import { test } from ${NSLAB_VITEST};
let release;
const released = new Promise((resolve) => (release = resolve));
let settle;
const late = new Promise((resolve) => (settle = resolve));
test('times out, and carries on afterwards', { timeout: 1000 }, async ({ makeNetns }) => {
  await released; // until the next test, which runs after this one's cleanup
  const made = makeNetns({ label: 'late' });
  settle(await made.then((ns) => ({ made: ns.label, destroyed: ns.destroyed }), (e) => ({ error: e.name + ': ' + e.message })));
});
test('after the timeout', async () => {
  release();
  const outcome = await late;
  // Descriptors of namespaces other than the one this process runs in (which nslab keeps open to switch back).
  const home = readlinkSync('/proc/self/ns/net');
  const namespaces = readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const link = readlinkSync('/proc/self/fd/' + fd);
      return link.startsWith('net:[') && link !== home ? [link] : [];
    } catch {
      return [];
    }
  });
  console.log('NSLAB-LATE ' + JSON.stringify({ outcome, namespaces }));
});
`,
  });
  try {
    const { exitCode, output } = await runVitest(dir);
    expect(exitCode, output).toBe(1);
    expect(output).toContain('Test timed out in 1000ms');
    type Late = { outcome: { error?: string }; namespaces: string[] };
    const late = JSON.parse(/^NSLAB-LATE (.*)$/m.exec(output)?.[1] ?? 'null') as Late | null;
    expect(late, output).not.toBeNull();
    expect(late!.outcome).toEqual({
      error: expect.stringMatching(/^NslabError: makeNetns\(\): the test had already ended/),
    });
    expect(late!.namespaces).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
