// A group conversation's lines as the chat shows them: its loaded messages, then the user's unsent ones to it.
import { selectThread, type ClientState, type ThreadItem } from '../shared/client/index.js';

/** Messages by seq (the SDK's selectThread), then the outbox entries addressed to this conversation by id. */
export function groupItems(state: ClientState, conversationId: number): ThreadItem[] {
  const me = state.session?.username ?? '';
  const items = selectThread(state, conversationId, '').filter((item) => item.seq !== null);
  for (const entry of state.outbox) {
    if (entry.conversationId !== conversationId) continue;
    items.push({
      key: `pending:${entry.clientMsgId}`,
      from: me,
      to: '',
      body: entry.body,
      ts: entry.createdAt,
      seq: null,
      mine: true,
      status: entry.status,
      clientMsgId: entry.clientMsgId,
      ...(entry.error ? { error: entry.error } : {}),
    });
  }
  return items;
}
