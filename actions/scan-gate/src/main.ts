// The action's run(): reads inputs, runs the scan policy, writes outputs and the job summary.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { glob } from 'tinyglobby';
import { applyScanPolicy, parseSeverities } from './apply-scan-policy.js';
import { parseWaivers } from './parse-waivers.js';
import type { Finding } from './read-trivy-findings.js';
import { dedupeFindings, readTrivyFindings } from './read-trivy-findings.js';
import { renderScanSummary } from './render-scan-summary.js';
import { scanReportResult } from './scan-report-result.js';

export async function run(): Promise<void> {
  try {
    const reportPattern = core.getInput('report', { required: true });
    const severities = parseSeverities(core.getInput('severities') || 'CRITICAL,HIGH');
    // getBooleanInput accepts true/false (any case) and rejects anything else; empty means the default.
    const ignoreUnfixed = core.getInput('ignore-unfixed') ? core.getBooleanInput('ignore-unfixed') : true;
    const waiversPath = core.getInput('waivers');
    const resultFile = core.getInput('result-file');

    const reportFiles = (await glob(reportPattern, { absolute: false, dot: true })).sort();
    if (reportFiles.length === 0) throw new Error(`no Trivy report matched "${reportPattern}"`);
    const findings: Finding[] = [];
    for (const file of reportFiles) {
      const text = await readFile(file, 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new Error(`${file}: invalid JSON: ${(error as Error).message}`);
      }
      findings.push(...readTrivyFindings(json, file));
    }

    let waivers: ReturnType<typeof parseWaivers>['waivers'] = [];
    if (waiversPath) {
      const parsed = parseWaivers(await readFile(waiversPath, 'utf8'), waiversPath);
      if (parsed.errors.length > 0) throw new Error(`invalid waivers:\n${parsed.errors.join('\n')}`);
      waivers = parsed.waivers;
    }

    const verdict = applyScanPolicy(dedupeFindings(findings), {
      severities,
      ignoreUnfixed,
      waivers,
      today: new Date().toISOString().slice(0, 10),
    });
    const summary = renderScanSummary(verdict);
    core.info(
      `read ${reportFiles.length} report(s): ${verdict.total} unique findings, ${verdict.blocking} blocking`,
    );
    core.setOutput('blocking', verdict.blocking);
    core.setOutput('total', verdict.total);
    core.setOutput('counts', JSON.stringify(verdict.counts));
    core.setOutput('expired-waivers', verdict.expiredWaivers.length);
    core.setOutput('summary', summary);
    await core.summary.addRaw(summary).write();
    if (resultFile) {
      await mkdir(path.dirname(path.resolve(resultFile)), { recursive: true });
      await writeFile(resultFile, `${JSON.stringify(scanReportResult(verdict, summary), null, 2)}\n`);
    }
    for (const waiver of verdict.expiredWaivers) {
      core.error(`waiver for ${waiver.id} expired on ${waiver.expires}`, {
        title: 'Expired waiver',
        file: waiversPath,
      });
    }
    if (!verdict.passed) core.setFailed(`scan gate failed:\n${verdict.failures.join('\n')}`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
