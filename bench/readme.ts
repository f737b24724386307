/** Replaces the README's benchmark section, between its two markers, with the latest table. */
export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

export function replaceBenchSection(readme: string, table: string, resultsFile: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README has no ${BEGIN} … ${END} section to replace`);
  const body = `${BEGIN}\n${table.trim()}\n\nFull results: [${resultsFile}](${resultsFile}).\n`;
  return readme.slice(0, begin) + body + readme.slice(end);
}
