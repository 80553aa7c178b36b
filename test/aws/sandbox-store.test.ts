// The sandbox state file: validation of what is on disk, atomic writes, the inter-process lock
// (several processes writing at once: sandbox-store-processes.e2e.test.ts).
import {
  appendFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSandboxPorts, LOCK_FILE, STATE_FILE, STATE_FORMAT, TRAIL_FILE } from '../../src/aws/sandbox/index.js';
import { memoryStore, SandboxMemory } from '../../src/aws/sandbox/memory-store.js';
import { StateStore } from '../../src/aws/sandbox/store.js';
import { EC2_TRUST, sandbox, tempDir } from './helpers.js';

async function seeded(): Promise<string> {
  const dir = tempDir();
  const ports = await sandbox({ dir });
  await ports.iam.createRole({ RoleName: 'seed', AssumeRolePolicyDocument: EC2_TRUST });
  return dir;
}

describe('sandbox state on disk', () => {
  it('creates the directory and writes nothing until the first write call', async () => {
    const dir = join(tempDir(), 'nested', 'sandbox');
    const ports = await sandbox({ dir });
    await ports.ec2.describeVpcs({});
    expect(existsSync(join(dir, STATE_FILE))).toBe(false);
    await ports.iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: EC2_TRUST });
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as { format: string; version: number };
    expect(state).toMatchObject({ format: STATE_FORMAT, version: 1 });
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  const bad: [string, string, string][] = [
    ['not JSON', '{"format": "cosigner-cli-sandbox-aws", ', 'SANDBOX_STATE_CORRUPT'],
    ['an array', '[]', 'SANDBOX_STATE_CORRUPT'],
    ['a foreign document', JSON.stringify({ format: 'terraform-state', version: 4 }), 'SANDBOX_STATE_FOREIGN'],
    ['a foreign document without format', JSON.stringify({ version: 4, resources: [] }), 'SANDBOX_STATE_FOREIGN'],
    ['a newer version', JSON.stringify({ format: STATE_FORMAT, version: 99 }), 'SANDBOX_STATE_NEWER'],
    [
      'a malformed structure',
      JSON.stringify({
        format: STATE_FORMAT,
        version: 1,
        createdAt: 'x',
        accountId: '1',
        iam: {},
        s3: {},
        regions: {},
        attestationRoots: [],
      }),
      'SANDBOX_STATE_CORRUPT',
    ],
  ];
  it.each(bad)('refuses %s with %s and leaves the file untouched', async (_label, content, code) => {
    const dir = tempDir();
    writeFileSync(join(dir, STATE_FILE), content);
    await expect(createSandboxPorts({ dir, env: {} })).toThrowCosignerError(code as never);
    expect(readFileSync(join(dir, STATE_FILE), 'utf8')).toBe(content);
  });

  it('detects corruption that appears later, on the next call', async () => {
    const dir = await seeded();
    const ports = await sandbox({ dir });
    writeFileSync(join(dir, STATE_FILE), '{"format":');
    await expect(ports.iam.listRoles({})).toThrowCosignerError('SANDBOX_STATE_CORRUPT');
  });

  it('refuses a sandbox path that is not a writable directory', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    await expect(createSandboxPorts({ dir: file, env: {} })).toThrowCosignerError('SANDBOX_UNWRITABLE');
    await expect(createSandboxPorts({ dir: join(file, 'below'), env: {} })).toThrowCosignerError('SANDBOX_UNWRITABLE');
  });

  it('writes nothing when a call fails', async () => {
    const dir = await seeded();
    const before = readFileSync(join(dir, STATE_FILE), 'utf8');
    const ports = await sandbox({ dir });
    await expect(ports.iam.createRole({ RoleName: 'seed', AssumeRolePolicyDocument: EC2_TRUST })).rejects.toMatchObject(
      { name: 'EntityAlreadyExistsException' },
    );
    expect(readFileSync(join(dir, STATE_FILE), 'utf8')).toBe(before);
  });

  it('serialises concurrent transactions within one process', async () => {
    const ports = await sandbox();
    await Promise.all(
      Array.from({ length: 25 }, (_, index) =>
        ports.iam.createRole({ RoleName: `p${index}`, AssumeRolePolicyDocument: EC2_TRUST }),
      ),
    );
    expect((await ports.readState()).iam.roles).toSatisfy((roles: object) => Object.keys(roles).length === 25);
  });

  it('breaks the lock of a dead process, and waits for a live one up to a bound', async () => {
    const dir = await seeded();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 2_147_483_000, host: hostname(), token: 'dead', at: new Date().toISOString() }),
    );
    const ports = await sandbox({ dir });
    await ports.iam.createRole({ RoleName: 'after-dead-lock', AssumeRolePolicyDocument: EC2_TRUST });
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), token: 'alive', at: new Date().toISOString() }),
    );
    const store = new StateStore({ dir, accountId: '111122223333', now: () => new Date(), lockTimeoutMs: 150 });
    await expect(store.transact(() => undefined)).toThrowCosignerError('SANDBOX_LOCKED');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ token: 'alive' });
  });

  it('ignores a torn last line of the CloudTrail log', async () => {
    const dir = await seeded();
    writeFileSync(join(dir, TRAIL_FILE), `${readFileSync(join(dir, TRAIL_FILE), 'utf8')}{"eventName":"Cre`);
    const ports = await sandbox({ dir });
    const { Events } = await ports.cloudtrail.lookupEvents({});
    expect(Events?.map((event) => event.EventName)).toEqual(['CreateRole']);
  });
});

describe('the CloudTrail log, read again after it grew', () => {
  const store = (dir: string) => new StateStore({ dir, accountId: '111122223333', now: () => new Date() });
  const names = async (s: StateStore) => (await s.readTrail()).map((event) => event.eventName);
  const line = (eventName: string) => `${JSON.stringify({ eventName })}\n`;

  it('reads what was appended since, and a torn line once the next append completes it', async () => {
    const dir = tempDir();
    const s = store(dir);
    const path = join(dir, TRAIL_FILE);
    expect(await names(s)).toEqual([]);
    writeFileSync(path, line('A') + line('B'));
    expect(await names(s)).toEqual(['A', 'B']);
    appendFileSync(path, '{"eventName":"C');
    expect(await names(s)).toEqual(['A', 'B']);
    appendFileSync(path, '"}\n' + line('D'));
    expect(await names(s)).toEqual(['A', 'B', 'C', 'D']);
    // Torn for good (a crash mid-append): that line is lost with the one appended after it, as on a first read.
    appendFileSync(path, '{"eventName":"E' + line('F') + line('G'));
    expect(await names(s)).toEqual(['A', 'B', 'C', 'D', 'G']);
    expect(await names(store(dir))).toEqual(['A', 'B', 'C', 'D', 'G']);
  });

  it('reads a log that was replaced, shortened, rewritten in place or removed from the start', async () => {
    const dir = tempDir();
    const s = store(dir);
    const path = join(dir, TRAIL_FILE);
    writeFileSync(path, line('A') + line('B'));
    expect(await names(s)).toEqual(['A', 'B']);
    // Replaced by another file (a new inode), longer than what was read.
    writeFileSync(`${path}.new`, line('X') + line('Y') + line('Z'));
    renameSync(`${path}.new`, path);
    expect(await names(s)).toEqual(['X', 'Y', 'Z']);
    // Shortened in place.
    truncateSync(path, 0);
    appendFileSync(path, line('P'));
    expect(await names(s)).toEqual(['P']);
    // Rewritten in place, same length, then grown.
    writeFileSync(path, line('Q') + line('R'));
    expect(await names(s)).toEqual(['Q', 'R']);
    writeFileSync(path, line('S') + line('T') + line('U'));
    expect(await names(s)).toEqual(['S', 'T', 'U']);
    rmSync(path);
    expect(await names(s)).toEqual([]);
  });

  it('counts a last line with no newline when it parses, and a rewrite that keeps the last bytes read', async () => {
    const dir = tempDir();
    const s = store(dir);
    const path = join(dir, TRAIL_FILE);
    writeFileSync(path, line('A') + JSON.stringify({ eventName: 'B' }));
    expect(await names(s)).toEqual(['A', 'B']);
    appendFileSync(path, `\n${line('C')}`);
    expect(await names(s)).toEqual(['A', 'B', 'C']);
    // Same inode, not shorter, the same bytes where the last read ended, another beginning.
    const kept = readFileSync(path, 'utf8');
    writeFileSync(path, kept.replace('"A"', '"Z"') + line('D'));
    expect(await names(s)).toEqual(['Z', 'B', 'C', 'D']);
    // Two reads at once agree.
    appendFileSync(path, line('E'));
    const [x, y] = await Promise.all([names(s), names(s)]);
    expect([x, y]).toEqual([
      ['Z', 'B', 'C', 'D', 'E'],
      ['Z', 'B', 'C', 'D', 'E'],
    ]);
  });

  it('in memory: the events appended since the last read follow the ones read before', async () => {
    const memory = new SandboxMemory();
    const s = memoryStore(memory, '111122223333', () => new Date());
    await s.appendTrail({ eventName: 'A' });
    expect((await s.readTrail()).map((event) => event.eventName)).toEqual(['A']);
    await s.appendTrail({ eventName: 'B' });
    await s.appendTrail({ eventName: 'C' });
    expect((await s.readTrail()).map((event) => event.eventName)).toEqual(['A', 'B', 'C']);
  });
});
