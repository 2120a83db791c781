import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BASE_MARKER, BASE_RECIPE, checkBase } from '../../lab/base.js';

let dir: string;
const required = ['usr/sbin/sshd', 'usr/bin/tini', 'usr/bin/python3', 'usr/bin/sudo', 'etc/passwd', 'bin/sh'];

async function fakeBase(marker: string | undefined, files = required): Promise<void> {
  for (const f of files) {
    await fs.mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await fs.writeFile(path.join(dir, f), '');
  }
  if (marker !== undefined) await fs.writeFile(path.join(dir, BASE_MARKER), marker);
}

beforeEach(async () => {
  dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'hw-base-')), 'base');
});
afterEach(async () => {
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
});

describe('checkBase', () => {
  test('a complete base with the current recipe is good', async () => {
    await fakeBase(`${BASE_RECIPE}\n`);
    expect(await checkBase(dir)).toEqual({ ok: true });
  });

  test('no directory: not built yet', async () => {
    expect(await checkBase(dir)).toEqual({ ok: false, reason: 'not built yet' });
  });

  test('no marker: a partial or broken build', async () => {
    await fakeBase(undefined);
    expect(await checkBase(dir)).toMatchObject({ ok: false, reason: expect.stringMatching(/marker is missing/) });
  });

  test('another recipe: rebuilt', async () => {
    await fakeBase('hostwright-lab-base r0 bookworm minbase openssh-server\n');
    expect(await checkBase(dir)).toMatchObject({ ok: false, reason: expect.stringMatching(/another recipe \(hostwright-lab-base r0\)/) });
  });

  test('files gone after the build: damaged', async () => {
    await fakeBase(BASE_RECIPE, required.filter((f) => f !== 'usr/bin/tini'));
    expect(await checkBase(dir)).toMatchObject({ ok: false, reason: 'it is damaged (missing usr/bin/tini)' });
  });
});
