// The bar that says the server was restored from a backup and the conversations were fetched again.
import type { ReactElement } from 'react';

interface RestoredBannerProps {
  /** The SDK's `serverRestored`. */
  shown: boolean;
  onDismiss(): void;
}

export function RestoredBanner({ shown, onDismiss }: RestoredBannerProps): ReactElement | null {
  if (!shown) return null;
  return (
    <div className="connection-banner restored-banner" role="status" data-testid="restored-banner">
      <span>The server was restored from a backup; your messages were re-synced. Messages from just before the restore may be gone.</span>
      <button type="button" className="btn btn-ghost" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
