// A protocol-level test user with end-to-end keys: registers or logs in like the SDK, and sends encrypted text.
import { derive, registration } from '../../src/shared/client/e2e.js';
import {
  encryptMessage,
  membersHash,
  fromBase64url,
  newEpochKey,
  openEpochKey,
  openIdentity,
  parsePublicIdentity,
  publicIdentityOf,
  sealEpochKey,
  toBase64url,
  type Identity,
  type PublicIdentity,
} from '../../src/shared/crypto/index.js';
import type { SendAck } from '../../src/shared/protocol.js';
import { RequestFailed, TestClient } from './client.js';

type E2eeTestUser = TestClient & {
  token: string;
  identity: Identity;
  /** Encrypts `text` for the conversation with `to` (creating its key if needed) and sends it. */
  sendText(to: string, text: string, clientMsgId: string): Promise<SendAck>;
};

/** Connects, says hello and registers with keys (or logs in and opens them when the account exists). */
export async function e2eeUser(url: string, username: string, password = 'correct horse battery', device?: string): Promise<E2eeTestUser> {
  const client = await TestClient.connect(url, { hello: false });
  const { realm } = await client.request('hello', { type: 'hello', versions: [1] });
  let token: string;
  let identity: Identity;
  try {
    // The SDK's own key material (src/shared/client/e2e.ts), sent over the bare protocol.
    const made = await registration(username, password, realm ?? '');
    identity = made.identity;
    token = (await client.request('register', { type: 'register', username, ...made.credentials, ...(device === undefined ? {} : { device }) })).token;
  } catch (error) {
    if (!(error instanceof RequestFailed) || error.code !== 'USERNAME_TAKEN') throw error;
    const pre = await client.request('prelogin', { type: 'prelogin', username });
    const keys = await derive(username, password, fromBase64url(pre.salt)!, pre.kdf, pre.realm);
    const result = await client.request('login', {
      type: 'login',
      username,
      password: toBase64url(keys.authKey),
      ...(device === undefined ? {} : { device }),
    });
    const opened = openIdentity({ bundle: result.keyBundle, username, wrapKey: keys.wrapKey });
    if (!opened.ok) throw new Error(`openIdentity: ${opened.reason}`);
    token = result.token;
    identity = opened.identity;
  }
  const directory = new Map<string, PublicIdentity[]>([[username, [publicIdentityOf(identity, username)]]]);
  const identities = async (name: string) => {
    let known = directory.get(name);
    if (!known) {
      const { identities: list } = await client.request('identity', { type: 'identity', username: name });
      known = list.flatMap((text) => {
        const parsed = parsePublicIdentity(text, name);
        return parsed.ok ? [parsed.identity] : [];
      });
      directory.set(name, known);
    }
    return known;
  };
  const epochKey = async (conversationId: number, peer: string): Promise<[number, Uint8Array, Uint8Array]> => {
    const members = [...new Set([username, peer])];
    const { epochs } = await client.request('epochKeys', { type: 'epochKeys', conversationId });
    const newest = epochs.at(-1);
    if (newest) {
      const creator = await identities(newest.creator);
      const opened = openEpochKey({
        sealed: newest.sealed,
        conversationId,
        epoch: newest.epoch,
        me: identity,
        myName: username,
        creatorName: newest.creator,
        members,
        keys: (name, version) => (name === newest.creator ? creator.find((p) => p.keyVersion === version) : undefined),
      });
      if (!opened.ok) throw new Error(`openEpochKey: ${opened.reason}`);
      if (opened.version !== 2) throw new Error('openEpochKey: an ek1 epoch cannot carry p2 envelopes');
      return [newest.epoch, opened.epochKey, opened.membersHash];
    }
    const key = newEpochKey();
    const recipients = await Promise.all(members.map(async (member) => (await identities(member)).at(-1)!));
    const memberSet = recipients.map((r) => ({ username: r.username, keyVersion: r.keyVersion }));
    const keys = recipients.map((recipient) => ({
      recipient: recipient.username,
      sealed: sealEpochKey({ epochKey: key, conversationId, epoch: 1, recipient, creator: identity, creatorName: username, members: memberSet }),
    }));
    await client.request('addEpoch', { type: 'addEpoch', conversationId, epoch: 1, keys });
    return [1, key, membersHash(memberSet)];
  };
  const sendText = async (to: string, text: string, clientMsgId: string): Promise<SendAck> => {
    const { conversation } = await client.request('open', { type: 'open', with: to });
    const [epoch, key, hash] = await epochKey(conversation.id, to);
    const sealed = encryptMessage({ conversationId: conversation.id, sender: username, clientMsgId, text, epoch, epochKey: key, membersHash: hash, identity });
    if (!sealed.ok) throw new Error(sealed.reason);
    return client.request('send', { type: 'send', to, clientMsgId, body: sealed.body });
  };
  return Object.assign(client, { token, identity, sendText });
}
