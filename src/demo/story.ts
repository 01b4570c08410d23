// The demo's world: a manifest repo holding the consumer at 0 replicas and the gitscale config
// that watches its SQS queue. Pure text so the story is easy to read and to test.

export const QUEUE = 'sqs-keda-demo';
export const MANIFEST_PATH = 'apps/consumer/deployment.yaml';

export const MANIFEST = `# The consumer that drains ${QUEUE}. gitscale owns spec.replicas; everything else is yours.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: consumer
  namespace: default
spec:
  replicas: 0 # scaled by gitscale from the queue length
  selector:
    matchLabels:
      app: consumer
  template:
    metadata:
      labels:
        app: consumer
    spec:
      containers:
        - name: consumer
          image: example.com/consumer:1.4.2
`;

export function demoConfig(
  repoDir: string,
  endpoint: string,
  timing: { pollingInterval: number; cooldownPeriod: number; window: number },
): string {
  return `repositories:
  - name: manifests
    url: ${JSON.stringify(repoDir)}
    branch: main
    author: { name: gitscale, email: gitscale@localhost }
triggerAuthentications:
  - apiVersion: keda.sh/v1alpha1
    kind: TriggerAuthentication
    metadata: { name: demo-aws, namespace: default }
    spec:
      env:
        - { parameter: awsAccessKeyID, name: DEMO_AWS_ACCESS_KEY_ID }
        - { parameter: awsSecretAccessKey, name: DEMO_AWS_SECRET_ACCESS_KEY }
scaledObjects:
  - apiVersion: keda.sh/v1alpha1
    kind: ScaledObject
    metadata:
      name: consumer
      namespace: default
      annotations:
        gitscale.dev/repository: manifests
        gitscale.dev/path: ${MANIFEST_PATH}
    spec:
      scaleTargetRef: { name: consumer }
      pollingInterval: ${timing.pollingInterval}
      cooldownPeriod: ${timing.cooldownPeriod}   # shortened for the demo (KEDA's default is 300)
      minReplicaCount: 0
      maxReplicaCount: 10
      advanced:
        horizontalPodAutoscalerConfig:
          behavior:
            scaleDown: { stabilizationWindowSeconds: ${timing.window} }   # shortened (default 300)
      triggers:
        - type: aws-sqs-queue
          authenticationRef: { name: demo-aws }
          metadata:
            queueURL: ${QUEUE}
            queueLength: "5"
            awsRegion: us-east-1
            awsEndpoint: ${endpoint}
`;
}
