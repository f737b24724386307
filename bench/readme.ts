/**
 * Replaces the README's benchmark section, between its two markers, with the latest tables. The section
 * holds parts, each between markers of its own: the drain's, the open-loop suite's and the scale-out
 * stage's. A run replaces the parts it measured and keeps the others (so `--only drain` and a `--quick`
 * run of the rest can both be shown, each with its own results file); a section without part markers is
 * an older layout and is replaced whole.
 */
export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

export type PartName = 'drain' | 'suite' | 'scale-out';
const PART_NAMES: readonly PartName[] = ['drain', 'suite', 'scale-out'];

function partMarkers(name: PartName): { begin: string; end: string } {
  return { begin: `<!-- bench:${name}:begin -->`, end: `<!-- bench:${name}:end -->` };
}

/** The text between a part's markers in `section`, markers included; undefined when absent. */
function existingPart(section: string, name: PartName): string | undefined {
  const { begin, end } = partMarkers(name);
  const from = section.indexOf(begin);
  const to = section.indexOf(end);
  return from < 0 || to < from ? undefined : section.slice(from, to + end.length);
}

function renderPart(name: PartName, table: string, resultsFile: string): string {
  const { begin, end } = partMarkers(name);
  return `${begin}\n${table.trim()}\n\nFull results: [${resultsFile}](${resultsFile}).\n${end}`;
}

/** `tables` holds the parts this run measured; the others are kept from the README as they are. */
export function replaceBenchSection(readme: string, tables: Partial<Record<PartName, string | null>>, resultsFile: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README has no ${BEGIN} … ${END} section to replace`);
  const section = readme.slice(begin + BEGIN.length, end);
  const parts: string[] = [];
  for (const name of PART_NAMES) {
    const table = tables[name];
    const part = table === undefined || table === null ? existingPart(section, name) : renderPart(name, table, resultsFile);
    if (part !== undefined) parts.push(part);
  }
  return `${readme.slice(0, begin)}${BEGIN}\n${parts.join('\n\n')}\n${readme.slice(end)}`;
}
