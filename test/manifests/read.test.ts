// readReplicas: named rows for explicit values, the Kubernetes default, and every refusal code.
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import { mayHoldMarker, readReplicas, type WorkloadTarget } from '../../src/manifests/index.js';

const target: WorkloadTarget = { kind: 'Deployment', name: 'consumer', namespace: 'default' };
const head = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: consumer\n';
const withSpec = (spec: string): string => `${head}spec:\n${spec}`;

describe('readReplicas', () => {
  it.each([
    { name: 'plain value', input: withSpec('  replicas: 3\n'), want: { replicas: 3, explicit: true, line: 6 } },
    { name: 'zero', input: withSpec('  replicas: 0\n'), want: { replicas: 0, explicit: true, line: 6 } },
    { name: 'int32 max', input: withSpec('  replicas: 2147483647\n'), want: { replicas: 2147483647, explicit: true, line: 6 } },
    { name: 'same-line comment', input: withSpec('  replicas: 4 # gitscale\n'), want: { replicas: 4, explicit: true, line: 6 } },
    {
      name: 'double-quoted digits (read, and flagged quoted)',
      input: withSpec('  replicas: "5"\n'),
      want: { replicas: 5, explicit: true, line: 6, quoted: true },
    },
    {
      name: 'single-quoted digits (read, and flagged quoted)',
      input: withSpec("  replicas: '6'\n"),
      want: { replicas: 6, explicit: true, line: 6, quoted: true },
    },
    { name: 'flow spec', input: `${head}spec: {replicas: 7}\n`, want: { replicas: 7, explicit: true, line: 5 } },
    { name: 'value on the next line', input: withSpec('  replicas:\n    8\n'), want: { replicas: 8, explicit: true, line: 7 } },
    { name: 'CRLF', input: withSpec('  replicas: 9\n').replace(/\n/g, '\r\n'), want: { replicas: 9, explicit: true, line: 6 } },
    { name: 'BOM', input: `\uFEFF${withSpec('  replicas: 2\n')}`, want: { replicas: 2, explicit: true, line: 6 } },
    {
      name: 'absent: Kubernetes default 1 at the spec line',
      input: withSpec('  selector: {}\n'),
      want: { replicas: 1, explicit: false, line: 5 },
    },
    { name: 'absent in empty flow spec', input: `${head}spec: {}\n`, want: { replicas: 1, explicit: false, line: 5 } },
    {
      name: 'third document',
      input: `kind: Service\nmetadata: {name: consumer}\n---\n---\n${withSpec('  replicas: 3\n')}`,
      want: { replicas: 3, explicit: true, line: 10 },
    },
    {
      name: 'StatefulSet of the same name is not the Deployment',
      input: `kind: StatefulSet\nmetadata: {name: consumer}\nspec: {replicas: 9}\n---\n${withSpec('  replicas: 3\n')}`,
      want: { replicas: 3, explicit: true, line: 10 },
    },
  ])('$name', ({ input, want }) => {
    expect(readReplicas(input, target, 'apps/consumer.yaml')).toEqual({ ...want, format: 'workload', field: 'spec.replicas' });
  });

  it.each([
    { name: 'word', input: withSpec('  replicas: three\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'float', input: withSpec('  replicas: 2.5\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'float with zero fraction', input: withSpec('  replicas: 3.0\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'negative', input: withSpec('  replicas: -2\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'hex', input: withSpec('  replicas: 0x10\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'leading zero', input: withSpec('  replicas: 010\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'null', input: withSpec('  replicas: null\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'empty', input: withSpec('  replicas:\n  selector: {}\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'quoted word', input: withSpec('  replicas: "3 pods"\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'string tag', input: withSpec('  replicas: !!str 3\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'block scalar', input: withSpec('  replicas: |\n    3\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'helm template', input: withSpec('  replicas: {{ .Values.replicas }}\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'sequence', input: withSpec('  replicas: [3]\n'), wantCode: 'REPLICAS_NOT_INTEGER', wantLine: 6 },
    { name: 'above int32', input: withSpec('  replicas: 2147483648\n'), wantCode: 'REPLICAS_OUT_OF_RANGE', wantLine: 6 },
    { name: 'alias', input: `${head}  labels: {n: &n 3}\nspec:\n  replicas: *n\n`, wantCode: 'REPLICAS_ALIAS', wantLine: 7 },
    { name: 'anchor on the value', input: withSpec('  replicas: &n 3\n'), wantCode: 'REPLICAS_ALIAS', wantLine: 6 },
    { name: 'merge key without replicas', input: `${head}x: &x {replicas: 2}\nspec:\n  <<: *x\n`, wantCode: 'REPLICAS_ALIAS', wantLine: 6 },
    { name: 'anchored spec that is aliased', input: `${head}spec: &s\n  replicas: 2\ncopy: *s\n`, wantCode: 'REPLICAS_ALIAS', wantLine: 5 },
    {
      name: 'duplicate key',
      input: withSpec('  replicas: 3\n  selector: {}\n  replicas: 4\n'),
      wantCode: 'REPLICAS_DUPLICATE',
      wantLine: 6,
    },
    {
      name: 'duplicate key elsewhere',
      input: `${head}  name: again\nspec:\n  replicas: 3\n`,
      wantCode: 'MANIFEST_YAML_INVALID',
      wantLine: 5,
    },
    {
      name: 'malformed later document',
      input: `${withSpec('  replicas: 3\n')}---\nkind: Service\nmetadata: {name: x\n`,
      wantCode: 'MANIFEST_YAML_INVALID',
      wantLine: 10,
    },
    { name: 'tab indentation', input: withSpec('\treplicas: 3\n'), wantCode: 'MANIFEST_YAML_INVALID', wantLine: 6 },
    { name: 'no spec', input: head, wantCode: 'SPEC_NOT_MAP', wantLine: 1 },
    { name: 'null spec', input: `${head}spec:\n`, wantCode: 'SPEC_NOT_MAP', wantLine: 5 },
    { name: 'spec is a list', input: `${head}spec: [replicas]\n`, wantCode: 'SPEC_NOT_MAP', wantLine: 5 },
    { name: 'spec is an alias', input: `x: &x {replicas: 2}\n${head}spec: *x\n`, wantCode: 'SPEC_NOT_MAP', wantLine: 6 },
    { name: 'not found', input: `kind: Service\nmetadata: {name: consumer}\n`, wantCode: 'TARGET_NOT_FOUND', wantLine: undefined },
    { name: 'empty file', input: '', wantCode: 'TARGET_NOT_FOUND', wantLine: undefined },
    {
      name: 'other namespace',
      input: `kind: Deployment\nmetadata: {name: consumer, namespace: prod}\nspec: {}\n`,
      wantCode: 'TARGET_NOT_FOUND',
      wantLine: undefined,
    },
    {
      name: 'two matches',
      input: `${withSpec('  replicas: 1\n')}---\n${withSpec('  replicas: 2\n')}`,
      wantCode: 'TARGET_AMBIGUOUS',
      wantLine: 1,
    },
  ])('$name → $wantCode', ({ input, wantCode, wantLine }) => {
    const err = catchError(() => readReplicas(input, target, 'apps/consumer.yaml'));
    expect(err).toBeInstanceOf(ManifestError);
    expect(err.code).toBe(wantCode);
    expect(err.data.line).toBe(wantLine);
    expect(err.data.file).toBe('apps/consumer.yaml');
    expect(err.data.object).toBe('Deployment default/consumer');
    expect(err.message).toContain('apps/consumer.yaml');
  });

  it('names what the file holds when the target is missing', () => {
    const input = `kind: Service\nmetadata: {name: consumer}\n---\nkind: Deployment\nmetadata: {name: consumer, namespace: prod}\n---\nkind: ConfigMap\nmetadata: {name: cfg}\n`;
    const err = catchError(() => readReplicas(input, target, 'apps/consumer.yaml'));
    expect(err.message).toBe(
      'Deployment default/consumer not found in apps/consumer.yaml; the file has: ' +
        'Service consumer (line 1), Deployment prod/consumer (line 4, other namespace), ConfigMap cfg (line 7)',
    );
  });

  it('says which line is invalid', () => {
    const err = catchError(() => readReplicas(withSpec('  replicas: 3\n  bad: [\n'), target, 'apps/consumer.yaml'));
    expect(err.message).toMatch(/^apps\/consumer\.yaml is not valid YAML at line \d+, column \d+: /);
  });

  it.each([
    {
      name: 'a values file: add gitscale.dev/field, with the replica keys it holds',
      input: { file: 'charts/consumer/values.yaml', text: 'replicaCount: 2\nimage: {repository: x}\nworker:\n  replicas: 3\n' },
      want: {
        code: 'FIELD_REQUIRED',
        field: 'metadata.annotations["gitscale.dev/field"]',
        message:
          'charts/consumer/values.yaml is a Helm values file, so Deployment default/consumer has no spec.replicas there; add the annotation gitscale.dev/field naming the values key that holds the replica count: gitscale.dev/field: replicaCount, or gitscale.dev/field: worker.replicas',
      },
    },
    {
      name: 'a values file without a replica-looking key: an example',
      input: { file: 'values.yaml', text: 'image: {repository: x}\n' },
      want: {
        code: 'FIELD_REQUIRED',
        field: 'metadata.annotations["gitscale.dev/field"]',
        message:
          'values.yaml is a Helm values file, so Deployment default/consumer has no spec.replicas there; add the annotation gitscale.dev/field naming the values key that holds the replica count (e.g. gitscale.dev/field: replicaCount)',
      },
    },
    {
      name: 'a Flux HelmRelease: the key below spec.values',
      input: {
        file: 'hr.yaml',
        text: 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: consumer}\nspec:\n  values:\n    consumer: {replicaCount: 4}\n',
      },
      want: {
        code: 'FIELD_REQUIRED',
        field: 'metadata.annotations["gitscale.dev/field"]',
        message:
          'hr.yaml is a Flux HelmRelease (values below spec.values), so Deployment default/consumer has no spec.replicas there; add the annotation gitscale.dev/field naming the values key that holds the replica count: gitscale.dev/field: consumer.replicaCount',
      },
    },
    {
      name: 'a whole-file Helm template: it is a template, edit the values file and the key it reads',
      input: {
        file: 'charts/consumer/templates/deployment.yaml',
        text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "consumer.fullname" . }}\nspec:\n  {{- if not .Values.autoscaling.enabled }}\n  replicas: {{ .Values.consumer.replicaCount }}\n  {{- end }}\n',
      },
      want: {
        code: 'HELM_TEMPLATE',
        field: 'spec.replicas',
        line: 4,
        message:
          'charts/consumer/templates/deployment.yaml is a Helm template ({{ … }} at line 4), not YAML gitscale can edit: point gitscale.dev/path at charts/consumer/values.yaml and set gitscale.dev/field to the key the template reads (e.g. consumer.replicaCount)',
      },
    },
  ])('says what to do instead: $name', ({ input, want }) => {
    const err = catchError(() => readReplicas(input.text, target, input.file));
    expect(err).toBeInstanceOf(ManifestError);
    expect({ code: err.code, field: err.data.field, message: err.message, ...(want.line ? { line: err.data.line } : {}) }).toEqual(want);
  });

  it('invalid YAML without {{ }} is still plain invalid YAML', () => {
    const err = catchError(() => readReplicas('kind: Deployment\nmetadata: {name: consumer\n', target, 'd.yaml'));
    expect(err.code).toBe('MANIFEST_YAML_INVALID');
  });

  it('hints at templates', () => {
    const err = catchError(() => readReplicas(withSpec('  replicas: {{ .Values.replicas }}\n'), target, 'apps/consumer.yaml'));
    expect(err.message).toContain('looks like a template');
    expect(err.message).toContain('spec.replicas at line 6');
  });
});

const M = '# {"$gitscale": "default/consumer"}';
const kz = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const hr =
  'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: consumer}\nspec:\n  values:\n    consumer: {replicaCount: 4}\n';
const app = 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: consumer}\nspec:\n  source:\n';
const dep = `${head}spec:\n  replicas: 3\n`;
const withField = { ...target, field: 'consumer.replicaCount' };
const withObject = { ...target, object: 'default/consumer' };

describe('dispatch: which format reads which file', () => {
  it.each([
    {
      name: 'plain Deployment → workload',
      file: 'apps/d.yaml',
      input: dep,
      target,
      want: { format: 'workload', field: 'spec.replicas', replicas: 3 },
    },
    {
      name: 'Rollout → workload',
      file: 'apps/r.yaml',
      input: 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: consumer}\nspec: {replicas: 6}\n',
      target: { ...target, kind: 'Rollout' },
      want: { format: 'workload', field: 'spec.replicas', replicas: 6 },
    },
    {
      name: 'marker on spec.replicas of another Deployment → marker',
      file: 'apps/d.yaml',
      input: `kind: Deployment\nmetadata: {name: other}\nspec:\n  replicas: 7 ${M}\n`,
      target: withObject,
      want: { format: 'marker', field: 'spec.replicas', replicas: 7 },
    },
    {
      name: 'marker beats a field path',
      file: 'values.yaml',
      input: `consumer:\n  replicaCount: 4\n  count: 8 ${M}\n`,
      target: { ...withField, object: 'default/consumer' },
      want: { format: 'marker', field: 'consumer.count', replicas: 8 },
    },
    {
      name: 'marker beats the kustomization file name',
      file: 'kustomization.yaml',
      input: `replicas:\n- name: other\n  count: 2 ${M}\n`,
      target: withObject,
      want: { format: 'marker', field: 'replicas[0].count', replicas: 2 },
    },
    {
      name: 'marker for another object is ignored',
      file: 'apps/d.yaml',
      input: `${dep.replace('replicas: 3', 'replicas: 3 # {"$gitscale": "default/other"}')}`,
      target: withObject,
      want: { format: 'workload', field: 'spec.replicas', replicas: 3 },
    },
    {
      name: 'marker without target.object is ignored',
      file: 'apps/d.yaml',
      input: dep.replace('replicas: 3', `replicas: 3 ${M}`),
      target,
      want: { format: 'workload', field: 'spec.replicas', replicas: 3 },
    },
    {
      name: 'field on a values file → helm-values',
      file: 'values.yaml',
      input: 'consumer:\n  replicaCount: 2\n',
      target: withField,
      want: { format: 'helm-values', field: 'consumer.replicaCount', replicas: 2 },
    },
    {
      name: 'field on a HelmRelease → helm-release under spec.values',
      file: 'hr.yaml',
      input: hr,
      target: withField,
      want: { format: 'helm-release', field: 'spec.values.consumer.replicaCount', replicas: 4 },
    },
    {
      name: 'field on an Application → argo-application under valuesObject',
      file: 'app.yaml',
      input: `${app}    helm:\n      valuesObject: {consumer: {replicaCount: 5}}\n`,
      target: withField,
      want: { format: 'argo-application', field: 'spec.source.helm.valuesObject.consumer.replicaCount', replicas: 5 },
    },
    {
      name: 'field beats the kustomization file name',
      file: 'kustomization.yaml',
      input: 'consumer:\n  replicaCount: 2\n',
      target: withField,
      want: { format: 'helm-values', field: 'consumer.replicaCount', replicas: 2 },
    },
    {
      name: 'kustomization.yaml by name → kustomize',
      file: 'overlays/prod/kustomization.yaml',
      input: 'replicas:\n- name: consumer\n  count: 3\n',
      target,
      want: { format: 'kustomize', field: 'replicas[0].count', replicas: 3 },
    },
    {
      name: 'kustomization.yml by name',
      file: 'kustomization.yml',
      input: 'resources: [a.yaml]\n',
      target,
      want: { format: 'kustomize', field: 'replicas[0].count', replicas: 1, explicit: false },
    },
    {
      name: 'Kustomization (no extension) by name',
      file: 'base/Kustomization',
      input: 'replicas: [{name: consumer, count: 9}]\n',
      target,
      want: { format: 'kustomize', field: 'replicas[0].count', replicas: 9 },
    },
    {
      name: 'kind Kustomization in any file → kustomize',
      file: 'apps/k.yaml',
      input: `${kz}replicas:\n- name: producer\n  count: 2\n`,
      target,
      want: { format: 'kustomize', field: 'replicas[1].count', replicas: 1, explicit: false },
    },
    {
      name: 'Flux Kustomization is not a kustomization',
      file: 'apps/k.yaml',
      input: `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x}\n---\n${dep}`,
      target,
      want: { format: 'workload', field: 'spec.replicas', replicas: 3 },
    },
    {
      name: 'Application with spec.source.kustomize → argo-application list',
      file: 'app.yaml',
      input: `${app}    kustomize:\n      replicas: [{name: consumer, count: 2}]\n`,
      target,
      want: { format: 'argo-application', field: 'spec.source.kustomize.replicas[0].count', replicas: 2 },
    },
    {
      name: 'a kustomization.yaml that is a values file still reads as kustomize without a field',
      file: 'kustomization.yaml',
      input: 'consumer:\n  replicaCount: 2\n',
      target,
      want: { format: 'kustomize', field: 'replicas[0].count', replicas: 1, explicit: false },
    },
  ])('$name', ({ file, input, target: t, want }) => {
    expect(readReplicas(input, t, file)).toMatchObject({ explicit: true, ...want });
  });

  it.each([
    {
      name: 'field on a two-document values file',
      file: 'values.yaml',
      input: 'a: 1\n---\nb: 2\n',
      target: withField,
      wantCode: 'TARGET_AMBIGUOUS',
    },
    {
      name: 'field on a file with two HelmReleases, neither named consumer',
      file: 'hr.yaml',
      input: `${hr.replace('name: consumer', 'name: a')}---\n${hr.replace('name: consumer', 'name: b')}`,
      target: withField,
      wantCode: 'TARGET_AMBIGUOUS',
    },
    {
      name: 'field path with an unterminated quote',
      file: 'values.yaml',
      input: 'a: 1\n',
      target: { ...target, field: '"a.b' },
      wantCode: 'FIELD_PATH_INVALID',
    },
    {
      name: 'field path that is empty',
      file: 'values.yaml',
      input: 'a: 1\n',
      target: { ...target, field: '' },
      wantCode: 'FIELD_PATH_INVALID',
    },
    {
      name: 'marker on a key line without a value',
      file: 'values.yaml',
      input: `consumer: ${M}\n  replicaCount: 2\n`,
      target: withObject,
      wantCode: 'MARKER_MISPLACED',
    },
    {
      name: 'marker after a flow list: the list is not an integer',
      file: 'values.yaml',
      input: `counts: [2] ${M}\n`,
      target: withObject,
      wantCode: 'REPLICAS_NOT_INTEGER',
    },
    {
      name: 'two markers in different documents',
      file: 'values.yaml',
      input: `a: 1 ${M}\n---\nb: 2 ${M}\n`,
      target: withObject,
      wantCode: 'MARKER_AMBIGUOUS',
    },
    { name: 'two kustomizations in one file', file: 'apps/k.yaml', input: `${kz}---\n${kz}`, target, wantCode: 'TARGET_AMBIGUOUS' },
  ])('$name → $wantCode', ({ file, input, target: t, wantCode }) => {
    const err = catchError(() => readReplicas(input, t, file));
    expect(err).toBeInstanceOf(ManifestError);
    expect(err.code, err.message).toBe(wantCode);
    expect(err.data.file).toBe(file);
  });
});

describe('mayHoldMarker', () => {
  it.each([
    { name: 'marker present', text: `a: 1 ${M}\n`, want: true },
    { name: 'no $gitscale', text: 'a: 1 # default/consumer\n', want: false },
    { name: 'marker for another object', text: 'a: 1 # {"$gitscale": "default/other"}\n', want: false },
    { name: 'no comment at all', text: 'a: "$gitscale default/consumer"\n', want: false },
    { name: 'JSON escapes keep the file in', text: 'a: 1 # {"$gitscale": "default\\/consumer"}\n', want: true },
  ])('$name', ({ text, want }) => {
    expect(mayHoldMarker(text, 'default/consumer')).toBe(want);
  });

  it('a marker with JSON escapes is still found', () => {
    expect(readReplicas('a: 3 # {"\\u0024gitscale": "default\\/consumer"}\n', withObject, 'v.yaml')).toMatchObject({
      format: 'marker',
      replicas: 3,
    });
  });
});

function catchError(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (e) {
    return e as ManifestError;
  }
  throw new Error('expected a ManifestError');
}
