// The bar that says the user's verifications outgrew the server's vault and stay on this device.
import type { ReactElement } from 'react';

interface VaultBannerProps {
  /** The SDK's `vaultNotice`: it goes by itself once a vault write goes through again. */
  notice: string | null;
}

export function VaultBanner({ notice }: VaultBannerProps): ReactElement | null {
  if (notice === null) return null;
  return (
    <div className="connection-banner" role="status" data-testid="vault-banner">
      <span>{notice}</span>
    </div>
  );
}
