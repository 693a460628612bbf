# The control plane's own identity: it joins nodes and load balancers to the node subnet.
resource "azurerm_user_assigned_identity" "aks_control_plane" {
  name                = "id-${local.base}-aks"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_role_assignment" "aks_subnet_network" {
  scope                = azurerm_subnet.nodes.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.aks_control_plane.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks-${local.base}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  dns_prefix          = "aks-${local.base}"
  kubernetes_version  = var.kubernetes_version
  sku_tier            = var.aks_sku_tier
  node_resource_group = "rg-${local.base}-aks-nodes"
  tags                = local.tags

  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"

  # Workload identity: the silo's service account token is exchanged for the silo identity.
  oidc_issuer_enabled       = true
  workload_identity_enabled = true

  # Entra ID sign-in with Azure RBAC only; no static kubeconfig credentials.
  local_account_disabled            = true
  role_based_access_control_enabled = true
  image_cleaner_enabled             = true
  image_cleaner_interval_hours      = 48

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    tenant_id              = data.azurerm_client_config.current.tenant_id
    admin_group_object_ids = var.aks_admin_group_object_ids
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.aks_control_plane.id]
  }

  default_node_pool {
    name                         = "system"
    vm_size                      = var.system_pool.vm_size
    vnet_subnet_id               = azurerm_subnet.nodes.id
    auto_scaling_enabled         = true
    min_count                    = var.system_pool.min_count
    max_count                    = var.system_pool.max_count
    only_critical_addons_enabled = true
    os_sku                       = "AzureLinux"
    temporary_name_for_rotation  = "systemtmp"
    tags                         = local.tags

    upgrade_settings {
      max_surge = "33%"
    }
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    load_balancer_sku   = "standard"
    outbound_type       = "loadBalancer"
  }

  # Container logs and insights to Log Analytics, authenticated with managed identity.
  oms_agent {
    log_analytics_workspace_id      = azurerm_log_analytics_workspace.main.id
    msi_auth_for_monitoring_enabled = true
  }

  # Managed Prometheus (the data collection rule in monitoring.tf routes it to the monitor workspace).
  monitor_metrics {
    labels_allowed = "app.kubernetes.io/name,app.kubernetes.io/component"
  }

  # Secrets Store CSI driver: the dashboard's API key hashes come from Key Vault.
  key_vault_secrets_provider {
    secret_rotation_enabled  = true
    secret_rotation_interval = "2m"
  }

  # Application routing (managed NGINX): the ingress class of the dashboard and webhook ingresses in infra/k8s.
  web_app_routing {
    dns_zone_ids = []
  }

  depends_on = [azurerm_role_assignment.aks_subnet_network]

  lifecycle {
    ignore_changes = [
      # The cluster autoscaler owns the node counts.
      default_node_pool[0].node_count,
    ]
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "cpu" {
  name                  = "cpu"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  mode                  = "User"
  vm_size               = var.cpu_pool.vm_size
  vnet_subnet_id        = azurerm_subnet.nodes.id
  os_sku                = "AzureLinux"
  auto_scaling_enabled  = true
  min_count             = var.cpu_pool.min_count
  max_count             = var.cpu_pool.max_count
  node_labels           = { "orleansingest.io/pool" = "cpu" }
  tags                  = local.tags

  lifecycle {
    ignore_changes = [node_count]
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "gpu" {
  name                  = "gpu"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  mode                  = "User"
  vm_size               = var.gpu_pool.vm_size
  vnet_subnet_id        = azurerm_subnet.nodes.id
  os_sku                = "Ubuntu"
  gpu_driver            = "Install"
  auto_scaling_enabled  = true
  min_count             = var.gpu_pool.min_count
  max_count             = var.gpu_pool.max_count
  node_labels           = { "orleansingest.io/pool" = "gpu" }
  tags                  = local.tags

  # Only pods that tolerate the taint (the GPU silo Deployment) land on these expensive nodes.
  node_taints = ["sku=gpu:NoSchedule"]

  lifecycle {
    ignore_changes = [node_count]
  }
}
