// Puts the unread count in the tab title, "(3) Parley", so it shows from any other tab.
import { useEffect } from 'react';

export function useDocumentTitle(unread: number, base = 'Parley'): void {
  useEffect(() => {
    document.title = unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${base}` : base;
  }, [unread, base]);
  useEffect(() => () => void (document.title = base), [base]);
}
