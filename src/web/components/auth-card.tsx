// The card the signed-out screens share: the brand, a title, a line under it, then the screen's form.
import type { ReactElement, ReactNode } from 'react';
import { Brand } from './brand.js';

interface AuthCardProps {
  title: string;
  subtitle: ReactNode;
  children: ReactNode;
}

export function AuthCard({ title, subtitle, children }: AuthCardProps): ReactElement {
  return (
    <main className="auth">
      <div className="auth-card">
        <Brand />
        <h1 className="auth-title">{title}</h1>
        <p className="auth-subtitle">{subtitle}</p>
        {children}
      </div>
    </main>
  );
}
