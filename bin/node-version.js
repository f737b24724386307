// Plain JavaScript on purpose: it must run on any Node.js, including one too old for the TypeScript
// sources (Node 20 cannot load .ts files at all: ERR_UNKNOWN_FILE_EXTENSION, with no hint what to do).

/** The Node.js the sources need: type stripping without flags, and @platformatic/kafka 2.x. */
export const MINIMUM = [22, 22];

/** What to tell a user whose Node.js is older than MINIMUM; undefined when `version` (e.g. "v20.20.2") is fine. */
export function tooOld(version, command) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  if (major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1])) return undefined;
  return [
    `${command} needs Node.js ${MINIMUM.join('.')} or newer (it runs its TypeScript sources directly); this is Node.js ${version}.`,
    'Either put Node.js 24 first on PATH, or run it through npm, which installs node@24 under .tools/ when the',
    "machine's node is older (scripts/use-node.sh):",
    '  npm start -- --config <file>        (stream-scorer run)',
    '  npm run scorer -- --help            (any stream-scorer command)',
    '  npm run loadgen -- --help           (the load generator)',
  ].join('\n');
}

/** Exits 2 with the explanation when this Node.js is too old; returns otherwise. */
export function requireNode(command) {
  const message = tooOld(process.version, command);
  if (message === undefined) return;
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
