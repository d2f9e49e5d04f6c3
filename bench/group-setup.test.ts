// The benchmark's group chains verify as a client verifies them: a create and adds of at most 256, all signed by the owner.
import { describe, expect, it } from 'vitest';
import { decodeMembershipChange, MAX_GROUP_MEMBERS, publicIdentityOf, verifyChain } from '../src/shared/crypto/index.js';
import { groupChanges } from './group-setup.js';
import { benchIdentity, registrationKeys } from './keys.js';

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `bench-u${i}`);
const keys = (username: string, keyVersion: number) => (keyVersion === 1 ? publicIdentityOf(benchIdentity(username), username) : undefined);

describe('groupChanges', () => {
  it.each([2, 10, 256, 257, 1000])('makes a chain of %i members that verifies, owned by the first', (n) => {
    const members = names(n);
    const changes = groupChanges({ members, owner: benchIdentity(members[0]!), name: `bench ${n}` });
    expect(changes).toHaveLength(n <= 256 ? 1 : 1 + Math.ceil((n - 256) / 256));
    const outcome = verifyChain({ changes, keys });
    if (!outcome.ok) throw new Error(`refused at ${outcome.at}: ${outcome.reason}`);
    expect(outcome.state.members.map((m) => m.username).sort()).toEqual([...members].sort());
    expect(outcome.state.roles.get(members[0]!)).toBe('owner');
    expect(outcome.state.name).toBe(`bench ${n}`);
    expect(decodeMembershipChange(changes[0])?.change.action).toBe('create');
    for (const c of changes.slice(1)) expect(decodeMembershipChange(c)?.change.action).toBe('add');
  });

  it('is refused when signed by anyone but the owner it names', () => {
    const members = names(3);
    const changes = groupChanges({ members, owner: benchIdentity('someone-else'), name: 'x' });
    expect(verifyChain({ changes, keys })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('cannot exceed the member limit', () => {
    const changes = groupChanges({ members: names(MAX_GROUP_MEMBERS + 1), owner: benchIdentity('bench-u0'), name: 'x' });
    expect(verifyChain({ changes, keys })).toMatchObject({ ok: false, reason: 'too-many-members' });
  });
});

describe('registrationKeys', () => {
  it('publishes the identity the bench signs with, the same on every call', () => {
    const a = registrationKeys('bench-u7');
    const b = registrationKeys('bench-u7');
    expect(a.publicIdentity).toBe(b.publicIdentity);
    expect(a.salt).not.toBe(b.salt);
    expect(String(a.keyBundle)).toMatch(/^kb1\./);
  });
});
