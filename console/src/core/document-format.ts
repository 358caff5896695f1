/** The formats the ingest API parses, by what a file's name ends with. */
export type DocumentFormat = 'markdown' | 'html' | 'text';

const byExtension: Record<string, DocumentFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
  txt: 'text',
};

/** What the file picker offers. */
export const acceptedFiles = '.md,.markdown,.txt,.html,.htm,text/markdown,text/plain,text/html';

/** Pure: the ingest format of a file, or undefined when the console does not upload that kind. */
export function documentFormatOf(fileName: string): DocumentFormat | undefined {
  const dot = fileName.lastIndexOf('.');
  return dot === -1 ? undefined : byExtension[fileName.slice(dot + 1).toLowerCase()];
}
