/**
 * A small declarative schema language for the configuration: each node carries its type, range,
 * default and documentation, so validation, environment overrides and the reference file all read
 * the same description. `ShapeOf<T>` ties a schema to the TypeScript type it produces: a setting
 * missing from the schema, or of the wrong kind, is a compile error.
 */

/** Computes a default from the rest of the (already filled) configuration; undefined = cannot. */
export type Derive<V> = (root: Readonly<Record<string, unknown>>) => V | undefined;

interface Common<V> {
  /** One line for the reference file and error messages. */
  readonly doc: string;
  readonly default?: V;
  /** A default that depends on other settings, computed after the rest is filled. */
  readonly derive?: Derive<V>;
  /** How the default reads in docs when it is derived. */
  readonly defaultDoc?: string;
  /** May be absent; no default is filled. */
  readonly optional?: boolean;
}

export interface StringNode extends Common<string> {
  readonly kind: 'string';
  readonly minLength?: number;
  readonly pattern?: RegExp;
  /** The message when `pattern` or `minLength` does not hold, e.g. "must be host:port". */
  readonly hint?: string;
}

export interface NumberNode extends Common<number> {
  readonly kind: 'number';
  readonly integer: boolean;
  readonly min?: number;
  readonly max?: number;
  /** The bounds themselves are excluded. */
  readonly exclusive?: boolean;
}

export interface BooleanNode extends Common<boolean> {
  readonly kind: 'boolean';
}

/** A string or a finite number: a value stored as either (an enrichment field's default). */
export interface ScalarNode extends Common<string | number> {
  readonly kind: 'scalar';
}

export interface EnumNode<T extends string = string> extends Common<T> {
  readonly kind: 'enum';
  readonly values: readonly T[];
}

export interface ArrayNode extends Common<readonly unknown[]> {
  readonly kind: 'array';
  readonly items: AnyNode;
  readonly minItems?: number;
  /**
   * Names the field that must be unique across items (objects), or several fields whose values together
   * must be (models.serve: a name may be served at two versions, not twice at one), or true for scalar items.
   */
  readonly uniqueBy?: string | readonly string[] | true;
}

export interface ObjectNode {
  readonly kind: 'object';
  readonly doc?: string;
  readonly optional?: boolean;
  readonly fields: Readonly<Record<string, AnyNode>>;
}

export type AnyNode = StringNode | NumberNode | BooleanNode | ScalarNode | EnumNode | ArrayNode | ObjectNode;

/** The schema node type that describes a value of type T (used only at compile time). */
export type ShapeOf<T> = [T] extends [boolean]
  ? BooleanNode
  : [T] extends [number]
    ? NumberNode
    : [T] extends [string]
      ? string extends T
        ? StringNode
        : EnumNode<T>
      : [T] extends [string | number]
        ? ScalarNode
        : T extends readonly (infer E)[]
          ? ArrayNode & { readonly items: ShapeOf<E> }
          : ObjectShape<T>;

/** Written as a literal (not through a helper) so that a setting unknown to T is a compile error. */
interface ObjectShape<T> {
  readonly kind: 'object';
  readonly doc?: string;
  readonly optional?: boolean;
  readonly fields: FieldsOf<T>;
}

type FieldsOf<T> = {
  readonly [K in keyof T]-?: undefined extends T[K] ? ShapeOf<NonNullable<T[K]>> & { readonly optional: true } : ShapeOf<T[K]>;
};

type Opts<N> = Omit<N, 'kind'>;

// Generic over the options so that `optional: true` survives into the node's type (see FieldsOf).
export const str = <const O extends Opts<StringNode>>(opts: O): StringNode & O => ({ kind: 'string', ...opts });
export const bool = <const O extends Opts<BooleanNode>>(opts: O): BooleanNode & O => ({ kind: 'boolean', ...opts });
export const int = <const O extends Omit<Opts<NumberNode>, 'integer'>>(opts: O): NumberNode & O => ({
  kind: 'number',
  integer: true,
  ...opts,
});
export const num = <const O extends Omit<Opts<NumberNode>, 'integer'>>(opts: O): NumberNode & O => ({
  kind: 'number',
  integer: false,
  ...opts,
});
export const scalar = <const O extends Opts<ScalarNode>>(opts: O): ScalarNode & O => ({ kind: 'scalar', ...opts });
export const oneOf = <const T extends string>(values: readonly T[], opts: Omit<Opts<EnumNode<T>>, 'values'>): EnumNode<T> => ({
  kind: 'enum',
  values,
  ...opts,
});
export const list = <N extends AnyNode, const O extends Omit<Opts<ArrayNode>, 'items'>>(items: N, opts: O): ArrayNode & { readonly items: N } & O => ({
  kind: 'array',
  items,
  ...opts,
});

/** Whether an environment variable can carry this node (scalars and lists of scalars). */
export function isEnvSettable(node: AnyNode): boolean {
  if (node.kind === 'object') return false;
  if (node.kind === 'array') return node.items.kind !== 'object' && node.items.kind !== 'array';
  return true;
}

/** Every leaf setting (scalar or list) with its dotted path segments, depth first. */
export function* leaves(node: ObjectNode, prefix: readonly string[] = []): Generator<{ segments: readonly string[]; node: Exclude<AnyNode, ObjectNode> }> {
  for (const [key, child] of Object.entries(node.fields)) {
    const segments = [...prefix, key];
    if (child.kind === 'object') yield* leaves(child, segments);
    else yield { segments, node: child };
  }
}
