// The cluster's virtual network: one subnet for AKS nodes, one for private endpoints.

@description('Azure region of the network.')
param location string

@description('Name of the virtual network.')
param name string

@description('Address space of the virtual network.')
param addressPrefix string

@description('Subnet of the AKS nodes (pods use an overlay network and take no addresses here).')
param nodeSubnetPrefix string

@description('Subnet of the private endpoints.')
param privateEndpointSubnetPrefix string

@description('Tags applied to every resource.')
param tags object

resource vnet 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'aks-nodes'
        properties: {
          addressPrefix: nodeSubnetPrefix
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
    ]
  }

  resource nodeSubnet 'subnets' existing = {
    name: 'aks-nodes'
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: 'private-endpoints'
  }
}

@description('Resource id of the virtual network.')
output vnetId string = vnet.id

@description('Resource id of the AKS node subnet.')
output nodeSubnetId string = vnet::nodeSubnet.id

@description('Resource id of the private endpoint subnet.')
output privateEndpointSubnetId string = vnet::privateEndpointSubnet.id
