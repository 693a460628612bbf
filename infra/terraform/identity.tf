# The silo pods' identity (Azure workload identity). Every grant below is data-plane only and scoped
# to the one container or queue the silo uses; none is Owner, Contributor or User Access Administrator.
resource "azurerm_user_assigned_identity" "silo" {
  name                = "id-${local.base}-silo"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_federated_identity_credential" "silo" {
  name                      = "aks-${var.silo_namespace}-${var.silo_service_account_name}"
  user_assigned_identity_id = azurerm_user_assigned_identity.silo.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = azurerm_kubernetes_cluster.main.oidc_issuer_url
  subject                   = "system:serviceaccount:${var.silo_namespace}:${var.silo_service_account_name}"
}

resource "azurerm_role_assignment" "silo_sources_reader" {
  scope                = local.container_scopes.sources
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.silo.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "silo_outputs_contributor" {
  scope                = local.container_scopes.outputs
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.silo.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "silo_grain_state_contributor" {
  scope                = local.container_scopes.grain_state
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.silo.principal_id
  principal_type       = "ServicePrincipal"
}

# Orleans creates its membership table on first start, so table rights are account-wide.
resource "azurerm_role_assignment" "silo_cluster_tables" {
  scope                = azurerm_storage_account.main.id
  role_definition_name = "Storage Table Data Contributor"
  principal_id         = azurerm_user_assigned_identity.silo.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "silo_queue_processor" {
  for_each = local.queue_scopes

  scope                = each.value
  role_definition_name = "Storage Queue Data Message Processor"
  principal_id         = azurerm_user_assigned_identity.silo.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "silo_queue_sender" {
  for_each = local.queue_scopes

  scope                = each.value
  role_definition_name = "Storage Queue Data Message Sender"
  principal_id         = azurerm_user_assigned_identity.silo.principal_id
  principal_type       = "ServicePrincipal"
}
