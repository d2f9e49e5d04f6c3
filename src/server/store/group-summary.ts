// A group's summary as one member sees it: the last message and unread count of their window; role null once they left.
import type { GroupSummary } from '../../shared/protocol.js';
import type { SpanReader } from './spans.js';
import { toMessage, type GroupSummaryRow, type MessageRow, type Statements } from './statements.js';

export interface SummaryReaders {
  stmt: Statements;
  spans: SpanReader;
  headOf(conversationId: number): { lastSeq: number; lastId: number };
}

export function groupSummary({ stmt, spans, headOf }: SummaryReaders, userId: number, row: GroupSummaryRow): GroupSummary {
  const head = headOf(row.id);
  const lastSeq = row.left_seq ?? head.lastSeq;
  const lastId = row.left_cursor ?? head.lastId;
  let last: MessageRow | undefined;
  if (lastSeq > row.joined_seq) last = row.left_seq === null ? stmt.messageByCursor.get(head.lastId) : spans.before(row.id, lastId, lastSeq + 1, 1)[0];
  const unread = lastSeq > row.read_seq ? Math.min(lastSeq - row.read_seq, spans.unread(row.id, userId, row.read_seq, lastSeq, lastId)) : 0;
  return {
    id: row.id,
    kind: 'group',
    groupId: row.group_id,
    name: row.name,
    memberCount: row.member_count,
    role: row.left_cursor === null ? row.role : null,
    lastSeq,
    readSeq: row.read_seq,
    unread,
    lastMessage: last ? toMessage(last) : null,
    epoch: row.epoch,
    chainLength: row.chain_length,
  };
}
