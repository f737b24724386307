/**
 * The one spelling of a model version's identity, "name:version" (e.g. "fraud:1"): in DLQ headers
 * (scorer.model), logs, metrics and the workers' session table alike.
 */
export function modelId(name: string, version: number): string {
  return `${name}:${version}`;
}
