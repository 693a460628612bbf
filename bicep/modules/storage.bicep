// The ingest storage account: sources, outputs, Orleans grain state and clustering, the blob event queue and the
// Event Grid dead-letter container. Only Entra ID (managed identity) reaches its data: shared keys are off.

@description('Azure region of the account.')
param location string

@description('Globally unique storage account name (3-24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param accountName string

@description('Replication of the account (ZRS or GZRS keeps outputs through a zone outage).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param skuName string

@description('Container the raw audio/sensor blobs are uploaded to.')
param sourcesContainerName string

@description('Container the Parquet datasets are written to.')
param outputsContainerName string

@description('Container of the Orleans blob grain state (the silo uses orleans-ingest-grain-state).')
param grainStateContainerName string

@description('Container Event Grid writes undeliverable events to.')
param deadLetterContainerName string

@description('Queue Event Grid delivers BlobCreated/BlobDeleted events to.')
param eventsQueueName string

@description('Queue the silo moves events it cannot process to (the events queue name plus -poison).')
param poisonQueueName string

@description('Table of the Orleans cluster membership.')
param clusteringTableName string

@description('Days deleted blobs, versions and containers can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int

@description('Reach the account only through private endpoints in the cluster network (trusted Azure services such as Event Grid still deliver).')
param enablePrivateEndpoints bool

@description('Resource id of the subnet for private endpoints (used when enablePrivateEndpoints is true).')
param privateEndpointSubnetId string

@description('Resource id of the virtual network the private DNS zones are linked to (used when enablePrivateEndpoints is true).')
param vnetId string

@description('Tags applied to every resource.')
param tags object

@description('Customer-managed key: vault URI, versionless key name and the user-assigned identity that reaches it; empty keyName keeps Microsoft-managed keys.')
param customerManagedKey object = {
  keyVaultUri: ''
  keyName: ''
  identityId: ''
}

var useCustomerManagedKey = !empty(customerManagedKey.keyName)

// Blob, queue and table are the services the silo talks to; each needs its own endpoint and DNS zone.
var privateServices = [
  'blob'
  'queue'
  'table'
]

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  identity: useCustomerManagedKey
    ? {
        type: 'UserAssigned'
        userAssignedIdentities: {
          '${customerManagedKey.identityId}': {}
        }
      }
    : null
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // With private endpoints only the cluster's network and trusted services (Event Grid) get in.
      defaultAction: enablePrivateEndpoints ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
    encryption: {
      keySource: useCustomerManagedKey ? 'Microsoft.Keyvault' : 'Microsoft.Storage'
      keyvaultproperties: useCustomerManagedKey
        ? {
            keyvaulturi: customerManagedKey.keyVaultUri
            keyname: customerManagedKey.keyName
          }
        : null
      identity: useCustomerManagedKey
        ? {
            userAssignedIdentity: customerManagedKey.identityId
          }
        : null
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
  }
}

resource sourcesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: sourcesContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource outputsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: outputsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource grainStateContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: grainStateContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource eventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: eventsQueueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: poisonQueueName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource clusteringTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = {
  parent: tableService
  name: clusteringTableName
}

resource privateDnsZones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for service in privateServices: if (enablePrivateEndpoints) {
    name: 'privatelink.${service}.${environment().suffixes.storage}'
    location: 'global'
    tags: tags
  }
]

resource privateDnsLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (service, i) in privateServices: if (enablePrivateEndpoints) {
    parent: privateDnsZones[i]
    name: 'cluster-vnet'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnetId
      }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2025-05-01' = [
  for service in privateServices: if (enablePrivateEndpoints) {
    name: 'pe-${accountName}-${service}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: privateEndpointSubnetId
      }
      privateLinkServiceConnections: [
        {
          name: service
          properties: {
            privateLinkServiceId: account.id
            groupIds: [
              service
            ]
          }
        }
      ]
    }
  }
]

resource privateDnsZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = [
  for (service, i) in privateServices: if (enablePrivateEndpoints) {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: service
          properties: {
            privateDnsZoneId: privateDnsZones[i].id
          }
        }
      ]
    }
  }
]

@description('Name of the storage account.')
output accountName string = account.name

@description('Resource id of the storage account.')
output accountId string = account.id

@description('Blob service URI (ORLEANSINGEST__CLUSTER__BLOBSERVICEURI).')
output blobServiceUri string = account.properties.primaryEndpoints.blob

@description('Queue service URI (ORLEANSINGEST__EVENTS__QUEUE__SERVICEURI).')
output queueServiceUri string = account.properties.primaryEndpoints.queue

@description('Table service URI (ORLEANSINGEST__CLUSTER__TABLESERVICEURI).')
output tableServiceUri string = account.properties.primaryEndpoints.table

@description('Resource id of the sources container.')
output sourcesContainerId string = sourcesContainer.id

@description('Resource id of the outputs container.')
output outputsContainerId string = outputsContainer.id

@description('Resource id of the grain state container.')
output grainStateContainerId string = grainStateContainer.id

@description('Resource id of the dead-letter container.')
output deadLetterContainerId string = deadLetterContainer.id

@description('Resource id of the blob events queue.')
output eventsQueueId string = eventsQueue.id

@description('Resource id of the poison queue.')
output poisonQueueId string = poisonQueue.id

@description('Resource id of the clustering table.')
output clusteringTableId string = clusteringTable.id
