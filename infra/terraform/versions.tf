terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    # 4.65 is the first 4.x release with azurerm_federated_identity_credential.user_assigned_identity_id;
    # 5.0 removes the 4.x names used here, so the upper bound is the major version.
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.65"
    }
  }
}

provider "azurerm" {
  subscription_id = var.subscription_id

  # Shared keys are off on the storage account: the provider must never fall back to the account
  # key, and containers and queues are managed through Azure Resource Manager (storage_account_id).
  storage_use_azuread = true

  features {
    key_vault {
      # Purge protection is on: a destroy must leave the soft-deleted vault to expire, not purge it.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }

    resource_group {
      prevent_deletion_if_contains_resources = true
    }

    storage {
      # No queue_properties or static_website here, so the account needs no data-plane calls at all.
      data_plane_available = false
    }
  }
}
