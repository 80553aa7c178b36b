// The one interruption path: first Ctrl-C inside a guarded section aborts its signal with an
// ABORTED reason naming the command to run again; a second one, or one outside any section, ends
// the process at once; raw-mode Ctrl-C capture on a terminal; the "run again" command line.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CosignerError } from '../../src/errors.js';
import { captureCtrlC, commandLineOf, Interrupter, interruptedError, type RawInput } from '../../src/io/interrupt.js';

function interrupter() {
  const stopping: string[] = [];
  const exits: CosignerError[] = [];
  const it = new Interrupter({
    commandLine: 'cosigner-cli --sandbox sb provision --yes',
    onStopping: (what, source) => stopping.push(`${what}/${source}`),
    exitNow: (error) => exits.push(error),
  });
  return { it, stopping, exits };
}

describe('Interrupter', () => {
  it('ends the process at once when nothing is being changed', () => {
    const { it: i, exits } = interrupter();
    i.interrupt('SIGINT');
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({ code: 'ABORTED', message: 'interrupted (SIGINT)' });
    expect(exits[0]?.exitCode).toBe(130);
    expect(exits[0]?.hint).toContain('nothing was being changed');
  });

  it('aborts a guarded section at the first interruption and exits at the second', () => {
    const { it: i, stopping, exits } = interrupter();
    const section = i.interruptible('provisioning');
    expect(section.signal.aborted).toBe(false);
    i.interrupt('Ctrl-C');
    expect(section.signal.aborted).toBe(true);
    expect(stopping).toEqual(['provisioning/Ctrl-C']);
    expect(exits).toEqual([]);
    const reason = section.signal.reason as CosignerError;
    expect(reason).toBeInstanceOf(CosignerError);
    expect(reason.code).toBe('ABORTED');
    expect(reason.hint).toBe(
      'to continue, run `cosigner-cli --sandbox sb provision --yes` again: it picks up what this run did',
    );
    expect(i.stopping).toBe(true);

    i.interrupt('Ctrl-C');
    expect(exits).toHaveLength(1);
    expect(exits[0]?.message).toBe('stopped at once (Ctrl-C): provisioning did not finish');
    expect(exits[0]?.hint).toContain('may or may not have completed');
    expect(stopping).toHaveLength(1);
  });

  it('exits at once after the section ended', () => {
    const { it: i, exits } = interrupter();
    const section = i.interruptible('attest');
    section.end();
    section.end();
    expect(i.guarded).toBe(false);
    i.interrupt('SIGTERM');
    expect(section.signal.aborted).toBe(false);
    expect(exits.map((e) => e.message)).toEqual(['interrupted (SIGTERM)']);
  });

  it('listens for SIGINT and SIGTERM until disposed', () => {
    const { it: i, stopping, exits } = interrupter();
    const process = new EventEmitter();
    i.listen(process);
    const section = i.interruptible('the teardown');
    process.emit('SIGTERM');
    expect(section.signal.aborted).toBe(true);
    expect(stopping).toEqual(['the teardown/SIGTERM']);
    process.emit('SIGINT');
    expect(exits).toHaveLength(1);
    i.dispose();
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('interruptedError', () => {
  it("says what was done, keeps the interruption's hint and context", () => {
    const { it: i } = interrupter();
    const section = i.interruptible('provisioning');
    i.interrupt('SIGINT');
    const error = interruptedError(section.signal, 'interrupted: 2 of 7 done', { done: ['IAM role x'] });
    expect(error.code).toBe('ABORTED');
    expect(error.message).toBe('interrupted: 2 of 7 done');
    expect(error.hint).toContain('cosigner-cli --sandbox sb provision --yes');
    expect(error.context).toEqual({ interrupted: 'SIGINT', done: ['IAM role x'] });
  });

  it('has a generic hint without an interruption reason', () => {
    const controller = new AbortController();
    controller.abort();
    expect(interruptedError(controller.signal, 'stopped').hint).toMatch(/run the same command again/);
  });
});

class FakeTty extends EventEmitter implements RawInput {
  isTTY = true;
  isRaw = false;
  paused = true;
  modes: boolean[] = [];
  setRawMode(mode: boolean) {
    this.isRaw = mode;
    this.modes.push(mode);
  }
  resume() {
    this.paused = false;
  }
  pause() {
    this.paused = true;
  }
}

describe('captureCtrlC', () => {
  it('holds the terminal in raw mode, reports each Ctrl-C, discards other keys, and gives it back', () => {
    const tty = new FakeTty();
    let presses = 0;
    const release = captureCtrlC(tty, () => (presses += 1));
    expect([tty.isRaw, tty.paused, tty.listenerCount('data')]).toEqual([true, false, 1]);
    tty.emit('data', Buffer.from('abc\r'));
    expect(presses).toBe(0);
    tty.emit('data', Buffer.from([0x03]));
    tty.emit('data', '\u0003\u0003');
    expect(presses).toBe(3);
    release();
    release();
    expect([tty.isRaw, tty.paused, tty.listenerCount('data')]).toEqual([false, true, 0]);
    expect(tty.modes).toEqual([true, false]);
  });

  it('does nothing without a terminal', () => {
    const tty = new FakeTty();
    tty.isTTY = false;
    captureCtrlC(tty, () => undefined)();
    expect(tty.modes).toEqual([]);
    expect(tty.listenerCount('data')).toBe(0);
  });
});

describe('commandLineOf', () => {
  it('quotes what a shell would split or expand', () => {
    expect(commandLineOf(['--sandbox', '/tmp/a b', 'provision', '--yes'])).toBe(
      "cosigner-cli --sandbox '/tmp/a b' provision --yes",
    );
    expect(commandLineOf(['--tag', "team=it's", '--config=./c.json'])).toBe(
      "cosigner-cli --tag 'team=it'\\''s' --config=./c.json",
    );
    expect(commandLineOf(['--name', '$(rm -rf ~)'])).toBe("cosigner-cli --name '$(rm -rf ~)'");
  });
});
