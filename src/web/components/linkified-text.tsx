// Message text as React text nodes and anchors only: nothing a person types is ever parsed as HTML.
import { Fragment, type ReactElement } from 'react';
import { linkify } from '../lib/linkify.js';
import { splitMentions } from '../lib/mentions.js';

/** In a group: the members whose `@name` is highlighted, and who "me" is (their mention stands out more). */
export interface MentionContext {
  names: ReadonlySet<string>;
  me: string;
}

export function LinkifiedText({ text, mentions }: { text: string; mentions?: MentionContext }): ReactElement {
  return (
    <>
      {linkify(text).map((part, i) =>
        part.kind === 'link' ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ) : mentions ? (
          <Fragment key={i}>
            {splitMentions(part.text, mentions.names, mentions.me).map((m, j) =>
              m.kind === 'mention' ? (
                <span key={j} className="mention" data-me={m.me}>
                  {m.text}
                </span>
              ) : (
                <Fragment key={j}>{m.text}</Fragment>
              ),
            )}
          </Fragment>
        ) : (
          <Fragment key={i}>{part.text}</Fragment>
        ),
      )}
    </>
  );
}
