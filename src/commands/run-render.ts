/** The results of `run` and its subcommands, and their human rendering. */
import { nextCommand, type Invocation } from '../command-kit.js';
import type { BuildResult, HostStatus, StopResult } from '../host/operations.js';
import type { InstallPackageResult } from '../host/install-package.js';
import type { LaunchResult } from '../host/launch.js';
import type { PreflightResult } from '../host/preflight.js';
import { escapeControl as e } from '../io/safe-text.js';
import type { Style } from '../io/style.js';

export type RunResult =
  | ({ mode: 'check' } & PreflightResult)
  | ({ mode: 'status' } & HostStatus)
  | ({ mode: 'stop' } & StopResult)
  | { mode: 'logs'; unit: string; lines: string[] }
  | ({ mode: 'build' } & BuildResult)
  | { mode: 'supervise'; enclaveName: string; healthy: true }
  | ({ mode: 'start'; kind: 'eif' } & LaunchResult)
  | ({ mode: 'start'; kind: 'package' } & InstallPackageResult);

const MARK = { pass: '✔', warn: '⚠', fail: '✖' } as const;
const ms = (n: number) => `${Math.round(n)} ms`;

export function render(result: RunResult, style: Style, invocation?: Invocation): string {
  switch (result.mode) {
    case 'check':
      return result.checks
        .map((c) => {
          const mark =
            c.status === 'pass'
              ? style.green(MARK.pass)
              : c.status === 'warn'
                ? style.yellow(MARK.warn)
                : style.red(MARK.fail);
          const hint = c.hint && c.status !== 'pass' ? `\n  ${style.dim(`hint: ${e(c.hint)}`)}` : '';
          return `${mark} ${style.bold(c.id.padEnd(13))} ${e(c.message)}${hint}`;
        })
        .join('\n');
    case 'status':
      if (result.enclaves.length === 0) return style.dim('no enclave is running');
      return result.enclaves
        .map((x) =>
          [
            `${style.bold(e(x.name ?? '(unnamed)'))} ${e(x.id)} ${x.state === 'RUNNING' ? style.green(x.state) : style.yellow(e(x.state))}${x.debugMode ? ` ${style.red('DEBUG MODE')}` : ''}`,
            `  ${x.memoryMiB} MiB, ${x.cpus} vCPUs${x.unit ? `, unit ${e(x.unit.name)} ${e(x.unit.active)}` : ''}`,
            ...(x.pcr8 ? [`  PCR0 ${x.pcr0 ?? '-'}`, `  PCR8 ${x.pcr8}`] : []),
          ].join('\n'),
        )
        .join('\n');
    case 'stop':
      return result.via === 'not-running'
        ? style.dim(`no enclave named ${e(result.enclaveName)} was running`)
        : style.green(`✔ stopped ${e(result.enclaveName)}${result.unit ? ` (unit ${e(result.unit)} stopped)` : ''}`);
    case 'logs':
      return result.lines.map((line) => e(line)).join('\n') || style.dim(`no journal lines for ${e(result.unit)}`);
    case 'build':
      return [
        `${style.green('✔')} ${e(result.output)} built and measured in-process: nitro-cli's PCRs match`,
        `  PCR0 ${result.measurements.PCR0}`,
        `  PCR8 ${result.measurements.PCR8 ?? ''}`,
        `  build output saved to ${e(result.buildOutputPath)}`,
        style.dim(`next: ${nextCommand(invocation, `attest --build-output ${e(result.buildOutputPath)}`)}`),
      ].join('\n');
    case 'supervise':
      return `${e(result.enclaveName)} is healthy`;
    case 'start':
      if (result.kind === 'eif')
        return [
          `${style.green('✔')} enclave ${style.bold(e(result.enclaveName))} ${result.alreadyRunning ? 'was already running' : 'is RUNNING'} (${e(result.enclaveId)})${result.debugMode ? ` ${style.red('DEBUG MODE')}` : ''}`,
          `  image  ${e(result.eifPath)}, PCR8 ${result.image.pcrs.PCR8} (in the key policy)`,
          `  unit   ${e(result.unit)} (restarts on failure)`,
          ...(result.hostConfig
            ? [`  host   allocator ${result.hostConfig.allocator}, vsock-proxy ${result.hostConfig.vsockProxy}`]
            : []),
          style.dim(
            `  time   copy ${ms(result.timings.copyMs)}, measure ${ms(result.timings.measureMs)}, checks ${ms(result.timings.checksMs)}, launch ${ms(result.timings.launchMs)}`,
          ),
        ].join('\n');
      return [
        `${style.green('✔')} Fireblocks co-signer installed: enclave ${e(result.status.enclaveState ?? 'RUNNING')}, service ${e(result.status.serviceState ?? 'active')}`,
        `  package ${result.package.sha256} (SHA-256 verified)`,
        `  image   PCR8 ${result.image.pcrs.PCR8} (in the key policy)`,
        ...result.warnings.map((w) => style.yellow(`  ⚠ ${e(w)}`)),
        `next: the Owner approves the new key share in the Fireblocks mobile app within ${result.ownerApprovalHours} hours`,
      ].join('\n');
  }
}
