// Customer-managed key of the storage account (optional): an RSA key in the deployment's Key Vault, rotated by Key
// Vault, and a user-assigned identity the account unwraps its encryption key with. Disabling or deleting the key
// makes every blob, queue and table unreadable: that is the point (revocation), so purge protection stays on.

@description('Azure region of the identity.')
param location string

@description('Name of the Key Vault holding the key.')
param keyVaultName string

@description('Name of the key.')
param keyName string

@description('Name of the identity the storage account uses to reach the key.')
param identityName string

@description('Tags applied to every resource.')
param tags object

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource key 'Microsoft.KeyVault/vaults/keys@2025-05-01' = {
  parent: vault
  name: keyName
  tags: tags
  properties: {
    kty: 'RSA'
    keySize: 3072
    keyOps: [
      'wrapKey'
      'unwrapKey'
    ]
    rotationPolicy: {
      attributes: {
        expiryTime: 'P2Y'
      }
      lifetimeActions: [
        {
          action: {
            type: 'rotate'
          }
          trigger: {
            timeAfterCreate: 'P1Y'
          }
        }
      ]
    }
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: identityName
  location: location
  tags: tags
}

resource unwrap 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: key
  name: guid(key.id, identity.id, 'e147488a-f6f5-4113-8e2d-b22465e65bf6')
  properties: {
    // Key Vault Crypto Service Encryption User: get, wrap and unwrap a key; nothing else.
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'e147488a-f6f5-4113-8e2d-b22465e65bf6')
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Name of the key (versionless: the account follows rotations).')
output keyName string = key.name

@description('Resource id of the identity the account uses for the key.')
output identityId string = identity.id

@description('Vault URI of the key.')
output keyVaultUri string = vault.properties.vaultUri
