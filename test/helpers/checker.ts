// The delivery checker: reads a Parley SQLite file or PostgreSQL database and proves every acked message is stored
// once, with its acked seq, gap-free.
import Database from 'better-sqlite3';
import pg from 'pg';

/** What a client learned from one `send` ack. */
export interface AckedMessage {
  from: string;
  clientMsgId: string;
  conversationId: number;
  seq: number;
}

export interface DeliveryReport {
  ok: boolean;
  acked: number;
  stored: number;
  conversations: number;
  /** Acked but not in the database. */
  lost: AckedMessage[];
  /** (sender, clientMsgId) stored more than once. */
  duplicated: { from: string; clientMsgId: string; copies: number }[];
  /** Stored, but not in the conversation or at the seq its ack named. */
  moved: { ack: AckedMessage; stored: { conversationId: number; seq: number } }[];
  /** One clientMsgId acked with two different (conversation, seq): a resend was not answered with the original ack. */
  contradictions: { first: AckedMessage; second: AckedMessage }[];
  /** Conversations whose seqs are not exactly 1..their highest seq. */
  gaps: { conversationId: number; lastSeq: number; count: number; missing: number[] }[];
  /** One line per kind of problem, for assertion messages. */
  problems: string[];
}

export interface Row {
  from_name: string;
  client_msg_id: string;
  conversation_id: number;
  seq: number;
}

const key = (from: string, clientMsgId: string) => `${from}\u0000${clientMsgId}`;

/** Every stored message's sender, clientMsgId and place, the same query on either engine. */
export const STORED_PLACES = `SELECT u.username AS from_name, m.client_msg_id, m.conversation_id, m.seq FROM messages m JOIN users u ON u.id = m.sender_id`;
/** Each conversation's seq statistics, the same query on either engine (counts cast for PostgreSQL's bigint). */
export const SEQ_STATS = `
  SELECT c.id, coalesce(max(m.seq), 0) AS last_seq, count(m.id) AS count, min(m.seq) AS min_seq, max(m.seq) AS max_seq,
    count(DISTINCT m.seq) AS distinct_seqs
  FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id GROUP BY c.id`;

export interface SeqStat {
  id: number;
  last_seq: number;
  count: number;
  min_seq: number | null;
  max_seq: number | null;
  distinct_seqs: number;
}

/** Opens `file` read-only (the server must be stopped or the copy must be a backup) and checks it against the acks. */
export function checkDelivery(file: string, acks: Iterable<AckedMessage>): DeliveryReport {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return checkStored(db.prepare<[], Row>(STORED_PLACES).all(), db.prepare<[], SeqStat>(SEQ_STATS).all(), acks);
  } finally {
    db.close();
  }
}

/** Reads the PostgreSQL database at `url` (its default schema) and checks it against the acks. */
export async function checkPostgresDelivery(url: string, acks: Iterable<AckedMessage>): Promise<DeliveryReport> {
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: (oid: number) => (oid === 20 ? Number : (v: string) => v) } as never });
  await client.connect();
  try {
    const rows = (await client.query<Row>(STORED_PLACES)).rows.map((r) => ({ ...r, conversation_id: Number(r.conversation_id), seq: Number(r.seq) }));
    const stats = (await client.query<SeqStat>(SEQ_STATS)).rows.map((s) => ({
      id: Number(s.id),
      last_seq: Number(s.last_seq),
      count: Number(s.count),
      min_seq: s.min_seq === null ? null : Number(s.min_seq),
      max_seq: s.max_seq === null ? null : Number(s.max_seq),
      distinct_seqs: Number(s.distinct_seqs),
    }));
    return checkStored(rows, stats, acks);
  } finally {
    await client.end();
  }
}

/** Checks the stored messages (rows of STORED_PLACES) and seq statistics (rows of SEQ_STATS) against the acks. */
export function checkStored(rows: readonly Row[], seqStats: readonly SeqStat[], acks: Iterable<AckedMessage>): DeliveryReport {

  const stored = new Map<string, Row[]>();
  for (const row of rows) {
    const k = key(row.from_name, row.client_msg_id);
    const list = stored.get(k);
    if (list) list.push(row);
    else stored.set(k, [row]);
  }

  const report: DeliveryReport = {
    ok: true,
    acked: 0,
    stored: rows.length,
    conversations: seqStats.length,
    lost: [],
    duplicated: [],
    moved: [],
    contradictions: [],
    gaps: [],
    problems: [],
  };

  const firstAck = new Map<string, AckedMessage>();
  for (const ack of acks) {
    const k = key(ack.from, ack.clientMsgId);
    const earlier = firstAck.get(k);
    if (earlier) {
      if (earlier.conversationId !== ack.conversationId || earlier.seq !== ack.seq) report.contradictions.push({ first: earlier, second: ack });
      continue;
    }
    firstAck.set(k, ack);
    report.acked++;
    const copies = stored.get(k);
    if (!copies) {
      report.lost.push(ack);
      continue;
    }
    if (!copies.some((row) => row.conversation_id === ack.conversationId && row.seq === ack.seq)) {
      report.moved.push({ ack, stored: { conversationId: copies[0]!.conversation_id, seq: copies[0]!.seq } });
    }
  }
  for (const [k, copies] of stored) {
    if (copies.length > 1) {
      const [from, clientMsgId] = k.split('\u0000') as [string, string];
      report.duplicated.push({ from, clientMsgId, copies: copies.length });
    }
  }

  for (const c of seqStats) {
    const contiguous = c.count === c.last_seq && c.distinct_seqs === c.count && (c.count === 0 || (c.min_seq === 1 && c.max_seq === c.last_seq));
    if (contiguous) continue;
    const present = new Set(rows.filter((r) => r.conversation_id === c.id).map((r) => r.seq));
    const missing: number[] = [];
    for (let seq = 1; seq <= Math.max(c.last_seq, c.max_seq ?? 0) && missing.length < 20; seq++) if (!present.has(seq)) missing.push(seq);
    report.gaps.push({ conversationId: c.id, lastSeq: c.last_seq, count: c.count, missing });
  }

  const sample = <T>(list: T[]) => JSON.stringify(list.slice(0, 3));
  if (report.lost.length) report.problems.push(`${report.lost.length} acked message(s) lost, e.g. ${sample(report.lost)}`);
  if (report.duplicated.length) report.problems.push(`${report.duplicated.length} message(s) stored more than once, e.g. ${sample(report.duplicated)}`);
  if (report.moved.length) report.problems.push(`${report.moved.length} message(s) stored at another seq than acked, e.g. ${sample(report.moved)}`);
  if (report.contradictions.length) report.problems.push(`${report.contradictions.length} resend(s) acked with another seq, e.g. ${sample(report.contradictions)}`);
  if (report.gaps.length) report.problems.push(`${report.gaps.length} conversation(s) with seq gaps, e.g. ${sample(report.gaps)}`);
  report.ok = report.problems.length === 0;
  return report;
}

