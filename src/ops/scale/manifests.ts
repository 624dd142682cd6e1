import { stringify } from 'yaml';

export interface SnippetInput {
  appName: string;
  minReplicas: number;
  maxReplicas: number;
  targetCpu: number;
  targetConcurrency: number;
  poolMax: number;
}

export interface ScaleSnippets {
  containerAppsYaml: string;
  containerAppsCli: string;
  kubernetesHpa: string;
}

/** The Container Apps scale block, its az CLI equivalent and a Kubernetes HPA, from the advice. */
export function renderSnippets(i: SnippetInput): ScaleSnippets {
  const containerAppsYaml = stringify({
    properties: {
      template: {
        containers: [{ name: i.appName, env: [{ name: 'MCPOPS_POOL_MAX', value: String(i.poolMax) }] }],
        scale: {
          minReplicas: i.minReplicas,
          maxReplicas: i.maxReplicas,
          rules: [
            {
              name: 'http-concurrency',
              http: { metadata: { concurrentRequests: String(i.targetConcurrency) } },
            },
            {
              name: 'cpu-utilization',
              custom: { type: 'cpu', metadata: { type: 'Utilization', value: String(i.targetCpu) } },
            },
          ],
        },
      },
    },
  });
  const containerAppsCli = [
    `az containerapp update --name ${i.appName} --resource-group <resource-group> \\`,
    `  --min-replicas ${i.minReplicas} --max-replicas ${i.maxReplicas} \\`,
    `  --scale-rule-name http-concurrency --scale-rule-type http --scale-rule-http-concurrency ${i.targetConcurrency} \\`,
    `  --set-env-vars MCPOPS_POOL_MAX=${i.poolMax}`,
  ].join('\n');
  const kubernetesHpa = stringify({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: i.appName },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: i.appName },
      minReplicas: Math.max(1, i.minReplicas),
      maxReplicas: i.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: i.targetCpu } },
        },
      ],
      behavior: {
        scaleDown: { stabilizationWindowSeconds: 300 },
        scaleUp: { stabilizationWindowSeconds: 0 },
      },
    },
  });
  return { containerAppsYaml, containerAppsCli, kubernetesHpa };
}
