/**
 * Start-up failures as an operator meets them: a model that cannot load stops the scorer with exit code
 * 2 and one JSON fatal line that says which model and why, once; nothing else writes into the log stream
 * (onnxruntime's own coloured lines would break every JSON log shipper).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { uniqueName } from '../support/kafka.ts';
import { scorerConfig } from '../support/scenario.ts';
import { REPO_ROOT, startScorer, stopScorer } from '../support/scorer-process.ts';

test('a corrupt model stops start-up with exit 2 and one JSON fatal line naming the model, nothing else on the streams', async (t) => {
  const repository = mkdtempSync(join(tmpdir(), 'scorer-models-'));
  cpSync(join(REPO_ROOT, 'models', 'fraud'), join(repository, 'fraud'), { recursive: true });
  const onnx = join(repository, 'fraud', '1', 'model.onnx');
  const bytes = readFileSync(onnx);
  // Valid protobuf, broken tree ensemble (one byte of its attributes flipped): onnxruntime fails in
  // initialization and, left alone, logs a coloured error line to stderr as it does.
  bytes[1336] = (bytes[1336] ?? 0) ^ 0x5a;
  writeFileSync(onnx, bytes);
  const output = uniqueName('corrupt-out');
  const config = scorerConfig({
    groupId: uniqueName('corrupt'),
    inputs: [{ topic: uniqueName('corrupt-in'), format: 'json' }],
    output,
    outputFormat: 'json',
    deadLetter: `${output}.dlq`,
  });
  const scorer = await startScorer({ ...config, models: { repository, serve: [{ name: 'fraud', version: 1 }] } });
  t.after(() => stopScorer(scorer, 'SIGKILL', 5000));
  const { code } = await scorer.exited;
  const logs = scorer.logs();
  assert.equal(code, 2, `a model that cannot load is a configuration problem; logs:\n${logs}`);
  assert.ok(!logs.includes('\u001b['), 'no ANSI escape sequences');
  const lines = logs.split('\n').filter((line) => line.trim() !== '');
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
  const fatal = lines.map((line) => JSON.parse(line) as { level: string; err?: { message: string } }).filter((entry) => entry.level === 'fatal');
  assert.equal(fatal.length, 1);
  const message = fatal[0]?.err?.message ?? '';
  t.diagnostic(`fatal: ${message.slice(0, 400)}`);
  assert.match(message, /fraud:1/);
  assert.match(message, /invalid model|failed to load/i);
  assert.equal(message.split('fraud:1').length - 1, 1, `the model is named once, the reason said once: ${message}`);
});
