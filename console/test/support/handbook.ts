/** Documents the journey test stores: a long runbook whose cited passage lies far below the fold. */
const filler = Array.from(
  { length: 40 },
  (_, i) => `Paragraph ${i + 1} describes routine host maintenance, log rotation and disk checks in detail.`,
).join('\n\n');

export const rollbackSentence =
  'To roll back a deploy, point the active socket symlink at the previous colour again; nginx needs no reload.';
export const drainSentence = 'The old colour keeps its socket and drains its connections before it stops.';

export const handbook = [
  {
    id: 'runbook-rollback',
    title: 'Rollback runbook',
    format: 'markdown',
    text: `# Rollback runbook\n\n${filler}\n\n## Rolling back\n\n${rollbackSentence} ${drainSentence}\n`,
  },
  {
    id: 'backups',
    title: 'Backups',
    format: 'markdown',
    text: '# Backups\n\nNightly backups of Postgres are restored weekly on a scratch host to prove they work.\n',
  },
  {
    id: 'alerts',
    title: 'Alerts',
    format: 'markdown',
    text: '# Alerts\n\nAn alert pages the on-call engineer when the error budget burns too fast.\n',
  },
];

/** What the model "writes": two statements citing passages [1] and [2]. */
export const modelReply = () =>
  'Point the active socket symlink at the previous colour to roll back [1]. ' +
  'The old colour drains its connections before it stops [2].';
