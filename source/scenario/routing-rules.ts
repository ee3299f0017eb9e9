/**
 * Rules across a scenario's routing fields: a binding to a headers exchange names the headers it
 * matches, a binding to another kind of exchange does not, an alternate exchange is a name.
 */
import type * as z from '../vendor/zod.js';

type Issues = z.RefinementCtx;

interface Parts {
  readonly topology: {
    readonly exchanges: readonly {
      readonly name: string;
      readonly type: string;
      readonly arguments: Readonly<Record<string, unknown>>;
    }[];
    readonly bindings: readonly {
      readonly exchange: string;
      readonly keys: readonly string[];
      readonly match?: string | undefined;
      readonly headers?: Readonly<Record<string, unknown>> | undefined;
    }[];
  };
  readonly actors: readonly {
    readonly kind: string;
    readonly bind?: { readonly exchange: string } | undefined;
  }[];
  readonly tour: readonly { readonly do?: unknown }[];
  readonly services?: { readonly exchange: string } | undefined;
}

function checkBindings(scenario: Parts, issues: Issues): void {
  const typeOf = new Map(scenario.topology.exchanges.map((x) => [x.name, x.type]));
  scenario.topology.bindings.forEach((b, i) => {
    const path = ['topology', 'bindings', i];
    const type = typeOf.get(b.exchange);
    const add = (field: string, message: string) =>
      issues.addIssue({ code: 'custom', path: [...path, field], message });
    if (type === 'x-consistent-hash') {
      if (!b.keys.every((k) => /^[1-9]\d{0,5}$/.test(k)))
        add(
          'keys',
          `a binding to the consistent-hash exchange '${b.exchange}' takes its weight as its key: a whole number such as 1 or 2`,
        );
      return;
    }
    if (type === 'headers') {
      if (b.headers === undefined)
        add(
          'headers',
          `a binding to the headers exchange '${b.exchange}' needs \`headers\` to match`,
        );
      if (b.keys.length !== 1 || b.keys[0] !== '')
        add('keys', 'a headers exchange ignores routing keys: leave out `keys`');
      return;
    }
    const field = b.headers !== undefined ? 'headers' : b.match !== undefined ? 'match' : undefined;
    if (field === undefined) return;
    add(
      field,
      type === undefined
        ? `\`${field}\` is for a headers exchange: declare '${b.exchange}' in topology.exchanges with type headers`
        : `\`${field}\` is for a headers exchange, and '${b.exchange}' is a ${type} exchange`,
    );
  });
}

function spawned(step: { readonly do?: unknown }): { bind?: { exchange: string } } | undefined {
  const action = step.do;
  if (typeof action !== 'object' || action === null || !('spawn' in action)) return undefined;
  return action.spawn as { bind?: { exchange: string } };
}

export function checkRouting(scenario: Parts, issues: Issues): void {
  checkBindings(scenario, issues);
  const headersExchanges = new Set(
    scenario.topology.exchanges.filter((x) => x.type === 'headers').map((x) => x.name),
  );
  const consumers = [
    ...scenario.actors.map((a, i) => ({ bind: a.bind, path: ['actors', i, 'bind'] })),
    ...scenario.tour.map((step, i) => ({
      bind: spawned(step)?.bind,
      path: ['tour', i, 'do', 'spawn', 'bind'],
    })),
  ];
  for (const { bind, path } of consumers) {
    if (bind && headersExchanges.has(bind.exchange))
      issues.addIssue({
        code: 'custom',
        path,
        message: `a consumer's own queue binds by keys, which the headers exchange '${bind.exchange}' ignores: bind a named queue in topology.bindings with \`headers\` and consume from it`,
      });
  }
  if (scenario.services && headersExchanges.has(scenario.services.exchange))
    issues.addIssue({
      code: 'custom',
      path: ['services', 'exchange'],
      message: `service queues bind by keys, which the headers exchange '${scenario.services.exchange}' ignores`,
    });
  scenario.topology.exchanges.forEach((x, i) => {
    const alternate = x.arguments['alternate-exchange'];
    if (alternate === undefined) return;
    const path = ['topology', 'exchanges', i, 'arguments', 'alternate-exchange'];
    const message =
      typeof alternate !== 'string' || alternate === ''
        ? 'alternate-exchange names an exchange'
        : alternate === x.name
          ? 'an exchange cannot be its own alternate exchange'
          : undefined;
    if (message) issues.addIssue({ code: 'custom', path, message });
  });
}
