// The branch protection Slipway expects on the default branch: the single `all-green` check from
// ci.yml required (it needs every gate), one approving review incl. code owners, stale approvals
// dismissed, linear history, no force pushes. docs/branch-protection.md shows the same body; the doctor
// checks it and prints the command that applies it.

/** The name of ci.yml's final job: the only status check branch protection needs to require. */
export const REQUIRED_CHECK = 'all-green';

/** Body for `PUT /repos/{owner}/{repo}/branches/{branch}/protection`. */
export const BRANCH_PROTECTION = {
  required_status_checks: { strict: true, checks: [{ context: REQUIRED_CHECK }] },
  enforce_admins: true,
  required_pull_request_reviews: {
    required_approving_review_count: 1,
    require_code_owner_reviews: true,
    dismiss_stale_reviews: true,
    require_last_push_approval: true,
  },
  restrictions: null,
  required_linear_history: true,
  allow_force_pushes: false,
  allow_deletions: false,
  required_conversation_resolution: true,
} as const;

export function applyProtectionCommand(repository: string, branch: string): string {
  return (
    `gh api -X PUT repos/${repository}/branches/${branch}/protection --input - <<'JSON'\n` +
    `${JSON.stringify(BRANCH_PROTECTION, null, 2)}\nJSON`
  );
}
