// OrleansIngest on Azure, from an empty subscription in one deployment:
//   az deployment sub create --location <region> --template-file bicep/main.bicep --parameters bicep/params/dev.bicepparam
// Creates the resource group, the storage account (shared keys off), the Event Grid -> queue trigger, AKS with CPU and
// GPU silo pools, ACR, the silo's workload identity with least-privilege data roles, Log Analytics + managed
// Prometheus, and Key Vault for the dashboard's secrets. The outputs are what the Kubernetes manifests need.

targetScope = 'subscription'

@description('Deployment environment; part of every resource name.')
@allowed([
  'dev'
  'prod'
])
param environmentName string

@description('Azure region of every resource.')
param location string = deployment().location

@description('Short lower-case prefix of resource names (letters and digits).')
@minLength(2)
@maxLength(8)
param namePrefix string = 'oingest'

@description('Name of the resource group created for the deployment.')
param resourceGroupName string = 'rg-${namePrefix}-${environmentName}'

@description('Tags applied to every resource.')
param tags object = {
  application: 'orleans-ingest'
  environment: environmentName
}

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param storageSku string = 'Standard_ZRS'

@description('Days deleted blobs, blob versions and containers stay restorable.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 14

@description('Reach the storage account only through private endpoints in the cluster network.')
param enablePrivateEndpoints bool = false

@description('Encrypt the storage account with a customer-managed key in the deployment\'s Key Vault (revoking the key cuts off all data).')
param enableCustomerManagedKey bool = false

@description('Container the raw audio/sensor blobs are uploaded to (Event Grid watches it).')
param sourcesContainerName string = 'sources'

@description('Container the Parquet datasets are written to.')
param outputsContainerName string = 'outputs'

@description('Container of the Orleans grain state (the silo\'s blob grain storage uses orleans-ingest-grain-state).')
param grainStateContainerName string = 'orleans-ingest-grain-state'

@description('Container Event Grid dead-letters undeliverable events to.')
param deadLetterContainerName string = 'deadletter'

@description('Queue the blob events are delivered to (ORLEANSINGEST__EVENTS__QUEUE__NAME).')
param eventsQueueName string = 'blob-events'

@description('Table of the Orleans cluster membership (the Orleans Azure Table clustering default).')
param clusteringTableName string = 'OrleansSiloInstances'

@description('Event Grid delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param eventMaxDeliveryAttempts int = 30

@description('Minutes Event Grid retries an event before it is dead-lettered.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

@description('Address space of the cluster virtual network.')
param vnetAddressPrefix string = '10.20.0.0/16'

@description('Subnet of the AKS nodes.')
param nodeSubnetPrefix string = '10.20.0.0/20'

@description('Subnet of the private endpoints.')
param privateEndpointSubnetPrefix string = '10.20.16.0/24'

@description('Kubernetes version of the cluster; null takes the region default.')
param kubernetesVersion string?

@description('AKS pricing tier.')
@allowed([
  'Free'
  'Standard'
])
param aksSkuTier string = 'Free'

@description('VM size of the system pool.')
param systemPoolVmSize string = 'Standard_D4ds_v5'

@description('Node count of the system pool.')
@minValue(1)
param systemPoolCount int = 2

@description('VM size of the CPU silo pool.')
param cpuPoolVmSize string = 'Standard_D8ds_v5'

@description('Minimum node count of the CPU silo pool.')
@minValue(1)
param cpuPoolMinCount int = 1

@description('Maximum node count of the CPU silo pool.')
@minValue(1)
param cpuPoolMaxCount int = 5

@description('VM size of the GPU silo pool.')
param gpuPoolVmSize string = 'Standard_NC4as_T4_v3'

@description('Minimum node count of the GPU silo pool (0 scales it away when idle).')
@minValue(0)
param gpuPoolMinCount int = 0

@description('Maximum node count of the GPU silo pool.')
@minValue(1)
param gpuPoolMaxCount int = 3

@description('Container registry tier.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param acrSku string = 'Standard'

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Kubernetes namespace of the silos.')
param siloNamespace string = 'orleans-ingest'

@description('Service account the silo pods run as (federated with the workload identity).')
param siloServiceAccountName string = 'orleans-ingest-silo'

@description('Object ids of operators who get AKS RBAC Cluster Admin and Key Vault Secrets Officer.')
param operatorPrincipalIds string[] = []

@description('Principal type of operatorPrincipalIds.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'Group'

// Globally unique names are derived from the subscription and resource group, so a redeployment finds them again.
var suffix = uniqueString(subscription().id, resourceGroupName)
var compactPrefix = toLower('${namePrefix}${environmentName}')
var storageAccountName = take('st${compactPrefix}${suffix}', 24)
var registryName = take('cr${compactPrefix}${suffix}', 50)
var keyVaultName = take('kv-${compactPrefix}-${suffix}', 24)
var clusterName = 'aks-${namePrefix}-${environmentName}'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    location: location
    logAnalyticsName: 'log-${namePrefix}-${environmentName}'
    monitorWorkspaceName: 'amw-${namePrefix}-${environmentName}'
    retentionInDays: logRetentionDays
    tags: tags
  }
}

module network 'modules/network.bicep' = {
  scope: rg
  name: 'network'
  params: {
    location: location
    name: 'vnet-${namePrefix}-${environmentName}'
    addressPrefix: vnetAddressPrefix
    nodeSubnetPrefix: nodeSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
    tags: tags
  }
}

module storageKey 'modules/storage-cmk.bicep' = if (enableCustomerManagedKey) {
  scope: rg
  name: 'storage-cmk'
  params: {
    location: location
    keyVaultName: vault.outputs.name
    keyName: 'storage-cmk'
    identityName: 'id-${namePrefix}-${environmentName}-storage-cmk'
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  name: 'storage'
  params: {
    location: location
    accountName: storageAccountName
    skuName: storageSku
    sourcesContainerName: sourcesContainerName
    outputsContainerName: outputsContainerName
    grainStateContainerName: grainStateContainerName
    deadLetterContainerName: deadLetterContainerName
    eventsQueueName: eventsQueueName
    // The silo names its poison queue after the events queue (StorageQueueEventSourceOptions.PoisonQueueSuffix).
    poisonQueueName: '${eventsQueueName}-poison'
    clusteringTableName: clusteringTableName
    softDeleteRetentionDays: softDeleteRetentionDays
    enablePrivateEndpoints: enablePrivateEndpoints
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    vnetId: network.outputs.vnetId
    tags: tags
    customerManagedKey: enableCustomerManagedKey
      ? {
          keyVaultUri: storageKey!.outputs.keyVaultUri
          keyName: storageKey!.outputs.keyName
          identityId: storageKey!.outputs.identityId
        }
      : {
          keyVaultUri: ''
          keyName: ''
          identityId: ''
        }
  }
}

module events 'modules/eventgrid.bicep' = {
  scope: rg
  name: 'events'
  params: {
    location: location
    name: 'evgt-${namePrefix}-${environmentName}'
    storageAccountName: storage.outputs.accountName
    sourcesContainerName: sourcesContainerName
    eventsQueueName: eventsQueueName
    deadLetterContainerName: deadLetterContainerName
    maxDeliveryAttempts: eventMaxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    tags: tags
  }
}

module registry 'modules/registry.bicep' = {
  scope: rg
  name: 'registry'
  params: {
    location: location
    name: registryName
    skuName: acrSku
    tags: tags
  }
}

module vault 'modules/keyvault.bicep' = {
  scope: rg
  name: 'keyvault'
  params: {
    location: location
    name: keyVaultName
    softDeleteRetentionDays: 90
    tags: tags
  }
}

module aks 'modules/aks.bicep' = {
  scope: rg
  name: 'aks'
  params: {
    location: location
    name: clusterName
    kubernetesVersion: kubernetesVersion
    skuTier: aksSkuTier
    nodeSubnetId: network.outputs.nodeSubnetId
    systemPoolVmSize: systemPoolVmSize
    systemPoolCount: systemPoolCount
    cpuPoolVmSize: cpuPoolVmSize
    cpuPoolMinCount: cpuPoolMinCount
    cpuPoolMaxCount: cpuPoolMaxCount
    gpuPoolVmSize: gpuPoolVmSize
    gpuPoolMinCount: gpuPoolMinCount
    gpuPoolMaxCount: gpuPoolMaxCount
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    monitorWorkspaceId: monitoring.outputs.monitorWorkspaceId
    tags: tags
  }
}

module workloadIdentity 'modules/workload-identity.bicep' = {
  scope: rg
  name: 'workload-identity'
  params: {
    location: location
    name: 'id-${namePrefix}-${environmentName}-silo'
    oidcIssuerUrl: aks.outputs.oidcIssuerUrl
    serviceAccountNamespace: siloNamespace
    serviceAccountName: siloServiceAccountName
    tags: tags
  }
}

module roles 'modules/role-assignments.bicep' = {
  scope: rg
  name: 'role-assignments'
  params: {
    workloadPrincipalId: workloadIdentity.outputs.principalId
    kubeletPrincipalId: aks.outputs.kubeletPrincipalId
    operatorPrincipalIds: operatorPrincipalIds
    operatorPrincipalType: operatorPrincipalType
    storageAccountName: storage.outputs.accountName
    sourcesContainerName: sourcesContainerName
    outputsContainerName: outputsContainerName
    grainStateContainerName: grainStateContainerName
    eventsQueueName: eventsQueueName
    poisonQueueName: '${eventsQueueName}-poison'
    clusteringTableName: clusteringTableName
    registryName: registry.outputs.name
    keyVaultName: vault.outputs.name
    clusterName: aks.outputs.name
  }
}

@description('Resource group holding the deployment.')
output resourceGroupName string = rg.name

@description('Storage account name.')
output storageAccountName string = storage.outputs.accountName

@description('ORLEANSINGEST__CLUSTER__BLOBSERVICEURI.')
output blobServiceUri string = storage.outputs.blobServiceUri

@description('ORLEANSINGEST__CLUSTER__TABLESERVICEURI.')
output tableServiceUri string = storage.outputs.tableServiceUri

@description('ORLEANSINGEST__EVENTS__QUEUE__SERVICEURI.')
output queueServiceUri string = storage.outputs.queueServiceUri

@description('ORLEANSINGEST__EVENTS__QUEUE__NAME.')
output eventsQueueName string = eventsQueueName

@description('Container the raw blobs are uploaded to.')
output sourcesContainerName string = sourcesContainerName

@description('Container the Parquet outputs are written to.')
output outputsContainerName string = outputsContainerName

@description('Client id of the silo workload identity (service account annotation azure.workload.identity/client-id).')
output workloadIdentityClientId string = workloadIdentity.outputs.clientId

@description('Kubernetes namespace the workload identity is federated for.')
output siloNamespace string = siloNamespace

@description('Service account the workload identity is federated for.')
output siloServiceAccountName string = siloServiceAccountName

@description('Tenant id (the Secrets Store CSI SecretProviderClass tenantId).')
output tenantId string = tenant().tenantId

@description('Login server of the container registry (image prefix).')
output acrLoginServer string = registry.outputs.loginServer

@description('Name of the AKS cluster (az aks get-credentials).')
output aksName string = aks.outputs.name

@description('OIDC issuer URL of the AKS cluster.')
output oidcIssuerUrl string = aks.outputs.oidcIssuerUrl

@description('Node label key selecting the silo pools (values cpu and gpu).')
output nodePoolLabelKey string = aks.outputs.poolLabelKey

@description('Name of the Key Vault holding the dashboard secrets.')
output keyVaultName string = vault.outputs.name

@description('URI of the Key Vault.')
output keyVaultUri string = vault.outputs.uri
