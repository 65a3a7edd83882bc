import { runChaos } from './harness';
import { parseMix } from './schedule';

const USAGE = `npm run chaos -- [--seed N] [--minutes M | --seconds S] [--mix kind=weight,...] [--watchers N] [--rate N]
  --seed      seed of the schedule and of every random choice (default: random, printed)
  --minutes   length of the fault phase (default 10); --seconds for a shorter one
  --mix       fault kinds and weights, e.g. pause-member=3,etcd-outage=1 (kinds not named are off)
  --watchers  WatchRules streams (default 21); --rate decisions per second (default 40)
Exit code 0 iff no invariant was violated. Report: .run/chaos/<seed>/report.json`;

function parseArgs(argv: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'help' || name === 'h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const value = argv[i + 1];
    if (!argv[i].startsWith('--') || value === undefined)
      throw new Error(`bad argument ${argv[i]}\n${USAGE}`);
    args[name] = value;
    i++;
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const number = (name: string, fallback: number) => {
    const value = args[name] === undefined ? fallback : Number(args[name]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
    return value;
  };
  const seed = Math.floor(number('seed', Math.floor(Math.random() * 1_000_000)));
  const chaosSeconds = args.seconds ? number('seconds', 0) : number('minutes', 10) * 60;
  process.stdout.write(`chaos: seed ${seed}, ${chaosSeconds} s of faults\n`);
  const report = await runChaos({
    seed,
    chaosSeconds,
    mix: args.mix ? parseMix(args.mix) : undefined,
    mixText: args.mix,
    watchers: args.watchers ? number('watchers', 21) : undefined,
    decisionsPerSecond: args.rate ? number('rate', 40) : undefined,
  });
  process.exit(report.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `chaos harness failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(2);
});
