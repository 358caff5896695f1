// Which pull request (if any) the workflow event is about, from the event payload.

export interface PullRequestTarget {
  owner: string;
  repo: string;
  number: number;
  headSha?: string;
}

type Payload = Record<string, unknown>;

function record(value: unknown): Payload | undefined {
  return typeof value === 'object' && value !== null ? (value as Payload) : undefined;
}

/** `repository` is GITHUB_REPOSITORY ("owner/name"). Undefined outside pull-request events. */
export function findPullRequest(payload: unknown, repository: string): PullRequestTarget | undefined {
  const event = record(payload);
  const [owner, repo] = repository.split('/');
  if (!event || !owner || !repo) return undefined;
  const pullRequest = record(event.pull_request);
  if (pullRequest && typeof pullRequest.number === 'number') {
    const headSha = record(pullRequest.head)?.sha;
    return { owner, repo, number: pullRequest.number, ...(typeof headSha === 'string' ? { headSha } : {}) };
  }
  const issue = record(event.issue);
  if (issue && record(issue.pull_request) && typeof issue.number === 'number') {
    return { owner, repo, number: issue.number };
  }
  return undefined;
}
