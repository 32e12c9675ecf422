import { format, resolveConfig } from 'prettier';

/**
 * Formats a results file the way the repository's formatter would (its .prettierrc), so that writing
 * results into the tree never makes `prettier --check .` (npm run lint) fail.
 */
export async function formatLikeTheRepository(path: string, text: string): Promise<string> {
  const options = (await resolveConfig(path)) ?? {};
  return format(text, { ...options, filepath: path });
}
