resource "azurerm_storage_account" "main" {
  name                     = local.storage_name
  resource_group_name      = azurerm_resource_group.main.name
  location                 = azurerm_resource_group.main.location
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.storage_replication_type
  access_tier              = "Hot"

  # Entra ID only: the silo, Event Grid and operators all authenticate with managed identities.
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true
  local_user_enabled              = false
  sftp_enabled                    = false

  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  cross_tenant_replication_enabled  = false
  infrastructure_encryption_enabled = true
  public_network_access_enabled     = true

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = var.blob_soft_delete_days
    }

    container_delete_retention_policy {
      days = var.container_soft_delete_days
    }
  }

  # Customer-managed key (optional): the account unwraps its encryption key with its own identity; revoking the
  # key in Key Vault cuts off every blob, queue and table.
  dynamic "identity" {
    for_each = var.enable_customer_managed_key ? [1] : []
    content {
      type         = "UserAssigned"
      identity_ids = [azurerm_user_assigned_identity.storage_cmk[0].id]
    }
  }

  dynamic "customer_managed_key" {
    for_each = var.enable_customer_managed_key ? [1] : []
    content {
      key_vault_key_id          = azurerm_key_vault_key.storage[0].versionless_id
      user_assigned_identity_id = azurerm_user_assigned_identity.storage_cmk[0].id
    }
  }

  network_rules {
    # With private endpoints only the cluster network and trusted services (Event Grid delivering
    # with its managed identity) get in.
    default_action = var.enable_private_endpoints ? "Deny" : "Allow"
    bypass         = ["AzureServices"]
  }

  tags = local.tags

  # The identity must be allowed to unwrap before the account is encrypted with the key.
  depends_on = [azurerm_role_assignment.storage_cmk_unwrap]
}

resource "azurerm_storage_container" "sources" {
  name                  = var.containers.sources
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

resource "azurerm_storage_container" "outputs" {
  name                  = var.containers.outputs
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

resource "azurerm_storage_container" "grain_state" {
  name                  = var.containers.grain_state
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

resource "azurerm_storage_container" "deadletter" {
  name                  = var.containers.deadletter
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

resource "azurerm_storage_queue" "events" {
  name               = var.events_queue_name
  storage_account_id = azurerm_storage_account.main.id
}

# Created here because the silo's data-plane roles cannot create queues.
resource "azurerm_storage_queue" "events_poison" {
  name               = local.poison_queue_name
  storage_account_id = azurerm_storage_account.main.id
}

locals {
  # Role assignment scopes below the account (ARM ids of one container or one queue).
  container_scopes = {
    sources     = "${azurerm_storage_account.main.id}/blobServices/default/containers/${azurerm_storage_container.sources.name}"
    outputs     = "${azurerm_storage_account.main.id}/blobServices/default/containers/${azurerm_storage_container.outputs.name}"
    grain_state = "${azurerm_storage_account.main.id}/blobServices/default/containers/${azurerm_storage_container.grain_state.name}"
    deadletter  = "${azurerm_storage_account.main.id}/blobServices/default/containers/${azurerm_storage_container.deadletter.name}"
  }
  queue_scopes = {
    events = "${azurerm_storage_account.main.id}/queueServices/default/queues/${azurerm_storage_queue.events.name}"
    poison = "${azurerm_storage_account.main.id}/queueServices/default/queues/${azurerm_storage_queue.events_poison.name}"
  }

  private_storage_services = var.enable_private_endpoints ? toset(["blob", "queue", "table"]) : toset([])
}

resource "azurerm_private_dns_zone" "storage" {
  for_each = local.private_storage_services

  name                = "privatelink.${each.key}.core.windows.net"
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "storage" {
  for_each = local.private_storage_services

  name                  = "${each.key}-${azurerm_virtual_network.main.name}"
  resource_group_name   = azurerm_resource_group.main.name
  private_dns_zone_name = azurerm_private_dns_zone.storage[each.key].name
  virtual_network_id    = azurerm_virtual_network.main.id
  tags                  = local.tags
}

resource "azurerm_private_endpoint" "storage" {
  for_each = local.private_storage_services

  name                = "pe-${azurerm_storage_account.main.name}-${each.key}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  subnet_id           = azurerm_subnet.private_endpoints.id
  tags                = local.tags

  private_service_connection {
    name                           = "${azurerm_storage_account.main.name}-${each.key}"
    private_connection_resource_id = azurerm_storage_account.main.id
    subresource_names              = [each.key]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.storage[each.key].id]
  }
}
