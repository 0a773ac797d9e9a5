/**
 * `readProgramConfig`: Pulumi's config map → the program's own keys and the
 * stack config, without Pulumi.
 */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../core/errors/spec-issue.ts';
import { parseConfigValue, readProgramConfig } from '../../stacks/program-config.ts';

describe('readProgramConfig', () => {
  it('takes every modelfleet:* key but the program keys as the stack config, parsed, and ignores other namespaces', () => {
    const config = readProgramConfig(
      {
        'kubernetes:context': 'prod',
        'modelfleet:tiers': '{"realtime":{"maxReplicas":12}}',
        'modelfleet:image': 'nvcr.io/nvidia/tritonserver:24.08-py3',
        'modelfleet:models': 'fleets/eu',
        'modelfleet:renderYamlToDirectory': 'rendered',
        'modelfleet:renderedDir': 'pr-artifact/dist',
        // A key the schema may gain later passes through untouched (the schema judges it).
        'modelfleet:somethingNew': '[1,2]',
        'other:pools': '{}',
      },
      'prod',
    );
    expect(config).toEqual({
      modelsDir: 'fleets/eu',
      renderYamlToDirectory: 'rendered',
      renderedDir: 'pr-artifact/dist',
      selection: { platformObjects: true },
      stackConfig: {
        name: 'prod',
        source: 'Pulumi.prod.yaml',
        values: { image: 'nvcr.io/nvidia/tritonserver:24.08-py3', somethingNew: [1, 2], tiers: { realtime: { maxReplicas: 12 } } },
      },
    });
    // Sorted keys: the result does not depend on the map's order.
    expect(Object.keys(config.stackConfig.values)).toEqual(['image', 'somethingNew', 'tiers']);
  });

  it('defaults the fleet to models and applies to the cluster when no program key is set', () => {
    expect(readProgramConfig({}, 'dev')).toEqual({ modelsDir: 'models', selection: { platformObjects: true }, stackConfig: { name: 'dev', source: 'Pulumi.dev.yaml', values: {} } });
  });

  it('reads the selection: modelfleet:teams as a list, modelfleet:platformObjects defaulting to true without teams and false with them', () => {
    const selection = (config: Record<string, string>) => readProgramConfig(config, 'prod').selection;
    expect(selection({})).toEqual({ platformObjects: true });
    expect(selection({ 'modelfleet:teams': '["fraud","search"]' })).toEqual({ teams: ['fraud', 'search'], platformObjects: false });
    expect(selection({ 'modelfleet:teams': '["fraud"]', 'modelfleet:platformObjects': 'true' })).toEqual({ teams: ['fraud'], platformObjects: true });
    expect(selection({ 'modelfleet:teams': '[]', 'modelfleet:platformObjects': 'true' })).toEqual({ teams: [], platformObjects: true });
    expect(selection({ 'modelfleet:platformObjects': 'false' })).toEqual({ platformObjects: false });
    // Program keys: never part of the stack config.
    expect(readProgramConfig({ 'modelfleet:teams': '["fraud"]', 'modelfleet:platformObjects': 'true' }, 'prod').stackConfig.values).toEqual({});
  });

  it('reports a selection that is not a list of names, or selects nothing', () => {
    const message = (config: Record<string, string>) => {
      try {
        readProgramConfig(config, 'prod');
      } catch (e) {
        return (e as SpecError).message;
      }
      return 'accepted';
    };
    expect(message({ 'modelfleet:teams': '[1,""]' })).toBe('Pulumi.prod.yaml: modelfleet:teams[0]: must be a team name, got 1\nPulumi.prod.yaml: modelfleet:teams[1]: must be a team name, got ""');
    expect(message({ 'modelfleet:teams': '{"fraud":true}' })).toMatch(/^Pulumi\.prod\.yaml: modelfleet:teams: must be a list of team names, got \{"fraud":true\}; /);
    expect(message({ 'modelfleet:teams': ' ' })).toBe('Pulumi.prod.yaml: modelfleet:teams: is empty; list team names, e.g. ["fraud", "search"], or remove the key to apply every team');
    expect(message({ 'modelfleet:teams': '[]', 'modelfleet:platformObjects': 'false' })).toMatch(/^Pulumi\.prod\.yaml: modelfleet:teams: is an empty list and modelfleet:platformObjects is false, so the stack would register nothing/);
  });

  it('reports empty program keys, naming the stack config', () => {
    let error: unknown;
    try {
      readProgramConfig({ 'modelfleet:models': '', 'modelfleet:renderYamlToDirectory': '  ' }, 'prod');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toMatchInlineSnapshot(`
      "Pulumi.prod.yaml: modelfleet:models: is empty; give the fleet directory, e.g. "models"
      Pulumi.prod.yaml: modelfleet:renderYamlToDirectory: is empty; give a directory, e.g. "rendered", or remove the key to apply to the cluster"
    `);
  });
});

describe('parseConfigValue', () => {
  it('reads JSON as JSON and anything else as text, as the YAML stack file would', () => {
    expect(parseConfigValue('{"kind":"hpa"}')).toEqual({ kind: 'hpa' });
    expect(parseConfigValue('3')).toBe(3);
    expect(parseConfigValue('true')).toBe(true);
    expect(parseConfigValue('"quoted"')).toBe('quoted');
    expect(parseConfigValue('nvcr.io/nvidia/tritonserver:24.08-py3')).toBe('nvcr.io/nvidia/tritonserver:24.08-py3');
    expect(parseConfigValue('inference.prod.modelfleet.internal')).toBe('inference.prod.modelfleet.internal');
  });
});
