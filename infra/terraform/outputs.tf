output "resource_group_name" {
  description = "Resource group holding every resource."
  value       = azurerm_resource_group.main.name
}

output "tenant_id" {
  description = "Entra ID tenant of the workload identity (infra/k8s azure.env TENANT_ID)."
  value       = data.azurerm_client_config.current.tenant_id
}

output "storage_account_name" {
  description = "Storage account for sources, outputs, grain state, membership and events."
  value       = azurerm_storage_account.main.name
}

output "blob_service_uri" {
  description = "Blob endpoint (ORLEANSINGEST__CLUSTER__BLOBSERVICEURI)."
  value       = trimsuffix(azurerm_storage_account.main.primary_blob_endpoint, "/")
}

output "table_service_uri" {
  description = "Table endpoint for Orleans membership (ORLEANSINGEST__CLUSTER__TABLESERVICEURI)."
  value       = trimsuffix(azurerm_storage_account.main.primary_table_endpoint, "/")
}

output "queue_service_uri" {
  description = "Queue endpoint of the blob events (ORLEANSINGEST__EVENTS__QUEUE__SERVICEURI)."
  value       = trimsuffix(azurerm_storage_account.main.primary_queue_endpoint, "/")
}

output "events_queue_name" {
  description = "Queue Event Grid delivers blob events to (ORLEANSINGEST__EVENTS__QUEUE__NAME)."
  value       = azurerm_storage_queue.events.name
}

output "containers" {
  description = "Blob container names by role."
  value = {
    sources     = azurerm_storage_container.sources.name
    outputs     = azurerm_storage_container.outputs.name
    grain_state = azurerm_storage_container.grain_state.name
    deadletter  = azurerm_storage_container.deadletter.name
  }
}

output "workload_identity_client_id" {
  description = "Client id of the silo identity, for the service account annotation azure.workload.identity/client-id (infra/k8s azure.env WORKLOAD_IDENTITY_CLIENT_ID)."
  value       = azurerm_user_assigned_identity.silo.client_id
}

output "silo_service_account" {
  description = "Namespace and name of the service account federated with the silo identity."
  value       = "${var.silo_namespace}/${var.silo_service_account_name}"
}

output "aks_cluster_name" {
  description = "AKS cluster name (az aks get-credentials --name)."
  value       = azurerm_kubernetes_cluster.main.name
}

output "aks_oidc_issuer_url" {
  description = "OIDC issuer of the cluster's service account tokens."
  value       = azurerm_kubernetes_cluster.main.oidc_issuer_url
}

output "acr_login_server" {
  description = "Registry the silo images are pushed to and pulled from."
  value       = azurerm_container_registry.main.login_server
}

output "key_vault_name" {
  description = "Key Vault holding the dashboard's secrets (infra/k8s azure.env KEY_VAULT_NAME)."
  value       = azurerm_key_vault.main.name
}

output "key_vault_uri" {
  description = "Key Vault URI."
  value       = azurerm_key_vault.main.vault_uri
}

output "log_analytics_workspace_id" {
  description = "Log Analytics workspace receiving container logs."
  value       = azurerm_log_analytics_workspace.main.id
}

output "monitor_workspace_query_endpoint" {
  description = "Prometheus query endpoint of the Azure Monitor workspace (Grafana data source)."
  value       = azurerm_monitor_workspace.main.query_endpoint
}

output "event_subscription_id" {
  description = "Event Grid subscription that feeds the events queue."
  value       = azurerm_eventgrid_system_topic_event_subscription.blob_events.id
}

output "silo_environment" {
  description = "Environment variables the silo pods need, as the deployment contract names them."
  value = {
    ORLEANSINGEST__CLUSTER__TABLESERVICEURI           = trimsuffix(azurerm_storage_account.main.primary_table_endpoint, "/")
    ORLEANSINGEST__CLUSTER__BLOBSERVICEURI            = trimsuffix(azurerm_storage_account.main.primary_blob_endpoint, "/")
    ORLEANSINGEST__STORAGE__USEDEFAULTAZURECREDENTIAL = "true"
    ORLEANSINGEST__EVENTS__QUEUE__NAME                = azurerm_storage_queue.events.name
    ORLEANSINGEST__EVENTS__QUEUE__SERVICEURI          = trimsuffix(azurerm_storage_account.main.primary_queue_endpoint, "/")
  }
}
