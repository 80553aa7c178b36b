/**
 * Human renderings of plans and receipts: a table of actions (one line per resource, its calls
 * indented under it) and a short receipt summary. Pure text in, text out; colour is applied by the
 * caller's Style when it has one. Every name, reason and detail may hold AWS-returned text (tags,
 * resource names, error messages) and passes through escapeControl (`e`) before it is coloured.
 */
import { escapeControl as e } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import { shortPCR8 } from '../policy/pcr8.js';
import type { Pcr8Change, Plan, PlannedAction } from './plan-types.js';
import type { Receipt } from './receipt.js';

const PLAIN: Style = {
  bold: (t) => t,
  dim: (t) => t,
  red: (t) => t,
  green: (t) => t,
  yellow: (t) => t,
  cyan: (t) => t,
};

const MARK: Record<PlannedAction['kind'], { sign: string; word: string; color: keyof Style }> = {
  create: { sign: '+', word: 'create', color: 'green' },
  update: { sign: '~', word: 'update', color: 'yellow' },
  noop: { sign: '=', word: 'keep', color: 'dim' },
  refuse: { sign: '!', word: 'refuse', color: 'red' },
};

const short = shortPCR8;

/** The PCR8 change applying the plan makes to the live key policy, if any. */
function pcr8ChangeOf(plan: Pick<Plan, 'pcr8'>): Pcr8Change | undefined {
  const change = plan.pcr8.change;
  return change !== undefined && (change.added.length > 0 || change.removed.length > 0) ? change : undefined;
}

/** The PCR8 change of a plan as one line's text: `+ da1d9e…99a8 (config), − fffc94…2d49 (live policy only)`. */
function pcr8ChangeLine(change: Pcr8Change): string {
  return [
    ...change.added.map((v) => `+ ${short(v)} (in the config)`),
    ...change.removed.map((v) => `− ${short(v)} (only in the live key policy)`),
  ].join(', ');
}

/**
 * The question apply asks. A PCR8 change to the live key policy is named in it, so that nobody
 * admits or locks out an enclave image by answering a generic "apply N changes?".
 */
export function applyQuestion(plan: Plan): string {
  const change = pcr8ChangeOf(plan);
  const pcr8 =
    change === undefined
      ? ''
      : `, changing the key policy's PCR8 list (${[...change.added.map((v) => `add ${short(v)}`), ...change.removed.map((v) => `remove ${short(v)}`)].join(', ')})`;
  return `apply ${plan.summary.writes} change(s) to account ${plan.accountId} in ${plan.region}${pcr8}?`;
}

/** The plan as lines: header, one line per node, its calls, refusals' hints, notes and a summary. */
export function planLines(plan: Plan, style: Style = PLAIN): string[] {
  const values = plan.pcr8.values ?? [plan.pcr8.value];
  const lines = [
    style.bold(e(`Plan for co-signer ${plan.name} in account ${plan.accountId}, ${plan.region}`)),
    style.dim(e(`  PCR8 ${values.map(short).join(', ')} from the ${plan.pcr8.label}`)),
  ];
  const change = pcr8ChangeOf(plan);
  if (change !== undefined) lines.push(style.yellow(e(`  PCR8 change in the key policy: ${pcr8ChangeLine(change)}`)));
  const width = Math.max(...plan.actions.map((a) => e(a.resource).length));
  for (const action of plan.actions) {
    const mark = MARK[action.kind];
    const paint = (text: string) => style[mark.color](text);
    const why =
      action.kind === 'noop'
        ? action.id === undefined
          ? action.reasons.join('; ')
          : action.id
        : action.reasons.join('; ');
    lines.push(
      `  ${paint(`${mark.sign} ${mark.word.padEnd(6)}`)} ${e(action.resource).padEnd(width)}  ${style.dim(e(why))}`,
    );
    for (const op of action.rounds.flat()) lines.push(style.dim(e(`      · ${op.op}: ${op.detail}`)));
    if (action.refusal !== undefined)
      lines.push(`      ${style.red(action.refusal.code)} ${style.dim(e(`hint: ${action.refusal.hint}`))}`);
    for (const note of action.notes) lines.push(style.yellow(e(`      note: ${note}`)));
  }
  if (plan.cost !== undefined) lines.push(style.dim(e(`  cost: ${plan.cost.line}`)));
  const s = plan.summary;
  lines.push(
    `  ${s.create} to create, ${s.update} to update, ${s.noop} unchanged${s.refuse > 0 ? style.red(`, ${s.refuse} refused`) : ''}; ${s.writes} write call(s)`,
  );
  return lines;
}

export function receiptLines(receipt: Receipt, path: string | undefined, style: Style = PLAIN): string[] {
  const r = receipt.resources;
  const row = (label: string, value: string | null) =>
    `  ${label.padEnd(16)} ${value === null ? style.dim('(none)') : e(value)}`;
  return [
    style.bold(e(`Co-signer ${receipt.name} in account ${receipt.accountId}, ${receipt.region}`)),
    row('IAM role', r.role.arn),
    row('instance profile', r.instanceProfile.arn),
    row('S3 bucket', `${r.bucket.name} (SSE-S3, versioning ${r.bucket.versioning ? 'on' : 'off'})`),
    row('KMS key', `${r.key.arn ?? '(none)'} ${r.key.alias}${r.key.adopted ? ' (adopted)' : ''}`),
    row('security group', `${r.securityGroup.id ?? '(none)'} (${r.securityGroup.egress})`),
    row('EC2 host', `${r.instance.id ?? '(none)'} ${r.instance.type} in ${r.instance.subnetId ?? '?'}`),
    ...(r.network === undefined
      ? []
      : [
          row(
            'network',
            `${r.network.mode}${r.network.vpcId === null ? '' : ` in ${r.network.vpcId}`}${r.network.parts['nat'] === undefined ? '' : `, NAT gateway ${r.network.parts['nat']}`}`,
          ),
        ]),
    row('PCR8', `${short(receipt.pcr8.value)} (${receipt.pcr8.label})`),
    row('key policy', receipt.policyHashes.keyPolicy),
    ...(path === undefined ? [] : [style.dim(e(`  receipt written to ${path}`))]),
    ...receipt.retiredKeys.map((k) =>
      style.yellow(
        `  note: key ${e(k)} was a twin made by a retried call; it never held data and is scheduled for deletion`,
      ),
    ),
  ];
}
