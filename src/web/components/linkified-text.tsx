// Message text as React text nodes and anchors only: nothing a person types is ever parsed as HTML.
import { Fragment, type ReactElement } from 'react';
import { linkify } from '../lib/linkify.js';

export function LinkifiedText({ text }: { text: string }): ReactElement {
  return (
    <>
      {linkify(text).map((part, i) =>
        part.kind === 'link' ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ) : (
          <Fragment key={i}>{part.text}</Fragment>
        ),
      )}
    </>
  );
}
