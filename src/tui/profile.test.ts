// The profile file: a storage only the user can read, that survives a new instance and a damaged file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStorage, parleyHome } from './profile.js';

describe('profile storage', () => {
  it('persists to a file only the user can read, and survives a new instance', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-home-'));
    try {
      expect(parleyHome({ PARLEY_HOME: home })).toBe(home);
      const file = path.join(home, 'profiles', 'server_1', 'alice.json');
      const storage = fileStorage(file);
      expect(storage.getItem('parley.token')).toBeNull();
      storage.setItem('parley.token', 'secret');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(fileStorage(file).getItem('parley.token')).toBe('secret');
      storage.removeItem('parley.token');
      expect(fileStorage(file).getItem('parley.token')).toBeNull();
      fs.writeFileSync(file, 'not json');
      expect(fileStorage(file).getItem('x')).toBeNull();
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
