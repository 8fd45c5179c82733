// toHaveSeen and .not.toHaveSeen on real traffic between two namespaces, their failure
// messages (what was seen, decoded), their refusals of bad patterns and options; and the
// evidence a failing test's captures leave, checked from outside in a child Vitest run: the
// pcap paths in the console, JSON and JUnit output, and the files read by tcpdump.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test, expect } from '../../src/vitest.ts';
import { InvalidArgumentError } from '../../src/index.ts';
import { pingRight, wiredPair } from '../helpers/traffic.ts';
import { tcpdumpRead } from '../helpers/tcpdump.ts';
import { childProject, REPO_ROOT, runVitest } from './child-vitest.ts';
import { failure } from './helpers.ts';

test('toHaveSeen waits for a packet that comes after the call, woken by its arrival', async ({ makeNetns, skip }) => {
  const { left, l } = await wiredPair({ makeNetns, skip });
  const capture = await left.capture(l);
  const seen = expect(capture).toHaveSeen({ icmp: { name: 'echo-reply' }, ipv4: { src: '192.0.2.2' } });
  expect((await pingRight(left, 1)).exitCode).toBe(0);
  await seen;
});

test('a failing toHaveSeen says what it wanted and shows the last packets seen, decoded', async ({
  makeNetns,
  skip,
}) => {
  const { left, l } = await wiredPair({ makeNetns, skip });
  const capture = await left.capture(l);
  expect((await pingRight(left, 1)).exitCode).toBe(0);
  const start = performance.now();
  const error = await failure(() => expect(capture).toHaveSeen({ udp: { dport: 67 } }, { timeout: 200 }));
  expect(performance.now() - start).toBeGreaterThanOrEqual(200);
  const lines = error.message.split('\n');
  expect(lines[0]).toBe('expect(capture).toHaveSeen(pattern)');
  expect(error.message).toContain('Expected: a packet like Object {\n  "udp": Object {\n    "dport": 67,\n  },\n}');
  expect(error.message).toMatch(/Received: none of \d+ packets matched/);
  expect(error.message).toMatch(
    /The capture on veth left0 \(index \d+\) in left after \d+ ms of 200 ms: \d+ packets kept, 0 let go, 0 filtered out, 0 dropped by the kernel/,
  );
  for (const p of capture.packets) expect(error.message).toContain(`#${p.seq} `);
  expect(error.message).toMatch(
    /^#\d+ \+\d+\.\d{3} ms out [0-9a-f:]{17} > [0-9a-f:]{17}, IPv4 192\.0\.2\.1 > 192\.0\.2\.2 ICMP echo-request id \d+ seq 0$/m,
  );
  expect(error.message).toMatch(/^#\d+ \+\d+\.\d{3} ms in {2}.*ARP reply 192\.0\.2\.2 is-at /m);
});

test('.not.toHaveSeen passes when the window stays clear, and fails at the first match without waiting it out', async ({
  makeNetns,
  skip,
}) => {
  const { left, l } = await wiredPair({ makeNetns, skip });
  const capture = await left.capture(l);
  const start = performance.now();
  await expect(capture).not.toHaveSeen({ icmp: {} }, { for: 150 });
  expect(performance.now() - start).toBeGreaterThanOrEqual(150);
  const pending = failure(() => expect(capture).not.toHaveSeen({ icmp: { name: 'echo-request' } }, { for: 20_000 }));
  const sent = performance.now();
  expect((await pingRight(left, 1)).exitCode).toBe(0);
  const error = await pending;
  expect(performance.now() - sent).toBeLessThan(10_000);
  expect(error.message.split('\n')[0]).toBe('expect(capture).not.toHaveSeen(pattern)');
  expect(error.message).toMatch(/Received: #\d+ out .* ICMP echo-request id \d+ seq 0/);
  // Without a window, .not judges what was captured up to the call.
  await expect(capture).not.toHaveSeen({ udp: {} });
});

test('bad patterns and options are refused before any wait, with what to write instead', async ({ netns }) => {
  const lo = await netns.loopback();
  const capture = await netns.capture(lo);
  await expect(expect(capture).toHaveSeen({ udp: { port: 67 } } as never)).rejects.toThrow(InvalidArgumentError);
  await expect(expect(capture).toHaveSeen({ udp: { port: 67 } } as never)).rejects.toThrow(
    /unknown field "port" of udp/,
  );
  await expect(expect(capture).toHaveSeen({ upd: {} } as never)).rejects.toThrow(/unknown layer "upd"/);
  await expect(expect(capture).toHaveSeen({ udp: {} }, { for: 10 })).rejects.toThrow(/"for" is the window of \.not/);
  await expect(expect(capture).not.toHaveSeen({ udp: {} }, { timeout: 10 })).rejects.toThrow(
    /watches for the window "for"/,
  );
  await expect(expect(capture).not.toHaveSeen({ udp: {} }, { for: NaN })).rejects.toThrow(
    /for must be a finite number/,
  );
  await expect(expect(lo).toHaveSeen({ udp: {} })).rejects.toThrow(/expected a capture from ns.capture\(device\)/);
});

test('a failing test that captured: its error names the pcap files, in every reporter, and tcpdump reads them', async () => {
  const evidence = join(REPO_ROOT, 'node_modules', '.cache', `nslab-evidence-test-${process.pid}`);
  const dir = childProject({
    'fails.test.ts': `import { test, expect } from ${JSON.stringify(`${REPO_ROOT}/src/vitest.ts`)};
process.env.NSLAB_EVIDENCE_DIR = ${JSON.stringify(evidence)};
test('no DHCP offer comes', async ({ makeNetns }) => {
  const left = await makeNetns({ label: 'ev-left' });
  const right = await makeNetns({ label: 'ev-right' });
  const [l, r] = await left.addVeth('evl0', { peerName: 'evr0', peerNs: right });
  await l.addAddress('192.0.2.1/24');
  await r.addAddress('192.0.2.2/24');
  await l.up();
  await r.up();
  await expect(l).toBeRunning();
  const capture = await left.capture(l);
  const { exitCode } = await left.exec('busybox', ['ping', '-c', '2', '-A', '-W', '2', '192.0.2.2'], { reject: false });
  expect(exitCode).toBe(0);
  await expect(capture).toHaveSeen({ dhcp: { messageType: 'offer' } }, { timeout: 100 });
});
`,
  });
  try {
    const { exitCode, output } = await runVitest(dir, [
      '--reporter=default',
      '--reporter=json',
      '--reporter=junit',
      '--outputFile.json=results.json',
      '--outputFile.junit=junit.xml',
    ]);
    expect(exitCode, output).toBe(1);
    const paths = (text: string): string[] =>
      [
        ...text.matchAll(
          /^ {2}capture on veth evl0 \(index \d+\) in ev-left: (\d+) packets \(0 dropped by the kernel, 0 let go\), pcap (\S+\.pcap)$/gm,
        ),
      ].map((m) => m[2]!);
    const [path] = paths(output);
    expect(path, output).toBeDefined();
    expect(path!.startsWith(`${evidence}/no_DHCP_offer_comes-`)).toBe(true);
    expect(output).toMatch(/nslab captures at the failure:\n/);
    // The last ten of all the packets kept: which ones depends on how much IPv6 chatter (router
    // solicitations, MLD) the capture met, which a loaded machine stretches.
    const excerpt =
      /^ {2}capture on veth evl0 .*: (\d+) packets .*\n {4}last (\d+):\n {4}#(\d+) \+\d+\.\d{3} ms /m.exec(output);
    expect(excerpt, output).not.toBeNull();
    const [kept, shown, first] = excerpt!.slice(1).map(Number) as [number, number, number];
    expect(shown).toBe(Math.min(10, kept));
    expect(first).toBe(kept - shown + 1);
    expect(output).toMatch(/^ {4}#\d+ \+\d+\.\d{3} ms in {2}.* ICMP echo-reply id \d+ seq 1$/m);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      testResults: Array<{ assertionResults: Array<{ failureMessages: string[] }> }>;
    };
    expect(paths(json.testResults[0]!.assertionResults[0]!.failureMessages.join('\n'))).toEqual([path]);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain(`pcap ${path}`);
    expect(existsSync(path!)).toBe(true);
    const lines = tcpdumpRead(path!);
    expect(lines.filter((line) => line.includes('ICMP echo request'))).toHaveLength(2);
    expect(lines.filter((line) => line.includes('ICMP echo reply'))).toHaveLength(2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(evidence, { recursive: true, force: true });
  }
});

test('a failing reachability test shows its evidence together: the route lookup, the next hop, and the pcap of what went out', async () => {
  const evidence = join(REPO_ROOT, 'node_modules', '.cache', `nslab-evidence-reach-${process.pid}`);
  const dir = childProject({
    'unreached.test.ts': `import { test, expect } from ${JSON.stringify(`${REPO_ROOT}/src/vitest.ts`)};
process.env.NSLAB_EVIDENCE_DIR = ${JSON.stringify(evidence)};
test('the peer answers', async ({ makeNetns }) => {
  const left = await makeNetns({ label: 'rv-left' });
  const right = await makeNetns({ label: 'rv-right' });
  const [l, r] = await left.addVeth('rvl0', { peerName: 'rvr0', peerNs: right });
  await l.addAddress('192.0.2.1/24');
  await l.up();
  await r.up();
  await expect(l).toBeRunning();
  const capture = await left.capture(l);
  // The far end has no 192.0.2.2: the ARP requests for it go out and nothing answers.
  await expect(left).toReach('192.0.2.2', { timeout: 500 });
});
`,
  });
  try {
    const { exitCode, output } = await runVitest(dir);
    expect(exitCode, output).toBe(1);
    expect(output).toContain('expect(received).toReach(expected)');
    expect(output).toMatch(
      /The kernel's answer to route get 192\.0\.2\.2 in rv-left:\n\{\n\s+"dst": "192\.0\.2\.2",[^]*"dev": "rvl0"/,
    );
    expect(output).toMatch(/The neighbour entry of the next hop 192\.0\.2\.2 on rvl0:/);
    const path = /^ {2}capture on veth rvl0 \(index \d+\) in rv-left: \d+ packets .*, pcap (\S+\.pcap)$/m.exec(
      output,
    )?.[1];
    expect(path, output).toBeDefined();
    expect(existsSync(path!)).toBe(true);
    // tcpdump reads the file (a capture of a failed probe may hold nothing: the ARP can come before it).
    expect(Array.isArray(tcpdumpRead(path!))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(evidence, { recursive: true, force: true });
  }
});
