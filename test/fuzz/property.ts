// How the fuzz tests run their properties: fast-check with a case count and a seed from the
// environment (NSLAB_FUZZ_RUNS, NSLAB_FUZZ_SEED; `npm test` uses the small defaults, the
// reliability harness many more), the seed printed with any counterexample so it can be
// replayed, and each property's figures appended to NSLAB_FUZZ_FIGURES for the harness's report.
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

/** One fuzz property's figures, as the fuzz tests write them (checkProperty below). */
export interface FuzzFigure {
  property: string;
  /** Cases tried (for the differential check: topologies built and compared). */
  runs: number;
  seed: number;
  /** Whether the cases are topologies compared with iproute2, not codec inputs. */
  differential: boolean;
  /** fast-check's report of the counterexample, when one was found. */
  failure?: string;
}

/** A whole number from the environment, or the fallback when it is unset. */
export function envCount(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** One seed for the whole file, so a failing run is replayed with NSLAB_FUZZ_SEED alone. */
export const FUZZ_SEED = envCount('NSLAB_FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));

/** Cases per codec property: a few hundred fit in `npm test`'s budget (they take milliseconds each). */
export const fuzzRuns = (): number => envCount('NSLAB_FUZZ_RUNS', 200);

/** Topologies of the differential check: each builds real devices, so `npm test` compares only a few. */
export const diffTopologies = (): number => envCount('NSLAB_DIFF_TOPOLOGIES', 4);

function record(figure: FuzzFigure): void {
  const path = process.env.NSLAB_FUZZ_FIGURES;
  if (path) appendFileSync(path, `${JSON.stringify(figure)}\n`);
}

/**
 * Checks a property with `runs` cases; a counterexample fails the test with fast-check's report
 * (the shrunk input, the seed and the path to replay it) and is recorded for the harness.
 */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  property: string,
  prop: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  options: { runs?: number; differential?: boolean } = {},
): Promise<void> {
  const runs = options.runs ?? fuzzRuns();
  const details = await fc.check(prop as fc.IAsyncProperty<Ts>, { numRuns: runs, seed: FUZZ_SEED });
  if (!details.failed) {
    record({ property, runs: details.numRuns, seed: FUZZ_SEED, differential: options.differential === true });
    return;
  }
  const counterexample = fc.stringify(details.counterexample);
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const failure = `${counterexample.slice(0, 300)}: ${error.split('\n')[0]}`;
  record({ property, runs: details.numRuns, seed: FUZZ_SEED, differential: options.differential === true, failure });
  const replay = `replay the whole file: NSLAB_FUZZ_SEED=${FUZZ_SEED}; path ${details.counterexamplePath}`;
  throw new Error(
    `property "${property}" failed after ${details.numRuns} cases (${replay})\ncounterexample: ${counterexample}\n${error}`,
    {
      cause: details.errorInstance,
    },
  );
}
