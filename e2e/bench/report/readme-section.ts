/** The README's performance table sits between these lines; a run of `npm run bench` rewrites it. */
export const SECTION_START = '<!-- bench:latest -->';
export const SECTION_END = '<!-- /bench:latest -->';

/**
 * The README with the text between the markers replaced by `content`, or an error naming what is
 * wrong: a README edited by hand must not be half-rewritten.
 */
export function replaceLatestSection(readme: string, content: string): string {
  const start = readme.indexOf(SECTION_START);
  const end = readme.indexOf(SECTION_END);
  if (start < 0 || end < 0 || end < start || readme.indexOf(SECTION_START, start + 1) >= 0) {
    throw new Error(
      `the README needs exactly one ${SECTION_START} … ${SECTION_END} pair around its benchmark table`,
    );
  }
  return `${readme.slice(0, start + SECTION_START.length)}\n\n${content.trim()}\n\n${readme.slice(end)}`;
}

/** The latest results as the README shows them: the whole table, folded under a one-line summary. */
export function latestSection(summary: string, table: string): string {
  return `<details open>\n<summary>${summary}</summary>\n\n${table.trim()}\n\n</details>`;
}
