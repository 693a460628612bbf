resource "azurerm_key_vault" "main" {
  name                = local.key_vault_name
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"

  # Azure RBAC instead of access policies; deleted secrets stay recoverable and cannot be purged early.
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = var.key_vault_soft_delete_retention_days
  public_network_access_enabled = true

  network_acls {
    default_action = "Allow"
    bypass         = "AzureServices"
  }

  tags = local.tags
}

# The Secrets Store CSI driver reads the dashboard's secrets as the silo's workload identity.
resource "azurerm_role_assignment" "silo_key_vault_secrets_user" {
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.silo.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "key_vault_secrets_officers" {
  for_each = toset(var.key_vault_secrets_officer_object_ids)

  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = each.value
}

# Customer-managed key of the storage account (enable_customer_managed_key): an RSA key rotated yearly, created by
# the deploying principal (Key Vault Crypto Officer on the vault), used by a dedicated identity of the account that
# may only wrap and unwrap with it.
resource "azurerm_role_assignment" "deployer_crypto_officer" {
  count = var.enable_customer_managed_key ? 1 : 0

  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Crypto Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "azurerm_key_vault_key" "storage" {
  count = var.enable_customer_managed_key ? 1 : 0

  name         = "storage-cmk"
  key_vault_id = azurerm_key_vault.main.id
  key_type     = "RSA"
  key_size     = 3072
  key_opts     = ["wrapKey", "unwrapKey"]

  rotation_policy {
    expire_after         = "P2Y"
    notify_before_expiry = "P30D"

    automatic {
      time_after_creation = "P1Y"
    }
  }

  depends_on = [azurerm_role_assignment.deployer_crypto_officer]
}

resource "azurerm_user_assigned_identity" "storage_cmk" {
  count = var.enable_customer_managed_key ? 1 : 0

  name                = "id-${local.base}-storage-cmk"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_role_assignment" "storage_cmk_unwrap" {
  count = var.enable_customer_managed_key ? 1 : 0

  scope                = azurerm_key_vault_key.storage[0].resource_versionless_id
  role_definition_name = "Key Vault Crypto Service Encryption User"
  principal_id         = azurerm_user_assigned_identity.storage_cmk[0].principal_id
  principal_type       = "ServicePrincipal"
}
