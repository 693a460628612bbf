// AKS for the silos: a system pool for cluster add-ons, a CPU silo pool and an autoscaled GPU silo pool that only
// pods tolerating sku=gpu:NoSchedule land on. OIDC issuer + workload identity let the silo use its managed identity;
// Container Insights sends logs to Log Analytics and managed Prometheus scrapes metrics into an Azure Monitor workspace.

@description('Azure region of the cluster.')
param location string

@description('Name of the AKS cluster.')
param name string

@description('Kubernetes version; null takes the region default.')
param kubernetesVersion string?

@description('AKS pricing tier (Standard adds the uptime SLA).')
@allowed([
  'Free'
  'Standard'
])
param skuTier string

@description('Resource id of the subnet the nodes join.')
param nodeSubnetId string

@description('VM size of the system pool.')
param systemPoolVmSize string

@description('Node count of the system pool.')
@minValue(1)
param systemPoolCount int

@description('VM size of the CPU silo pool.')
param cpuPoolVmSize string

@description('Minimum node count of the CPU silo pool.')
@minValue(1)
param cpuPoolMinCount int

@description('Maximum node count of the CPU silo pool.')
@minValue(1)
param cpuPoolMaxCount int

@description('VM size of the GPU silo pool (an NVIDIA size, e.g. Standard_NC4as_T4_v3).')
param gpuPoolVmSize string

@description('Minimum node count of the GPU silo pool (0 lets it scale away when idle).')
@minValue(0)
param gpuPoolMinCount int

@description('Maximum node count of the GPU silo pool.')
@minValue(1)
param gpuPoolMaxCount int

@description('Resource id of the Log Analytics workspace for Container Insights.')
param logAnalyticsId string

@description('Resource id of the Azure Monitor workspace for managed Prometheus.')
param monitorWorkspaceId string

@description('Tags applied to every resource.')
param tags object

// The node label the silo Deployments select their pool with.
var poolLabel = 'orleansingest.io/pool'

resource cluster 'Microsoft.ContainerService/managedClusters@2025-10-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  sku: {
    name: 'Base'
    tier: skuTier
  }
  properties: {
    dnsPrefix: name
    kubernetesVersion: kubernetesVersion
    enableRBAC: true
    // Entra ID sign-in with Azure RBAC only: no static cluster-admin certificate to leak.
    disableLocalAccounts: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      tenantID: subscription().tenantId
    }
    // The application routing add-on (managed NGINX): the ingress class the dashboard and webhook ingresses use.
    ingressProfile: {
      webAppRouting: {
        enabled: true
      }
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      workloadIdentity: {
        enabled: true
      }
      imageCleaner: {
        enabled: true
        intervalHours: 48
      }
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      loadBalancerSku: 'standard'
      podCidr: '10.244.0.0/16'
      serviceCidr: '10.0.0.0/16'
      dnsServiceIP: '10.0.0.10'
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        vmSize: systemPoolVmSize
        count: systemPoolCount
        osType: 'Linux'
        osSKU: 'AzureLinux'
        type: 'VirtualMachineScaleSets'
        vnetSubnetID: nodeSubnetId
        // Keeps silos off the system pool; AKS add-ons tolerate this taint.
        nodeTaints: [
          'CriticalAddonsOnly=true:NoSchedule'
        ]
        nodeLabels: {
          '${poolLabel}': 'system'
        }
      }
      {
        name: 'cpusilo'
        mode: 'User'
        vmSize: cpuPoolVmSize
        osType: 'Linux'
        osSKU: 'AzureLinux'
        type: 'VirtualMachineScaleSets'
        vnetSubnetID: nodeSubnetId
        enableAutoScaling: true
        count: cpuPoolMinCount
        minCount: cpuPoolMinCount
        maxCount: cpuPoolMaxCount
        nodeLabels: {
          '${poolLabel}': 'cpu'
        }
      }
      {
        name: 'gpusilo'
        mode: 'User'
        vmSize: gpuPoolVmSize
        // Ubuntu: the NVIDIA driver AKS installs on GPU sizes is supported there.
        osType: 'Linux'
        osSKU: 'Ubuntu'
        type: 'VirtualMachineScaleSets'
        vnetSubnetID: nodeSubnetId
        enableAutoScaling: true
        count: gpuPoolMinCount
        minCount: gpuPoolMinCount
        maxCount: gpuPoolMaxCount
        // Only GPU silos (which tolerate this taint and request nvidia.com/gpu) are scheduled on the expensive nodes.
        nodeTaints: [
          'sku=gpu:NoSchedule'
        ]
        nodeLabels: {
          '${poolLabel}': 'gpu'
        }
      }
    ]
    addonProfiles: {
      omsagent: {
        enabled: true
        config: {
          logAnalyticsWorkspaceResourceID: logAnalyticsId
          // The workspace has local (key) auth disabled; the agent signs in with its managed identity.
          useAADAuth: 'true'
        }
      }
      azureKeyvaultSecretsProvider: {
        enabled: true
        config: {
          enableSecretRotation: 'true'
          rotationPollInterval: '2m'
        }
      }
    }
    azureMonitorProfile: {
      metrics: {
        enabled: true
        kubeStateMetrics: {
          metricLabelsAllowlist: ''
          metricAnnotationsAllowList: ''
        }
      }
    }
  }
}

resource prometheusEndpoint 'Microsoft.Insights/dataCollectionEndpoints@2024-03-11' = {
  name: 'MSProm-${location}-${name}'
  location: location
  tags: tags
  kind: 'Linux'
  properties: {}
}

resource prometheusRule 'Microsoft.Insights/dataCollectionRules@2024-03-11' = {
  name: 'MSProm-${location}-${name}'
  location: location
  tags: tags
  kind: 'Linux'
  properties: {
    dataCollectionEndpointId: prometheusEndpoint.id
    dataSources: {
      prometheusForwarder: [
        {
          name: 'PrometheusDataSource'
          streams: [
            'Microsoft-PrometheusMetrics'
          ]
          labelIncludeFilter: {}
        }
      ]
    }
    destinations: {
      monitoringAccounts: [
        {
          name: 'MonitoringAccount1'
          accountResourceId: monitorWorkspaceId
        }
      ]
    }
    dataFlows: [
      {
        streams: [
          'Microsoft-PrometheusMetrics'
        ]
        destinations: [
          'MonitoringAccount1'
        ]
      }
    ]
  }
}

resource prometheusRuleAssociation 'Microsoft.Insights/dataCollectionRuleAssociations@2024-03-11' = {
  name: 'MSProm-${location}-${name}'
  scope: cluster
  properties: {
    dataCollectionRuleId: prometheusRule.id
  }
}

resource prometheusEndpointAssociation 'Microsoft.Insights/dataCollectionRuleAssociations@2024-03-11' = {
  // The metrics add-on finds its endpoint through this fixed association name.
  name: 'configurationAccessEndpoint'
  scope: cluster
  properties: {
    dataCollectionEndpointId: prometheusEndpoint.id
  }
}

resource containerInsightsRule 'Microsoft.Insights/dataCollectionRules@2024-03-11' = {
  name: 'MSCI-${location}-${name}'
  location: location
  tags: tags
  kind: 'Linux'
  properties: {
    dataSources: {
      extensions: [
        {
          name: 'ContainerInsightsExtension'
          extensionName: 'ContainerInsights'
          streams: [
            'Microsoft-ContainerInsights-Group-Default'
          ]
          extensionSettings: {
            dataCollectionSettings: {
              interval: '1m'
              namespaceFilteringMode: 'Off'
              enableContainerLogV2: true
            }
          }
        }
      ]
    }
    destinations: {
      logAnalytics: [
        {
          name: 'ciworkspace'
          workspaceResourceId: logAnalyticsId
        }
      ]
    }
    dataFlows: [
      {
        streams: [
          'Microsoft-ContainerInsights-Group-Default'
        ]
        destinations: [
          'ciworkspace'
        ]
      }
    ]
  }
}

resource containerInsightsAssociation 'Microsoft.Insights/dataCollectionRuleAssociations@2024-03-11' = {
  name: 'ContainerInsightsExtension'
  scope: cluster
  properties: {
    dataCollectionRuleId: containerInsightsRule.id
  }
}

@description('Name of the cluster.')
output name string = cluster.name

@description('Resource id of the cluster.')
output id string = cluster.id

@description('OIDC issuer URL of the cluster (the workload identity federation issuer).')
output oidcIssuerUrl string = cluster.properties.oidcIssuerProfile.issuerURL

@description('Object id of the kubelet identity (pulls images from the registry).')
output kubeletPrincipalId string = cluster.properties.identityProfile.kubeletidentity.objectId

@description('Client id of the Key Vault Secrets Provider add-on identity.')
output secretsProviderClientId string = cluster.properties.addonProfiles.azureKeyvaultSecretsProvider.identity.clientId

@description('Node label key the silo Deployments select their pool with (values: cpu, gpu).')
output poolLabelKey string = poolLabel
