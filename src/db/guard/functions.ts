import {
  type CatalogAnswer,
  type CatalogRequest,
  type FunctionLookup,
  type NameRef,
  nameKey,
} from './catalog.js';
import type { GuardViolation } from './errors.js';
import {
  ALLOWED_FUNCTIONS,
  BUILTIN_OPERATORS,
  denyReason,
  isBuiltinSchema,
  READABLE_SETTINGS,
  relationDenyReason,
} from './policy.js';
import type { FunctionUse, NameUse, QueryFacts } from './walk.js';

const VOLATILITY_NAMES = { i: 'IMMUTABLE', s: 'STABLE', v: 'VOLATILE' } as const;

const display = (ref: NameRef) => (ref.schema ? `${ref.schema}.${ref.name}` : ref.name);

/**
 * The decision for each function, operator and attribute name that needs no catalog: refused
 * (deny list, unreadable setting), accepted (allow list, built-in operator), or left in
 * `pending` for the catalog. With `catalogChecks`, built-in operator symbols and names after a
 * dot go to the catalog as well, because a user-defined operator or function may share them.
 */
export function classifyStatically(
  facts: QueryFacts,
  catalogChecks: boolean,
): { violations: GuardViolation[]; pending: CatalogRequest; pendingUses: PendingUses } {
  const violations: GuardViolation[] = [];
  const pending: CatalogRequest = { functions: [], operators: [], attributes: [] };
  const pendingUses: PendingUses = { functions: new Map(), operators: new Map(), attributes: new Map() };

  for (const use of facts.functions) {
    const reason = denyReason(use.name);
    if (reason) {
      violations.push(
        functionViolation(use, `function ${display(use)}`, `${reason}; it is on the deny list`),
      );
    } else if (use.name === 'current_setting' && isBuiltinSchema(use.schema)) {
      const problem = settingProblem(use);
      if (problem)
        violations.push({
          construct: 'setting',
          found: problem,
          reason: 'only app.* and a few harmless settings may be read',
          position: use.position,
        });
    } else if (!(ALLOWED_FUNCTIONS.has(use.name) && isBuiltinSchema(use.schema))) {
      remember(pendingUses.functions, nameKey(use), use, () =>
        pending.functions.push({ schema: use.schema, name: use.name }),
      );
    }
  }

  for (const use of facts.relations) {
    const reason = relationDenyReason(use.name);
    if (reason)
      violations.push({ construct: 'statistics', found: display(use), reason, position: use.position });
  }

  for (const use of facts.operators) {
    const builtin = BUILTIN_OPERATORS.has(use.name) && isBuiltinSchema(use.schema);
    // OPERATOR(pg_catalog.=) cannot be shadowed; a bare `=` may be, by another schema's `=`.
    if (!builtin || (catalogChecks && use.schema === undefined))
      remember(pendingUses.operators, nameKey(use), use, () =>
        pending.operators.push({ schema: use.schema, name: use.name }),
      );
  }

  for (const use of facts.attributes) {
    const reason = denyReason(use.name);
    if (reason) {
      violations.push(
        functionViolation(
          use,
          `function ${use.name} called as .${use.name}`,
          `${reason}; it is on the deny list`,
        ),
      );
    } else if (use.name === 'current_setting') {
      violations.push({
        construct: 'setting',
        found: 'current_setting called as .current_setting',
        reason: 'a setting must be named by a string literal in current_setting(...)',
        position: use.position,
      });
    } else if (catalogChecks) {
      remember(pendingUses.attributes, use.name, use, () => pending.attributes.push(use.name));
    }
  }
  return { violations, pending, pendingUses };
}

export interface PendingUses {
  functions: Map<string, NameUse>;
  operators: Map<string, NameUse>;
  attributes: Map<string, NameUse>;
}

/** Judges what the static pass left open, with the catalog if there is one. */
export async function judgeWithCatalog(
  pending: CatalogRequest,
  uses: PendingUses,
  lookup: FunctionLookup | undefined,
): Promise<GuardViolation[]> {
  const violations: GuardViolation[] = [];
  if (!lookup) {
    for (const use of uses.functions.values())
      violations.push(
        functionViolation(
          use,
          `function ${display(use)}`,
          'it is not on the allow list of built-in read-only functions',
        ),
      );
    for (const use of uses.operators.values())
      violations.push({
        construct: 'operator',
        found: `operator ${display(use)}`,
        reason: 'it is not a built-in operator',
        position: use.position,
      });
    return violations;
  }
  const answer: CatalogAnswer = lookup.resolve
    ? await lookup.resolve(pending)
    : { functions: await lookup(pending.functions), operators: new Map(), attributes: new Map() };

  for (const [key, use] of uses.functions) {
    const entry = answer.functions.get(key);
    if (!entry)
      violations.push(
        functionViolation(use, `function ${display(use)}`, 'no such function is visible in the database'),
      );
    else if (entry.volatility === 'v')
      violations.push(
        functionViolation(
          use,
          `function ${display(use)}`,
          `it is VOLATILE (${entry.schema}.${use.name}) and may have side effects`,
        ),
      );
  }
  for (const [key, use] of uses.operators) {
    const entry = answer.operators.get(key);
    const builtin = BUILTIN_OPERATORS.has(use.name) && isBuiltinSchema(use.schema);
    if (!entry) {
      // Built-in symbols: the catalog is asked only about other schemas' operators sharing the
      // symbol, so no answer means only pg_catalog's own. Anything else unknown is refused
      // (PostgreSQL would fail on it too).
      if (!builtin)
        violations.push({
          construct: 'operator',
          found: `operator ${display(use)}`,
          reason: lookup.resolve
            ? 'no such operator is visible in the database'
            : 'it is not a built-in operator',
          position: use.position,
        });
      continue;
    }
    const denied = (entry.functions ?? []).find((f) => denyReason(f));
    if (entry.volatility === 'v' || denied)
      violations.push({
        construct: 'operator',
        found: `operator ${display(use)}`,
        reason: `it runs ${denied ?? (entry.functions ?? []).join('/')} (${VOLATILITY_NAMES[entry.volatility]}), which may have side effects`,
        position: use.position,
      });
  }
  for (const [name, use] of uses.attributes) {
    const entry = answer.attributes.get(name);
    if (entry?.volatility === 'v')
      violations.push(
        functionViolation(
          use,
          `function ${name} called as .${name}`,
          `PostgreSQL may call the VOLATILE function ${entry.schema}.${name} in attribute notation`,
        ),
      );
  }
  return violations;
}

function functionViolation(use: NameUse, found: string, reason: string): GuardViolation {
  return { construct: 'function', found, reason, position: use.position };
}

function remember<T>(map: Map<string, T>, key: string, use: T, add: () => void): void {
  if (map.has(key)) return;
  map.set(key, use);
  add();
}

/** current_setting must name its setting with a string literal that is app.* or harmless. */
function settingProblem(use: FunctionUse): string | undefined {
  const first = use.args[0] as { A_Const?: { sval?: { sval?: string } } } | undefined;
  const name = first?.A_Const?.sval?.sval;
  if (typeof name !== 'string') return 'current_setting with a computed name';
  const lower = name.toLowerCase();
  if (lower.startsWith('app.') || READABLE_SETTINGS.has(lower)) return undefined;
  return `current_setting('${name}')`;
}
