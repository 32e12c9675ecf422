/** True when a Node system error carries the given errno code (ENOENT, ESRCH, ...). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
