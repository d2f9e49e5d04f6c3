// The bar that says the connection dropped and that what the user writes will still be sent.
import type { ReactElement } from 'react';
import type { ConnectionState } from '../../shared/client/index.js';

interface ConnectionBannerProps {
  status: ConnectionState['status'];
  pending: number;
}

export function ConnectionBanner({ status, pending }: ConnectionBannerProps): ReactElement | null {
  if (status === 'online' || status === 'connecting') return null;
  const waiting = pending > 0 ? ` ${pending} message${pending === 1 ? '' : 's'} will be sent when it is back.` : ' Messages you write will be sent when it is back.';
  return (
    <div className="connection-banner" role="status" data-testid="connection-banner">
      {status === 'reconnecting' && <span className="spinner" aria-hidden="true" />}
      <span>
        {status === 'reconnecting' ? 'Reconnecting…' : 'Offline.'}
        {waiting}
      </span>
    </div>
  );
}
