// Creates or updates the one PR comment that carries the marker (GitHub REST via @octokit/rest).
import type { Octokit } from '@octokit/rest';
import type { PullRequestTarget } from './find-pull-request.js';

export interface PublishedComment {
  id: number;
  url: string;
  mode: 'created' | 'updated';
}

export async function publishStickyComment(
  octokit: Octokit,
  target: PullRequestTarget,
  body: string,
  marker: string,
): Promise<PublishedComment> {
  const { owner, repo, number } = target;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: number,
    per_page: 100,
  });
  const existing = comments.find((comment) => comment.body?.includes(marker));
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { id: data.id, url: data.html_url, mode: 'updated' };
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
  return { id: data.id, url: data.html_url, mode: 'created' };
}

/** True for the errors a read-only token gets (fork pull requests): the report goes to the job summary. */
export function isPermissionDenied(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 403;
}
