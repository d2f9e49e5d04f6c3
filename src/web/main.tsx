// Browser entry point: styles, then the app into #root.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import './styles/theme.css';
import './styles/base.css';
import './styles/auth.css';
import './styles/layout.css';
import './styles/sidebar.css';
import './styles/conversation.css';
import './styles/messages.css';
import './styles/composer.css';
import './styles/encryption.css';
import './styles/account.css';
import './styles/groups.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

// The offline shell (public/sw.js): browsers allow service workers only in a secure context (https, or
// localhost), so on a plain-http LAN address the app simply needs the server to load.
if ('serviceWorker' in navigator && window.isSecureContext) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  });
}
