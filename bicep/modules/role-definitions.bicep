// Built-in Azure role definition ids (the same in every tenant), named once so that every assignment reads as the
// role it grants. Owner, Contributor and User Access Administrator are deliberately absent: nothing here may
// grant them.

@export()
@description('Built-in role definition ids used by the deployment.')
var builtInRoles = {
  // Storage Blob Data Contributor: read, write and delete blobs (outputs, grain state, dead letters).
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Storage Blob Data Reader: read blobs (sources).
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  // Storage Table Data Contributor: read and write table entities (Orleans membership).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Storage Queue Data Message Processor: peek, receive and delete messages (blob events).
  storageQueueDataMessageProcessor: '8a0f0c08-91a1-4084-bc3d-661d67233fed'
  // Storage Queue Data Message Sender: add messages (Event Grid delivery, the silo's poison queue).
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
  // AcrPull: pull images (the AKS kubelet identity).
  acrPull: '7f951dfd-4e8d-4b0b-8a18-d75c1d1c5f3a'
  // Key Vault Secrets User: read secret values (the Secrets Store CSI driver, as the workload identity).
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Key Vault Secrets Officer: manage secrets (operators who set the dashboard's API key hashes and OIDC secret).
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Azure Kubernetes Service RBAC Cluster Admin: kubectl access for operators (local accounts are disabled).
  aksRbacClusterAdmin: 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b'
}
