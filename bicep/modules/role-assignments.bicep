// Least-privilege data-plane roles: the silo's workload identity gets exactly the containers, table and queues it
// uses; the kubelet identity may pull images; operators may manage Key Vault secrets and sign in to the cluster.
// No assignment here grants Owner, Contributor or User Access Administrator.

import { builtInRoles } from 'role-definitions.bicep'

@description('Principal id of the silo workload identity.')
param workloadPrincipalId string

@description('Principal id of the AKS kubelet identity.')
param kubeletPrincipalId string

@description('Object ids of operators (users or groups) who administer the cluster and the dashboard secrets.')
param operatorPrincipalIds string[]

@description('Principal type of the operator ids.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string

@description('Name of the storage account.')
param storageAccountName string

@description('Container of the raw blobs (read only).')
param sourcesContainerName string

@description('Container of the Parquet outputs.')
param outputsContainerName string

@description('Container of the Orleans grain state.')
param grainStateContainerName string

@description('Queue of the blob events.')
param eventsQueueName string

@description('Queue the silo moves unprocessable events to.')
param poisonQueueName string

@description('Table of the Orleans cluster membership.')
param clusteringTableName string

@description('Name of the container registry.')
param registryName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the AKS cluster.')
param clusterName string

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource sources 'containers' existing = {
      name: sourcesContainerName
    }

    resource outputs 'containers' existing = {
      name: outputsContainerName
    }

    resource grainState 'containers' existing = {
      name: grainStateContainerName
    }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource eventsQueue 'queues' existing = {
      name: eventsQueueName
    }

    resource poisonQueue 'queues' existing = {
      name: poisonQueueName
    }
  }

  resource tableService 'tableServices' existing = {
    name: 'default'

    resource clusteringTable 'tables' existing = {
      name: clusteringTableName
    }
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource cluster 'Microsoft.ContainerService/managedClusters@2025-10-01' existing = {
  name: clusterName
}

resource sourcesReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::blobService::sources.id, workloadPrincipalId, builtInRoles.storageBlobDataReader)
  scope: account::blobService::sources
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageBlobDataReader)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource outputsContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::blobService::outputs.id, workloadPrincipalId, builtInRoles.storageBlobDataContributor)
  scope: account::blobService::outputs
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageBlobDataContributor)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource grainStateContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::blobService::grainState.id, workloadPrincipalId, builtInRoles.storageBlobDataContributor)
  scope: account::blobService::grainState
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageBlobDataContributor)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource clusteringTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::tableService::clusteringTable.id, workloadPrincipalId, builtInRoles.storageTableDataContributor)
  scope: account::tableService::clusteringTable
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageTableDataContributor)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource eventsQueueProcessor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::queueService::eventsQueue.id, workloadPrincipalId, builtInRoles.storageQueueDataMessageProcessor)
  scope: account::queueService::eventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageQueueDataMessageProcessor)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource eventsQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::queueService::eventsQueue.id, workloadPrincipalId, builtInRoles.storageQueueDataMessageSender)
  scope: account::queueService::eventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageQueueDataMessageSender)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource poisonQueueProcessor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::queueService::poisonQueue.id, workloadPrincipalId, builtInRoles.storageQueueDataMessageProcessor)
  scope: account::queueService::poisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageQueueDataMessageProcessor)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource poisonQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::queueService::poisonQueue.id, workloadPrincipalId, builtInRoles.storageQueueDataMessageSender)
  scope: account::queueService::poisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageQueueDataMessageSender)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, workloadPrincipalId, builtInRoles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.keyVaultSecretsUser)
    principalId: workloadPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource kubeletPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, kubeletPrincipalId, builtInRoles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.acrPull)
    principalId: kubeletPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operatorSecretsOfficers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for operatorId in operatorPrincipalIds: {
    name: guid(vault.id, operatorId, builtInRoles.keyVaultSecretsOfficer)
    scope: vault
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.keyVaultSecretsOfficer)
      principalId: operatorId
      principalType: operatorPrincipalType
    }
  }
]

resource operatorClusterAdmins 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for operatorId in operatorPrincipalIds: {
    name: guid(cluster.id, operatorId, builtInRoles.aksRbacClusterAdmin)
    scope: cluster
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.aksRbacClusterAdmin)
      principalId: operatorId
      principalType: operatorPrincipalType
    }
  }
]
