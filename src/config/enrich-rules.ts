/**
 * The rules of a flow's `enrich` setting (issue 11) that its schema alone cannot say: key templates
 * that parse, defaults of their field's type, no event field set by two lookups, and a default on every
 * field when the flow scores with defaults while Redis is unavailable. Whether a template's fields are
 * in the input's schema needs the registry: flows/check-fields.ts checks that at start-up.
 */
import { parseKeyTemplate } from './key-template.ts';
import { entries, mapping, type Rule } from './rule-tree.ts';

const templatesParse: Rule = (config, violations) => {
  entries(config['flows']).forEach((flow, f) => {
    entries(mapping(flow['enrich'])['lookups']).forEach((lookup, l) => {
      const path = `flows[${f}].enrich.lookups[${l}].key`;
      const text = lookup['key'];
      if (typeof text !== 'string' || !violations.ok(path)) return;
      try {
        parseKeyTemplate(text);
      } catch (error) {
        violations.addValue(path, error instanceof Error ? error.message : String(error), text);
      }
    });
  });
};

const fieldsRule: Rule = (config, violations) => {
  entries(config['flows']).forEach((flow, f) => {
    const enrich = mapping(flow['enrich']);
    const defaults = enrich['onUnavailable'] === 'defaults';
    const setBy = new Map<unknown, string>();
    entries(enrich['lookups']).forEach((lookup, l) => {
      entries(lookup['fields']).forEach((field, k) => {
        const path = `flows[${f}].enrich.lookups[${l}].fields[${k}]`;
        const { name, type } = field;
        const fill = field['default'];
        if (fill !== undefined && violations.ok(`${path}.default`) && typeof fill !== (type === 'string' ? 'string' : 'number'))
          violations.addValue(`${path}.default`, `must be a ${type === 'string' ? 'string' : 'number'}, as ${path}.type says`, fill);
        if (fill === undefined && defaults && violations.ok(`${path}.default`))
          violations.add(`${path}.default`, `is required when flows[${f}].enrich.onUnavailable is "defaults" (it is what the record is scored with)`);
        const first = setBy.get(name);
        if (first !== undefined && violations.ok(`${path}.name`)) violations.addValue(`${path}.name`, `is set by ${first} too`, name);
        else if (first === undefined) setBy.set(name, `${path}.name`);
      });
    });
  });
};

export const ENRICH_RULES: readonly Rule[] = [templatesParse, fieldsRule];
