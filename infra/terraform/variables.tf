variable "subscription_id" {
  description = "Azure subscription the cluster is deployed to."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.subscription_id))
    error_message = "subscription_id must be a GUID."
  }
}

variable "environment" {
  description = "Deployment environment; part of every resource name."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be one of dev, test, prod."
  }
}

variable "location" {
  description = "Azure region of every resource (it must offer the GPU VM size of the gpu pool)."
  type        = string
  default     = "westeurope"

  validation {
    condition     = can(regex("^[a-z0-9]+$", var.location))
    error_message = "location must be an Azure region name such as westeurope (lower case, no spaces)."
  }
}

variable "name_prefix" {
  description = "Short lower-case prefix of every resource name (storage account and registry names allow letters and digits only)."
  type        = string
  default     = "oingest"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.name_prefix))
    error_message = "name_prefix must be 2-10 lower-case letters or digits, starting with a letter."
  }
}

variable "tags" {
  description = "Tags applied to every resource, in addition to environment and workload."
  type        = map(string)
  default     = {}
}

# Network

variable "vnet_address_space" {
  description = "Address space of the cluster's virtual network."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vnet_address_space, 0))
    error_message = "vnet_address_space must be an IPv4 CIDR block."
  }
}

variable "node_subnet_prefix" {
  description = "Subnet of the AKS nodes (pods use the overlay network and take no addresses here)."
  type        = string
  default     = "10.40.0.0/20"

  validation {
    condition     = can(cidrhost(var.node_subnet_prefix, 0))
    error_message = "node_subnet_prefix must be an IPv4 CIDR block."
  }
}

variable "private_endpoint_subnet_prefix" {
  description = "Subnet of the private endpoints."
  type        = string
  default     = "10.40.16.0/24"

  validation {
    condition     = can(cidrhost(var.private_endpoint_subnet_prefix, 0))
    error_message = "private_endpoint_subnet_prefix must be an IPv4 CIDR block."
  }
}

variable "enable_customer_managed_key" {
  description = "Encrypt the storage account with a customer-managed key in the deployment's Key Vault (revoking the key cuts off all data)."
  type        = bool
  default     = false
}

variable "enable_private_endpoints" {
  description = "Reach the storage account only through private endpoints in the cluster network (trusted Azure services such as Event Grid still deliver)."
  type        = bool
  default     = false
}

# Storage

variable "storage_replication_type" {
  description = "Replication of the storage account holding sources, outputs, grain state and events."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, GZRS, RAGRS, RAGZRS."
  }
}

variable "blob_soft_delete_days" {
  description = "Days a deleted or overwritten blob (and its versions) can be restored."
  type        = number
  default     = 14

  validation {
    condition     = var.blob_soft_delete_days >= 1 && var.blob_soft_delete_days <= 365
    error_message = "blob_soft_delete_days must be between 1 and 365."
  }
}

variable "container_soft_delete_days" {
  description = "Days a deleted container can be restored."
  type        = number
  default     = 14

  validation {
    condition     = var.container_soft_delete_days >= 1 && var.container_soft_delete_days <= 365
    error_message = "container_soft_delete_days must be between 1 and 365."
  }
}

variable "containers" {
  description = "Blob container names: raw inputs (sources), Parquet datasets (outputs), Orleans grain state (grain_state, the name the silo's blob grain storage uses) and Event Grid dead letters (deadletter)."
  type = object({
    sources     = string
    outputs     = string
    grain_state = string
    deadletter  = string
  })
  default = {
    sources     = "sources"
    outputs     = "outputs"
    grain_state = "orleans-ingest-grain-state"
    deadletter  = "deadletter"
  }

  validation {
    condition     = alltrue([for name in values(var.containers) : can(regex("^[a-z0-9](-?[a-z0-9]){2,62}$", name))])
    error_message = "Container names must be 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit."
  }

  validation {
    condition     = length(distinct(values(var.containers))) == 4
    error_message = "The four containers must have distinct names (each gets its own role assignments)."
  }
}

variable "events_queue_name" {
  description = "Storage queue Event Grid delivers blob events to; the silo's poison queue is this name with -poison appended."
  type        = string
  default     = "blob-events"

  validation {
    condition     = can(regex("^[a-z0-9](-?[a-z0-9]){2,55}$", var.events_queue_name))
    error_message = "events_queue_name must be 3-56 lower-case letters, digits and single hyphens (room for the -poison suffix)."
  }
}

# Event Grid

variable "event_max_delivery_attempts" {
  description = "Event Grid delivery attempts of one event before it is dead-lettered."
  type        = number
  default     = 30

  validation {
    condition     = var.event_max_delivery_attempts >= 1 && var.event_max_delivery_attempts <= 30
    error_message = "event_max_delivery_attempts must be between 1 and 30."
  }
}

variable "event_time_to_live_minutes" {
  description = "Minutes Event Grid keeps retrying one event before it is dead-lettered."
  type        = number
  default     = 1440

  validation {
    condition     = var.event_time_to_live_minutes >= 1 && var.event_time_to_live_minutes <= 1440
    error_message = "event_time_to_live_minutes must be between 1 and 1440."
  }
}

variable "events_queue_message_ttl_seconds" {
  description = "Time to live of a delivered event in the queue; -1 keeps messages until the silo consumes them."
  type        = number
  default     = -1

  validation {
    condition     = var.events_queue_message_ttl_seconds == -1 || (var.events_queue_message_ttl_seconds >= 60 && var.events_queue_message_ttl_seconds <= 604800)
    error_message = "events_queue_message_ttl_seconds must be -1 or between 60 and 604800."
  }
}

# AKS

variable "kubernetes_version" {
  description = "AKS Kubernetes version; null takes the region's default."
  type        = string
  default     = null

  validation {
    condition     = var.kubernetes_version == null || can(regex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.33 or 1.33.2."
  }
}

variable "aks_sku_tier" {
  description = "AKS control plane tier (Standard carries the uptime SLA)."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.aks_sku_tier)
    error_message = "aks_sku_tier must be Free, Standard or Premium."
  }
}

variable "aks_admin_group_object_ids" {
  description = "Entra ID groups granted cluster admin (local accounts are disabled, so kubectl needs one of these or an Azure RBAC role)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.aks_admin_group_object_ids : can(regex("^[0-9a-fA-F-]{36}$", id))])
    error_message = "aks_admin_group_object_ids must be object id GUIDs."
  }
}

variable "system_pool" {
  description = "System node pool (critical add-ons only): VM size and autoscaling bounds."
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })
  default = {
    vm_size   = "Standard_D4ds_v5"
    min_count = 2
    max_count = 3
  }

  validation {
    condition     = var.system_pool.min_count >= 1 && var.system_pool.min_count <= var.system_pool.max_count
    error_message = "system_pool needs 1 <= min_count <= max_count."
  }
}

variable "cpu_pool" {
  description = "CPU silo node pool: VM size and autoscaling bounds."
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })
  default = {
    vm_size   = "Standard_D8ds_v5"
    min_count = 1
    max_count = 5
  }

  validation {
    condition     = var.cpu_pool.min_count >= 0 && var.cpu_pool.min_count <= var.cpu_pool.max_count && var.cpu_pool.max_count >= 1
    error_message = "cpu_pool needs 0 <= min_count <= max_count and max_count >= 1."
  }
}

variable "gpu_pool" {
  description = "GPU silo node pool (tainted sku=gpu:NoSchedule): VM size and autoscaling bounds; min_count 0 lets it scale to zero."
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })
  default = {
    vm_size   = "Standard_NC4as_T4_v3"
    min_count = 0
    max_count = 2
  }

  validation {
    condition     = var.gpu_pool.min_count >= 0 && var.gpu_pool.min_count <= var.gpu_pool.max_count && var.gpu_pool.max_count >= 1
    error_message = "gpu_pool needs 0 <= min_count <= max_count and max_count >= 1."
  }

  validation {
    condition     = can(regex("^Standard_N", var.gpu_pool.vm_size))
    error_message = "gpu_pool.vm_size must be an N-series (GPU) size."
  }
}

variable "silo_namespace" {
  description = "Kubernetes namespace of the silo service account (infra/k8s uses orleans-ingest)."
  type        = string
  default     = "orleans-ingest"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.silo_namespace))
    error_message = "silo_namespace must be a DNS-1123 label."
  }
}

variable "silo_service_account_name" {
  description = "Kubernetes service account the silo pods run as; its token is federated with the silo identity."
  type        = string
  default     = "orleans-ingest-silo"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.silo_service_account_name))
    error_message = "silo_service_account_name must be a DNS-1123 label."
  }
}

# Registry, monitoring, Key Vault

variable "acr_sku" {
  description = "Container registry tier."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.acr_sku)
    error_message = "acr_sku must be Basic, Standard or Premium."
  }
}

variable "log_retention_days" {
  description = "Days Log Analytics keeps container logs and metrics."
  type        = number
  default     = 30

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be between 30 and 730."
  }
}

variable "key_vault_soft_delete_retention_days" {
  description = "Days a deleted Key Vault or secret can be recovered (purge protection keeps it for this long)."
  type        = number
  default     = 90

  validation {
    condition     = var.key_vault_soft_delete_retention_days >= 7 && var.key_vault_soft_delete_retention_days <= 90
    error_message = "key_vault_soft_delete_retention_days must be between 7 and 90."
  }
}

variable "key_vault_secrets_officer_object_ids" {
  description = "Entra ID principals (operators, the deploying pipeline) allowed to set the dashboard's secrets in Key Vault."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.key_vault_secrets_officer_object_ids : can(regex("^[0-9a-fA-F-]{36}$", id))])
    error_message = "key_vault_secrets_officer_object_ids must be object id GUIDs."
  }
}
