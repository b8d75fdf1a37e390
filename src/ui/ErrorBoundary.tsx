import { Component, type ErrorInfo, type ReactNode } from 'react';
import { markBidi } from './safeText';

/**
 * Keeps the page when one part of it throws while rendering: that part is replaced by a message naming it and the
 * error, with a button to draw it again; everything else stays as it was.
 */
export class ErrorBoundary extends Component<{ name: string; children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.warn(`${this.props.name} failed to draw:`, error, info.componentStack);
  }

  render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="errors" role="alert" data-testid="error-boundary">
        <p>
          <b>{this.props.name}</b> could not be shown: {markBidi(`${error.name}: ${error.message}`).slice(0, 500)}. The rest of the page still works.
        </p>
        <button type="button" onClick={() => this.setState({ error: undefined })}>
          Try again
        </button>
      </div>
    );
  }
}
