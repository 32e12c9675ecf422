import { describe, expect, it } from 'vitest';

import { latestSection, replaceLatestSection, SECTION_END, SECTION_START } from './readme-section.js';

const readme = (inner: string): string =>
  `# Title\n\n## Performance\n\nProse.\n\n${SECTION_START}\n${inner}\n${SECTION_END}\n\n## Next\n`;

describe('the README section of the latest benchmark', () => {
  it('replaces what is between the markers and nothing else', () => {
    const next = replaceLatestSection(readme('old table'), '| new | table |');
    expect(next).toBe(
      `# Title\n\n## Performance\n\nProse.\n\n${SECTION_START}\n\n| new | table |\n\n${SECTION_END}\n\n## Next\n`,
    );
    // Idempotent: a second run with the same table changes nothing.
    expect(replaceLatestSection(next, '| new | table |')).toBe(next);
  });

  it.each([
    ['no markers', '# Title\n'],
    ['only the start', `${SECTION_START}\n`],
    ['reversed', `${SECTION_END}\n${SECTION_START}\n`],
    ['two sections', readme('a') + readme('b')],
  ])('refuses a README with %s', (_case, text) => {
    expect(() => replaceLatestSection(text, 'x')).toThrow(/exactly one/);
  });

  it('folds the table under its summary', () => {
    expect(latestSection('Full run of today', '| a |\n')).toBe(
      '<details open>\n<summary>Full run of today</summary>\n\n| a |\n\n</details>',
    );
  });
});
