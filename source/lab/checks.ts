import type { CheckName } from '../scenario/schema.js';
import type { Ledger } from './ledger.js';

export interface CheckResult {
  readonly name: CheckName;
  readonly ok: boolean;
  readonly detail: string;
}

export function noLoss(ledger: Ledger): CheckResult {
  const published = ledger.totalPublished();
  const received = ledger.totalReceived();
  const missing = published - received;
  if (missing === 0) {
    return { name: 'no-loss', ok: true, detail: `${published} published, ${received} received` };
  }
  const examples = ledger.missingExamples(3).join(', ');
  return {
    name: 'no-loss',
    ok: false,
    detail: `${published} published, ${received} received, ${missing} never received (e.g. ${examples})`,
  };
}

export function runChecks(names: readonly CheckName[], ledger: Ledger): CheckResult[] {
  const checks: Record<CheckName, (ledger: Ledger) => CheckResult> = { 'no-loss': noLoss };
  return names.map((name) => checks[name](ledger));
}
