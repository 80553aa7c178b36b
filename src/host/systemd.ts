/**
 * The real ServiceManagerPort: `systemctl`, `journalctl` and `timedatectl` through the ProcessPort
 * (argument arrays, a fixed environment, timeouts). Unit names are checked before they reach argv.
 */
import { CosignerError } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';
import type { ProcessPort, ServiceManagerPort, UnitActiveState } from './ports.js';

const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', SYSTEMD_PAGER: '' };
const UNIT = /^[A-Za-z0-9@._-]{1,200}\.(service|socket|timer|target)$/;

function checkUnit(unit: string): string {
  if (!UNIT.test(unit))
    throw new CosignerError('INTERNAL', `not a unit name: ${JSON.stringify(unit)}`, { source: 'internal' });
  return unit;
}

export function createSystemd(processes: ProcessPort, timeoutMs = 180_000): ServiceManagerPort {
  const systemctl = async (args: string[]) => {
    const result = await processes.run('systemctl', args, { env: ENV, timeoutMs });
    if (result.exitCode !== 0 || result.timedOut) {
      const unit = args.at(-1) ?? '';
      throw new CosignerError(
        'HOST_SERVICE_FAILED',
        `systemctl ${args.join(' ')} failed${result.timedOut ? ' (timed out)' : ''}: ${escapeControl(result.stderr.trim()).slice(0, 500)}`,
        { hint: `see \`systemctl status ${unit}\` and \`journalctl -xeu ${unit}\``, context: { unit } },
      );
    }
    return result.stdout;
  };
  return {
    async state(unit) {
      const out = await systemctl(['show', '--property=LoadState,ActiveState,UnitFileState', checkUnit(unit)]);
      const props = Object.fromEntries(
        out
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      return {
        loaded: props['LoadState'] === 'loaded',
        active: (props['ActiveState'] ?? 'inactive') as UnitActiveState,
        enabled: props['UnitFileState'] === 'enabled',
      };
    },
    start: async (unit) => void (await systemctl(['start', checkUnit(unit)])),
    stop: async (unit) => void (await systemctl(['stop', checkUnit(unit)])),
    restart: async (unit) => void (await systemctl(['restart', checkUnit(unit)])),
    enable: async (unit) => void (await systemctl(['enable', checkUnit(unit)])),
    disable: async (unit) => void (await systemctl(['disable', checkUnit(unit)])),
    reload: async () => void (await systemctl(['daemon-reload'])),
    async logs(unit, lines) {
      const result = await processes.run(
        'journalctl',
        [
          '--unit',
          checkUnit(unit),
          '--lines',
          String(Math.max(1, Math.min(lines, 10_000))),
          '--no-pager',
          '--output',
          'short-iso',
        ],
        { env: ENV, timeoutMs: 30_000 },
      );
      if (result.exitCode !== 0)
        throw new CosignerError('HOST_SERVICE_FAILED', `journalctl failed: ${escapeControl(result.stderr.trim())}`, {
          hint: 'run as root or as a member of the systemd-journal group',
        });
      return result.stdout.split('\n').filter((l) => l !== '');
    },
    async clockSynchronized() {
      const result = await processes.run('timedatectl', ['show', '--property=NTPSynchronized', '--value'], {
        env: ENV,
        timeoutMs: 10_000,
      });
      if (result.exitCode !== 0) return undefined;
      const value = result.stdout.trim();
      return value === 'yes' ? true : value === 'no' ? false : undefined;
    },
  };
}
