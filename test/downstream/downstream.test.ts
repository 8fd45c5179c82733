// nslab as its users get it: a small project in a temporary directory that depends on nslab by
// path (npm links the file: dependency), imports the built package through its exports map,
// type-checks with tsc, and runs its own Vitest tests against the kernel. The README's
// TypeScript examples go into that project as they stand in README.md: every one must
// type-check, and the first ("A first test") must pass. Also: the packed package holds every
// file those imports reach.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { childEnv, REPO_ROOT, runVitest } from '../assert/child-vitest.ts';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, { types: string; default: string }>;
};
const exportTargets = Object.values(pkg.exports).flatMap((e) => [e.types, e.default].map((p) => posix.normalize(p)));

const CHILD_TIMEOUT_MS = 60_000;
const run = (file: string, args: string[], cwd: string) =>
  execa(file, args, { cwd, env: childEnv(), extendEnv: false, all: true, reject: false, timeout: CHILD_TIMEOUT_MS });
// A hook or test that runs children gets their time limits and a margin, so that under load a slow
// child ends with its own message (what it printed) rather than Vitest's bare 30 s timeout.
const limitFor = (children: number): number => children * CHILD_TIMEOUT_MS + 10_000;

/** Newest modification time of the files under dir. */
function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  );
}

// `npm test` builds before running Vitest; a bare `vitest run` may find dist/ missing or older
// than src/, and would then test something else than the sources.
function ensureBuilt(): Promise<unknown> | undefined {
  const targets = exportTargets.map((t) => join(REPO_ROOT, t));
  const stale =
    targets.some((t) => !existsSync(t)) ||
    Math.min(...targets.map((t) => statSync(t).mtimeMs)) < newest(join(REPO_ROOT, 'src'));
  if (!stale) return undefined;
  console.log('downstream: dist/ missing or older than src/, running npm run build first');
  return run('npm', ['run', 'build', '--silent'], REPO_ROOT).then((r) => {
    if (r.exitCode !== 0) throw new Error(`npm run build failed:\n${r.all}`);
  });
}

const USER_TEST = `import 'nslab/vitest';
import { test, expect, configureWaits } from 'nslab/vitest';
import { Bridge, isLink } from 'nslab';

configureWaits({ timeout: 3000 });

test('a bridge has carrier while its tap is held, and loses it when the holder lets go', async ({ netns }) => {
  const br = await netns.addBridge('br0');
  const tap = await netns.addTap('tap0', { owner: 'holder' });
  expect(br).toBeInstanceOf(Bridge);
  expect(isLink(tap)).toBe(true);
  await tap.attachTo(br);
  await tap.up();
  await br.up();
  await expect(tap).toBeAttachedTo(br);
  await expect(br).toHavePorts([tap]);
  await expect(tap).toHaveCarrier();
  await expect(br).toHaveCarrier();
  await expect(br).toBeAdminUp();
  await expect(br).toBeRunning();
  await expect(br).toHaveOperstate('up');
  await expect(br).toHaveFlags(['UP', 'LOWER_UP']);
  await br.addAddress('192.0.2.1/24');
  await expect(br).toHaveAddress('192.0.2.1/24');
  const { mac } = await tap.state();
  await expect(br).toHaveMac(mac!);
  await expect(br).toHaveBridgeId({ priority: 0x8000, mac: mac! });

  await tap.close();
  await expect(br).not.toHaveCarrier();
  await expect(br).toHaveOperstate('down');
  await expect(expect(br).toBeRunning({ timeout: 50 })).rejects.toThrow(/after waiting \\d+ ms of 50 ms/);
});

test('makeNetns: a veth between two namespaces', async ({ makeNetns }) => {
  const [a, b] = await Promise.all([makeNetns({ label: 'left' }), makeNetns({ label: 'right' })]);
  const [left, right] = await a.addVeth('va', { peerName: 'vb', peerNs: b });
  await left.up();
  await right.up();
  await expect(left).toHaveCarrier();
  await expect(right).toHaveOperstate('up');
  await right.down();
  await expect(left).not.toHaveCarrier();
});
`;

const TYPE_ERRORS = `import 'nslab/vitest';
import { expect } from 'nslab/vitest';
import type { Bridge, Link, Netns, TapOwner } from 'nslab';

declare const br: Bridge;
declare const tap: Link;
declare const ns: Netns;

// Right calls type-check:
await expect(br).toHaveOperstate('up', { timeout: 100 });
await expect(tap).toBeAttachedTo(br);
await expect(br).not.toHavePorts([tap, 'tap1']);
await expect(tap).toHaveAddress('2001:db8::1/64', { tentative: false });
// A tap's owner may be left out (it is then 'self'), as the README says.
const owner: TapOwner = (await ns.addTap('tap0')).owner;
await ns.addTap('tap1', { owner: 'holder' });

// Wrong ones do not:
// @ts-expect-error an operstate is a name, not a number
await expect(br).toHaveOperstate(42);
// @ts-expect-error no such matcher
await expect(br).toHaveCarier();
// @ts-expect-error flags are an array of names
await expect(br).toHaveFlags('UP');
// @ts-expect-error a timeout is milliseconds
await expect(br).toHaveCarrier({ timeout: '5s' });
// @ts-expect-error an owner is 'self', 'holder' or 'none'
await ns.addTap('tap2', { owner: 'nobody' });
`;

// The same wrong calls without the directives, to see the compiler give the reason expected.
const WRONG_CALLS = `import 'nslab/vitest';
import { expect } from 'nslab/vitest';
import type { Bridge } from 'nslab';

declare const br: Bridge;

await expect(br).toHaveOperstate(42);
await expect(br).toHaveCarier();
`;

/** The README's TypeScript examples (its ```ts blocks), in order. */
const README_EXAMPLES = [...readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').matchAll(/^```ts\n([^]*?)^```$/gm)].map(
  (m) => m[1]!,
);
const readmeExample = (i: number): string => `readme/example-${i + 1}.ts`;

let dir = '';

beforeAll(async () => {
  const building = ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'nslab-downstream-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      { name: 'nslab-downstream', private: true, type: 'module', dependencies: { nslab: `file:${REPO_ROOT}` } },
      null,
      2,
    ),
  );
  const install = await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
    dir,
  );
  if (install.exitCode !== 0) {
    // No usable npm here: link it by hand, which is what npm does for a file: directory.
    console.log(`downstream: npm install --offline failed (${install.all}); linking node_modules/nslab by hand`);
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'nslab'));
  }
  // The user's own dev dependencies, from the repo's node_modules (no registry here).
  for (const name of ['vitest', 'typescript', '@types/node', 'testcontainers']) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  const strict = {
    target: 'es2023',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noEmit: true,
    types: ['node'],
    skipLibCheck: false,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: strict, include: ['*.ts'] }, null, 2));
  writeFileSync(
    join(dir, 'tsconfig.wrong.json'),
    JSON.stringify({ compilerOptions: strict, include: ['wrong/*.ts'] }, null, 2),
  );
  writeFileSync(
    join(dir, 'tsconfig.readme.json'),
    JSON.stringify({ compilerOptions: strict, include: ['readme/*.ts'] }, null, 2),
  );
  // A user's config with nothing nslab-specific in it.
  writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.test.ts'] } };\n");
  writeFileSync(join(dir, 'bridge.test.ts'), USER_TEST);
  writeFileSync(join(dir, 'type-errors.ts'), TYPE_ERRORS);
  mkdirSync(join(dir, 'wrong'));
  writeFileSync(join(dir, 'wrong', 'calls.ts'), WRONG_CALLS);
  mkdirSync(join(dir, 'readme'));
  README_EXAMPLES.forEach((code, i) => writeFileSync(join(dir, readmeExample(i)), code));
  writeFileSync(join(dir, 'vitest.readme.mjs'), `export default { test: { include: ['${readmeExample(0)}'] } };\n`);
  await building;
}, limitFor(2));

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the dependency is the repo, and resolves through the exports map to the built files', async () => {
  expect(realpathSync(join(dir, 'node_modules', 'nslab'))).toBe(realpathSync(REPO_ROOT));
  const script = `
    const main = await import('nslab');
    console.log(JSON.stringify({
      main: import.meta.resolve('nslab'),
      vitest: import.meta.resolve('nslab/vitest'),
      names: Object.keys(main).sort(),
    }));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], dir);
  expect(r.exitCode, r.all).toBe(0);
  const seen = JSON.parse(r.all) as { main: string; vitest: string; names: string[] };
  expect(realpathSync(new URL(seen.main))).toBe(join(realpathSync(REPO_ROOT), 'dist/index.js'));
  expect(realpathSync(new URL(seen.vitest))).toBe(join(realpathSync(REPO_ROOT), 'dist/vitest.js'));
  expect(seen.names).toEqual(
    expect.arrayContaining([
      'createNetns',
      'adoptNetns',
      'Netns',
      'Link',
      'Bridge',
      'Tap',
      'isLink',
      'NamespaceDestroyedError',
      'DeviceNotFoundError',
    ]),
  );
});

test(
  'tsc type-checks the project (strict, with the library checks on), and a wrong matcher call is a type error',
  async () => {
    const tsc = join(REPO_ROOT, 'node_modules/.bin/tsc');
    const right = await run(tsc, ['-p', 'tsconfig.json'], dir);
    // type-errors.ts holds @ts-expect-error lines: a passing run means each of them is an error.
    expect(right.exitCode, right.all).toBe(0);

    const wrong = await run(tsc, ['-p', 'tsconfig.wrong.json'], dir);
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.all).toMatch(
      /wrong\/calls\.ts\(7,\d+\): error TS2345: Argument of type '(number|42)' is not assignable to parameter of type '[^']+'/,
    );
    expect(wrong.all).toMatch(
      /wrong\/calls\.ts\(8,\d+\): error TS2551: Property 'toHaveCarier' does not exist on type 'Assertion<void, Bridge>'\. Did you mean 'toHaveCarrier'\?/,
    );
  },
  limitFor(2),
);

test(
  "vitest runs the project's tests, with its fixtures and matchers, and they pass",
  async () => {
    const { exitCode, output } = await runVitest(dir, ['--reporter=json', '--outputFile=results.json']);
    expect(exitCode, output).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      success: boolean;
      numTotalTests: number;
      numPassedTests: number;
      testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }>;
    };
    const tests = results.testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a.status]));
    expect(tests).toEqual([
      ['a bridge has carrier while its tap is held, and loses it when the holder lets go', 'passed'],
      ['makeNetns: a veth between two namespaces', 'passed'],
    ]);
    expect(results.success).toBe(true);
  },
  limitFor(1),
);

test(
  "the README's TypeScript examples type-check against the published types, strict",
  async () => {
    // "A first test", "Without Vitest", the containers example: fewer means the extraction broke.
    expect(README_EXAMPLES.length).toBeGreaterThanOrEqual(3);
    const r = await run(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.readme.json'], dir);
    expect(r.exitCode, r.all).toBe(0);
  },
  limitFor(1),
);

test(
  "the README's first example passes as a test of the user's project",
  async () => {
    const { exitCode, output } = await runVitest(dir, [
      '--config',
      'vitest.readme.mjs',
      '--reporter=json',
      '--outputFile=readme-results.json',
    ]);
    expect(exitCode, output).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'readme-results.json'), 'utf8')) as {
      testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }>;
    };
    expect(results.testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a.status]))).toEqual([
      ['a bridge loses carrier with its last VM', 'passed'],
    ]);
  },
  limitFor(1),
);

/**
 * The fields of an interface in a built declaration file, each with whether it may be left out,
 * with those of the interfaces it extends (looked up in every declaration file of dist/).
 */
function declaredFields(declaration: string, name: string): Record<string, boolean> {
  const text = readFileSync(join(REPO_ROOT, 'dist', declaration), 'utf8');
  const found = new RegExp(`export interface ${name}(?: extends ([\\w, ]+))? \\{\\n([^]*?)\\n\\}`).exec(text);
  if (found === null) throw new Error(`no interface ${name} in dist/${declaration}`);
  const own = Object.fromEntries(
    [...found[2]!.matchAll(/^ {4}(\w+)(\??):/gm)].map(([, field, optional]) => [field!, optional === '?']),
  );
  const inherited = (found[1] ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
    .map((base) => {
      const file = readdirSync(join(REPO_ROOT, 'dist'), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.d.ts'))
        .find((f) => readFileSync(join(REPO_ROOT, 'dist', f), 'utf8').includes(`export interface ${base} `));
      if (file === undefined) throw new Error(`no interface ${base} (extended by ${name}) in dist/`);
      return declaredFields(file, base);
    });
  return Object.assign({}, ...inherited, own) as Record<string, boolean>;
}

test("the README's device signatures mark an option optional exactly when the published types do", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const signatures = [
    { call: 'ns.addBridge', declaration: 'devices/bridge.d.ts', type: 'BridgeOptions' },
    { call: 'ns.addVeth', declaration: 'devices/veth.d.ts', type: 'VethOptions' },
    { call: 'ns.addTap', declaration: 'devices/tap.d.ts', type: 'TapOptions' },
  ];
  for (const { call, declaration, type } of signatures) {
    const listed = new RegExp(`\`${call.replace('.', '\\.')}\\(name, \\{ ([^}]*) \\}\\)\``).exec(readme)?.[1];
    expect(listed, `README.md documents ${call}(name, { ... })`).toBeDefined();
    const documented = Object.fromEntries(listed!.split(', ').map((f) => [f.replace(/\?$/, ''), f.endsWith('?')]));
    const declared = declaredFields(declaration, type);
    const published = Object.fromEntries(Object.keys(documented).map((f) => [f, declared[f]]));
    expect(documented, `${call} in README.md against ${type} in dist/${declaration}`).toEqual(published);
  }
});

test('the packed package holds every file its exports map and its built modules point to', async () => {
  const r = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], REPO_ROOT);
  expect(r.exitCode, r.all).toBe(0);
  const [packed] = JSON.parse(r.stdout as string) as Array<{ files: Array<{ path: string }> }>;
  const files = new Set(packed!.files.map((f) => f.path));
  for (const target of exportTargets) expect(files, target).toContain(target);

  // Relative imports inside the built modules and declarations must land in the package too.
  const missing: string[] = [];
  for (const file of files) {
    if (!/\.(js|d\.ts)$/.test(file)) continue;
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = posix.join(posix.dirname(file), spec!);
      // Declarations keep the sources' .ts specifiers, which TypeScript maps to .d.ts.
      const candidates = file.endsWith('.d.ts') ? [target, target.replace(/\.(ts|js)$/, '.d.ts')] : [target];
      if (!candidates.some((c) => files.has(c))) missing.push(`${file} -> ${spec}`);
    }
  }
  expect(missing).toEqual([]);
});
