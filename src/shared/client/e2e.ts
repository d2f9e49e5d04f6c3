// The client's end-to-end encryption, in parts: password-keys.ts (derive, unlock, new keys), keyring.ts (one
// user's keys: sealing and opening messages), identity-pins.ts (contacts' accepted keys), epoch-keys.ts
// (conversation members and keys), e2e-text.ts (what the user is told).
export * from './password-keys.js';
export * from './keyring.js';
export * from './e2e-text.js';
