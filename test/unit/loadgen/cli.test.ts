import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LoadgenCommand, parseLoadgenArgs } from '../../../loadgen/cli.ts';

function run(argv: string[]): Extract<LoadgenCommand, { kind: 'run' }> {
  const command = parseLoadgenArgs(argv);
  assert.equal(command.kind, 'run', JSON.stringify(command));
  return command as Extract<LoadgenCommand, { kind: 'run' }>;
}

function usageError(argv: string[]): string {
  const command = parseLoadgenArgs(argv);
  assert.equal(command.kind, 'usage-error', JSON.stringify(command));
  return (command as { message: string }).message;
}

describe('loadgen CLI', () => {
  it('turns --rate and --duration into one phase, with the documented defaults', () => {
    const { options, quiet, out, chart, pid } = run(['--rate', '5000', '--duration', '60s']);
    assert.deepEqual(options.profile, { phases: [{ rate: 5000, durationMs: 60_000 }] });
    assert.deepEqual(options.brokers, ['127.0.0.1:9092']);
    assert.equal(options.registryUrl, 'http://127.0.0.1:8081');
    assert.deepEqual([options.inputTopic, options.outputTopic, options.format], ['payments', 'predictions', 'avro']);
    assert.deepEqual(options.keys, { kind: 'uniform' });
    assert.deepEqual([options.accounts, options.seed, options.warmupMs, options.drainTimeoutMs], [10_000, 1, 5000, 30_000]);
    assert.equal(options.count, undefined);
    assert.equal(options.consumerGroup, undefined);
    assert.deepEqual([quiet, out, chart, pid], [false, undefined, undefined, undefined]);
  });

  it('takes a profile, the keys, the measurement flags and the outputs', () => {
    const { options, quiet, out, chart, pid } = run([
      '--profile',
      '1000@60s,10000@60s,1000@60s',
      '--keys',
      'zipf:1.2',
      '--accounts',
      '500',
      '--seed',
      '9',
      '--format',
      'json',
      '--brokers',
      'a:9092,b:9092',
      '--topic',
      'in',
      '--predictions',
      'out',
      '--group',
      'scorer',
      '--warmup',
      '10s',
      '--drain-timeout',
      '1m',
      '--pid',
      '4242',
      '--out',
      'r.json',
      '--chart',
      'r.svg',
      '--quiet',
    ]);
    assert.deepEqual(
      options.profile.phases.map((p) => [p.rate, p.durationMs]),
      [
        [1000, 60_000],
        [10_000, 60_000],
        [1000, 60_000],
      ],
    );
    assert.deepEqual(options.keys, { kind: 'zipf', exponent: 1.2 });
    assert.deepEqual(options.brokers, ['a:9092', 'b:9092']);
    assert.deepEqual([options.accounts, options.seed, options.format, options.consumerGroup], [500, 9, 'json', 'scorer']);
    assert.deepEqual([options.warmupMs, options.drainTimeoutMs], [10_000, 60_000]);
    assert.deepEqual([quiet, out, chart, pid], [true, 'r.json', 'r.svg', 4242]);
  });

  it('runs as fast as possible up to --count, with no warmup by default', () => {
    const { options } = run(['--rate', 'max', '--count', '100000']);
    assert.deepEqual(options.profile, { phases: [{ rate: 'max', durationMs: Infinity }] });
    assert.equal(options.count, 100_000);
    assert.equal(options.warmupMs, 0);
  });

  it('shortens the default warmup to a tenth of a short run, and refuses one as long as the run', () => {
    assert.equal(run(['--rate', '500', '--duration', '2s']).options.warmupMs, 200);
    assert.equal(run(['--rate', '1000', '--count', '3000']).options.warmupMs, 300, 'a count at a fixed rate fixes the length');
    assert.match(usageError(['--rate', '500', '--duration', '2s', '--warmup', '2s']), /^--warmup: 2s is not shorter than the run/);
  });

  it('names the flag in every usage error', () => {
    const cases: [string[], RegExp][] = [
      [[], /^--rate: missing/],
      [['--rate', '100', '--profile', '100@1s'], /^--rate: give --rate or --profile, not both/],
      [['--profile', '100@1s', '--duration', '5s'], /^--duration: goes with --rate/],
      [['--rate', '100@1s'], /^--rate: .*phases go in --profile/],
      [['--rate', 'fast'], /^--rate: /],
      [['--rate', '100', '--duration', 'soon'], /^--duration: /],
      [['--profile', '100@1s,,5@1s'], /^--profile: /],
      [['--rate', '100', '--format', 'xml'], /^--format: "xml": expected avro or json/],
      [['--rate', '100', '--keys', 'pareto'], /^--keys: /],
      [['--rate', '100', '--accounts', '0'], /^--accounts: "0"/],
      [['--rate', '100', '--count', '1.5'], /^--count: /],
      [['--rate', '100', '--seed', 'x'], /^--seed: /],
      [['--rate', '100', '--pid=-3'], /^--pid: /],
      [['--rate', '100', '--pid', '-3'], /'--pid' argument is ambiguous\.$/],
      [['--rate', '100', '--registry', 'localhost:8081'], /^--registry: /],
      [['--rate', '100', '--brokers', 'a:9092,'], /^--brokers: /],
      [['--rate', '100', '--topic', ' '], /^--topic: must not be empty/],
      [['--rate', '100', '--chart', 'latency.png'], /^--chart: .*SVG/],
      [['--rate', '100', '--bogus'], /bogus/],
    ];
    for (const [argv, expected] of cases) assert.match(usageError(argv), expected, argv.join(' '));
  });

  it('answers --help with the flags', () => {
    const command = parseLoadgenArgs(['--rate', '5', '--help']);
    assert.equal(command.kind, 'help');
    for (const flag of ['--rate', '--profile', '--keys', '--warmup', '--group', '--pid', '--out', '--chart']) {
      assert.ok((command as { text: string }).text.includes(flag), flag);
    }
  });
});
