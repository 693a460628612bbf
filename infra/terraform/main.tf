data "azurerm_client_config" "current" {}

locals {
  # Globally unique names (storage, registry, Key Vault) get a suffix that is stable for one
  # subscription, prefix and environment, so a re-apply never renames them.
  suffix = substr(sha1("${var.subscription_id}/${var.name_prefix}/${var.environment}"), 0, 6)
  base   = "${var.name_prefix}-${var.environment}"

  resource_group_name = "rg-${local.base}"
  storage_name        = "st${var.name_prefix}${var.environment}${local.suffix}"
  registry_name       = "cr${var.name_prefix}${var.environment}${local.suffix}"
  key_vault_name      = "kv${var.name_prefix}${var.environment}${local.suffix}"
  poison_queue_name   = "${var.events_queue_name}-poison"

  tags = merge(var.tags, {
    environment = var.environment
    workload    = "orleans-ingest"
  })
}

resource "azurerm_resource_group" "main" {
  name     = local.resource_group_name
  location = var.location
  tags     = local.tags
}
