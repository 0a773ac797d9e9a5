/**
 * Golden scenarios: declarations in test/golden/<scenario>/models go through
 * the whole synth pipeline in-process; every output file is compared with the
 * committed expected file. A diff here is a change users will see.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { validateManifests } from '../support/validate-manifests.ts';

const HERE = import.meta.dirname;

describe.each(['small'])('golden scenario %s', (scenario) => {
  it('synthesizes exactly the committed manifests, plan and summary', async () => {
    const result = await synthFleet({ modelsDir: resolve(HERE, scenario, 'models') });
    const manifests = result.files.filter((f) => f.path.startsWith('manifests/'));
    const all = manifests.map((f) => `# ${f.path}\n${f.content}`).join('---\n');
    await expect(all).toMatchFileSnapshot(`./${scenario}/expected.k8s.yaml`);
    await expect(result.files.find((f) => f.path === 'plan.json')!.content).toMatchFileSnapshot(`./${scenario}/expected.plan.json`);
    await expect(result.files.find((f) => f.path === 'summary.md')!.content).toMatchFileSnapshot(`./${scenario}/expected.summary.md`);
    const objects = manifests.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS())).filter(Boolean);
    expect(objects).toHaveLength(result.objectCount);
    expect(validateManifests(objects)).toEqual([]);
  });
});
