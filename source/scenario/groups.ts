// Apart from schema.ts so that `rabbit-lab list` can order its groups without loading zod.
/** The groups `rabbit-lab list` shows scenarios in, in this order. */
export const scenarioGroups = [
  'tutorials',
  'reliability',
  'routing',
  'integration',
  'streams',
  'cluster',
  'your own',
] as const;
export type ScenarioGroup = (typeof scenarioGroups)[number];
