/** What a version-2 reader fills in for a prediction written without the version-2 fields. */
export const V2_DEFAULTS = { flow: null, experiment: null, variant: null, fallback: false, fallback_reason: null, chained: [], attributes: {} } as const;
