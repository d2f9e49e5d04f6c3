// Search in the decrypted messages kept on this device: a field, and the hits newest first, each opening its chat.
import { useId, useState, type ReactElement } from 'react';
import type { SearchHit } from '../../shared/client/index.js';
import { useMessageSearch } from '../hooks/use-message-search.js';
import { formatListTime } from '../lib/time.js';
import { Avatar, GroupAvatar } from './avatar.js';

interface MessageSearchProps {
  me: string;
  now: number;
  /** Group names by conversation id: a hit in a group is titled by the group, with its author. */
  groupNames: ReadonlyMap<number, { name: string; groupId: string }>;
  onOpen(hit: SearchHit): void;
}

export function MessageSearch({ me, now, groupNames, onOpen }: MessageSearchProps): ReactElement {
  const [query, setQuery] = useState('');
  const outcome = useMessageSearch(query);
  const inputId = useId();
  const statusId = useId();

  const hits = outcome && 'hits' in outcome ? outcome.hits : [];
  const status =
    outcome === null ? '' : 'error' in outcome ? outcome.error : hits.length === 0 ? 'No message on this device holds all of these words.' : `${hits.length} message${hits.length === 1 ? '' : 's'} found, newest first`;

  return (
    <div className="message-search">
      <form className="search" role="search" aria-label="Search messages" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={inputId} className="visually-hidden">
          Search your messages
        </label>
        <input
          id={inputId}
          className="input"
          type="search"
          placeholder="Search messages"
          autoComplete="off"
          maxLength={200}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setQuery('');
          }}
          aria-describedby={statusId}
        />
        <p id={statusId} className="hit-status" data-tone={outcome && 'error' in outcome ? 'error' : 'hint'} role="status">
          {status}
        </p>
      </form>
      {hits.length > 0 && (
        <ul className="hit-list" aria-label="Messages found">
          {hits.map((hit) => {
            const group = groupNames.get(hit.conversationId);
            const title = group?.name;
            return (
            <li key={`${hit.conversationId}:${hit.seq}`}>
              <button type="button" className="hit-item" data-peer={group === undefined ? hit.peer : undefined} onClick={() => onOpen(hit)}>
                {group === undefined ? <Avatar username={hit.peer} size={32} /> : <GroupAvatar name={group.name} seed={group.groupId} size={32} />}
                <span className="conv-main">
                  <span className="conv-top">
                    <bdi className="conv-name">{title ?? hit.peer}</bdi>
                    <time className="conv-time" dateTime={new Date(hit.ts).toISOString()}>
                      {formatListTime(hit.ts, now)}
                    </time>
                  </span>
                  <span className="hit-snippet">
                    {hit.from === me ? 'You: ' : group !== undefined ? `${hit.from}: ` : ''}
                    <bdi>
                      <Marked hit={hit} />
                    </bdi>
                  </span>
                </span>
              </button>
            </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** The snippet with each matched word in a `<mark>`. */
function Marked({ hit }: { hit: SearchHit }): ReactElement {
  const parts: ReactElement[] = [];
  let at = 0;
  for (const [start, end] of hit.marks) {
    if (start > at) parts.push(<span key={`t${at}`}>{hit.snippet.slice(at, start)}</span>);
    parts.push(<mark key={`m${start}`}>{hit.snippet.slice(start, end)}</mark>);
    at = end;
  }
  if (at < hit.snippet.length) parts.push(<span key={`t${at}`}>{hit.snippet.slice(at)}</span>);
  return <>{parts}</>;
}
