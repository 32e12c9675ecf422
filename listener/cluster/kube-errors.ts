import { ClusterError } from './cluster-error.js';

/** Maps whatever @kubernetes/client-node threw to a ClusterError with a stable code. */
export function toClusterError(operation: string, error: unknown): ClusterError {
  if (error instanceof ClusterError) return error;
  const status = statusOf(error);
  const detail = messageOf(error);
  return ClusterError.fromStatus(status, `${operation}: ${detail}`, error);
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') return code;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const body = (error as { body?: unknown }).body;
    const parsed = typeof body === 'string' ? safeJson(body) : body;
    if (typeof parsed === 'object' && parsed !== null) {
      const message = (parsed as { message?: unknown }).message;
      if (typeof message === 'string') return message;
    }
  }
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.message;
  return String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
