// What a desktop notice says: nothing for a muted conversation, only the sender when the text is hidden.
import { describe, expect, it } from 'vitest';
import { loadNotifyPrefs, noticeText, saveNotifyPrefs } from './notifications.js';

/** A Storage over a Map, as the browser's localStorage behaves for these calls. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

describe('notices', () => {
  it('says nothing for a muted conversation and hides the text when asked', () => {
    const open = { hideText: false, muted: [] };
    expect(noticeText(open, 'bob', 'the launch code is 0000')).toEqual({ title: 'bob', body: 'the launch code is 0000' });
    expect(noticeText({ ...open, hideText: true }, 'bob', 'the launch code is 0000')).toEqual({ title: 'bob', body: 'New message' });
    expect(noticeText({ ...open, muted: ['bob'] }, 'bob', 'hi')).toBeNull();
    expect(noticeText({ ...open, muted: ['bob'] }, 'carol', 'hi')).toEqual({ title: 'carol', body: 'hi' });
    expect(noticeText(open, 'bob', 'x'.repeat(200))?.body).toHaveLength(158);
  });

  it('a group notice names the group and the author; a muted group speaks only of mentions', () => {
    const open = { hideText: false, muted: [] };
    const ops = { name: 'Ops', muted: false, mention: false };
    expect(noticeText(open, 'bob', 'deploy at 5', ops)).toEqual({ title: 'Ops', body: 'bob: deploy at 5' });
    expect(noticeText(open, 'bob', 'deploy at 5', { ...ops, muted: true })).toBeNull();
    expect(noticeText(open, 'bob', '@carol look', { ...ops, muted: true, mention: true })).toEqual({ title: 'bob mentioned you in Ops', body: 'bob: @carol look' });
    expect(noticeText({ ...open, hideText: true }, 'bob', '@carol look', { ...ops, mention: true })).toEqual({ title: 'bob mentioned you in Ops', body: 'New mention' });
    // Muting bob's direct conversation does not mute the groups he writes in.
    expect(noticeText({ ...open, muted: ['bob'] }, 'bob', 'hi', ops)).toEqual({ title: 'Ops', body: 'bob: hi' });
  });

  it('keeps the choices per user, and survives a broken saved value', () => {
    const storage = memoryStorage();
    saveNotifyPrefs('alice', { hideText: true, muted: ['bob'] }, storage);
    expect(loadNotifyPrefs('alice', storage)).toEqual({ hideText: true, muted: ['bob'] });
    expect(loadNotifyPrefs('carol', storage)).toEqual({ hideText: false, muted: [] });
    storage.setItem('parley.notify.alice', '{not json');
    expect(loadNotifyPrefs('alice', storage)).toEqual({ hideText: false, muted: [] });
  });
});
