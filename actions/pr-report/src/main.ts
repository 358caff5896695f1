// The action's run(): collects result files, renders one report, and posts it as a sticky PR
// comment — or, when that is not possible (no PR, fork without write permission), to the job summary.
import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { Octokit } from '@octokit/rest';
import { glob } from 'tinyglobby';
import { findPullRequest } from './find-pull-request.js';
import { isPermissionDenied, publishStickyComment } from './publish-sticky-comment.js';
import type { InvalidResultFile, ReportResult } from './read-result-file.js';
import { readResultFile } from './read-result-file.js';
import { overallStatus, renderPrReport, reportMarker } from './render-pr-report.js';

async function readEvent(): Promise<unknown> {
  const eventPath = process.env.GITHUB_EVENT_PATH;
  if (!eventPath) return undefined;
  try {
    return JSON.parse(await readFile(eventPath, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function run(): Promise<void> {
  try {
    const token = core.getInput('github-token');
    const pattern = core.getInput('results', { required: true });
    const title = core.getInput('title') || 'Slipway PR report';

    const results: ReportResult[] = [];
    const invalid: InvalidResultFile[] = [];
    const files = (await glob(pattern, { dot: true })).sort();
    if (files.length === 0) core.warning(`no result files matched "${pattern}"`);
    for (const file of files) {
      const read = readResultFile(await readFile(file, 'utf8'), file);
      results.push(...read.results);
      if (read.invalid) {
        invalid.push(read.invalid);
        core.warning(`invalid result file ${file}: ${read.invalid.errors.join('; ')}`, { file });
      }
    }

    const repository = process.env.GITHUB_REPOSITORY ?? '';
    const pullRequest = findPullRequest(await readEvent(), repository);
    const serverUrl = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
    const runUrl = process.env.GITHUB_RUN_ID
      ? `${serverUrl}/${repository}/actions/runs/${process.env.GITHUB_RUN_ID}`
      : undefined;
    const sha = pullRequest?.headSha ?? process.env.GITHUB_SHA;
    const body = renderPrReport(results, invalid, {
      title,
      ...(sha ? { sha } : {}),
      ...(runUrl ? { runUrl } : {}),
    });
    const status = overallStatus(results, invalid);
    core.setOutput('status', status);
    core.setOutput('report', body);

    let mode = 'summary';
    if (!pullRequest) {
      core.info('not a pull request event: writing the report to the job summary only');
    } else if (!token) {
      core.warning('no github-token: writing the report to the job summary only');
    } else {
      const octokit = new Octokit({
        auth: token,
        baseUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
        userAgent: 'slipway-pr-report',
      });
      try {
        const comment = await publishStickyComment(octokit, pullRequest, body, reportMarker);
        mode = comment.mode;
        core.setOutput('comment-id', comment.id);
        core.setOutput('comment-url', comment.url);
        core.info(`${comment.mode} the report comment on #${pullRequest.number}: ${comment.url}`);
      } catch (error) {
        if (!isPermissionDenied(error)) throw error;
        core.warning(
          'the token may not comment on this pull request (fork pull requests get a read-only token); ' +
            'the report is in the job summary instead',
        );
      }
    }
    core.setOutput('mode', mode);
    await core.summary.addRaw(body.replace(reportMarker, '').trimStart()).write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
