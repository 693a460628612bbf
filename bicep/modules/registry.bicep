// Container registry for the silo images; pulled by the AKS kubelet identity with AcrPull, never with the admin user.

@description('Azure region of the registry.')
param location string

@description('Globally unique registry name (5-50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Registry tier (Premium adds geo-replication and private link).')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param skuName string

@description('Tags applied to every resource.')
param tags object

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

@description('Name of the registry.')
output name string = registry.name

@description('Resource id of the registry.')
output id string = registry.id

@description('Login server of the registry (the image prefix in the Kubernetes manifests).')
output loginServer string = registry.properties.loginServer
