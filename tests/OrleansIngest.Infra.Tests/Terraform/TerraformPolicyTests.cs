using System.Text.Json;

namespace OrleansIngest.Infra.Tests.Terraform;

/// <summary>The security baseline of issue #8, asserted on the Terraform configuration as hcl2json parses it.</summary>
[Trait("Category", "Integration")]
[Collection(TerraformCollection.Name)]
public sealed class TerraformPolicyTests(TerraformConfiguration terraform)
{
    private static readonly string[] ForbiddenRoles = ["Owner", "Contributor", "User Access Administrator"];

    // Every role the configuration may grant; anything else (a broader built-in role) is a regression.
    private static readonly string[] ApprovedRoles =
    [
        "Storage Blob Data Contributor",
        "Storage Blob Data Reader",
        "Storage Table Data Contributor",
        "Storage Queue Data Message Processor",
        "Storage Queue Data Message Sender",
        "AcrPull",
        "Key Vault Secrets User",
        "Key Vault Secrets Officer",
        "Key Vault Crypto Officer",
        "Key Vault Crypto Service Encryption User",
        "Network Contributor",
    ];

    [Fact]
    public void StorageAccount_CustomerManagedKeyIsAnOptionOffByDefaultWithAWrapOnlyKeyAndItsOwnIdentity()
    {
        var variable = terraform.Section("variable")["enable_customer_managed_key"];
        Assert.Equal(JsonValueKind.False, TerraformConfiguration.Attribute(variable, "default").ValueKind);

        var account = terraform.Resource("azurerm_storage_account", "main");
        var text = account.GetRawText();
        Assert.Contains("customer_managed_key", text, StringComparison.Ordinal);
        Assert.Contains("${azurerm_key_vault_key.storage[0].versionless_id}", text, StringComparison.Ordinal);
        Assert.Contains("${azurerm_user_assigned_identity.storage_cmk[0].id}", text, StringComparison.Ordinal);

        var key = terraform.Resource("azurerm_key_vault_key", "storage");
        Assert.Equal(["unwrapKey", "wrapKey"], TerraformConfiguration.Strings(TerraformConfiguration.Attribute(key, "key_opts")).Order(StringComparer.Ordinal));
        var unwrap = terraform.Resource("azurerm_role_assignment", "storage_cmk_unwrap");
        Assert.Equal("Key Vault Crypto Service Encryption User", TerraformConfiguration.Attribute(unwrap, "role_definition_name").GetString());
        Assert.Equal("${azurerm_user_assigned_identity.storage_cmk[0].principal_id}", TerraformConfiguration.Attribute(unwrap, "principal_id").GetString());
    }

    [Fact]
    public void StorageAccount_DisablesSharedKeyAccess()
    {
        var account = terraform.Resource("azurerm_storage_account", "main");

        Assert.Equal(JsonValueKind.False, TerraformConfiguration.Attribute(account, "shared_access_key_enabled").ValueKind);
        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(account, "default_to_oauth_authentication").ValueKind);
    }

    [Fact]
    public void StorageAccount_RequiresTls12AndHttpsOnly()
    {
        var account = terraform.Resource("azurerm_storage_account", "main");

        Assert.Equal("TLS1_2", TerraformConfiguration.Attribute(account, "min_tls_version").GetString());
        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(account, "https_traffic_only_enabled").ValueKind);
    }

    [Fact]
    public void StorageAccount_ForbidsPublicNestedItems()
    {
        var account = terraform.Resource("azurerm_storage_account", "main");

        Assert.Equal(JsonValueKind.False, TerraformConfiguration.Attribute(account, "allow_nested_items_to_be_public").ValueKind);
        Assert.All(terraform.Resources("azurerm_storage_container"), container =>
            Assert.Equal("private", TerraformConfiguration.Attribute(container.Value, "container_access_type").GetString()));
    }

    [Fact]
    public void StorageAccount_KeepsBlobSoftDeleteVersioningAndContainerSoftDelete()
    {
        var blob = TerraformConfiguration.Block(terraform.Resource("azurerm_storage_account", "main"), "blob_properties");

        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(blob, "versioning_enabled").ValueKind);
        Assert.Equal("${var.blob_soft_delete_days}", TerraformConfiguration.Attribute(TerraformConfiguration.Block(blob, "delete_retention_policy"), "days").GetString());
        Assert.Equal("${var.container_soft_delete_days}", TerraformConfiguration.Attribute(TerraformConfiguration.Block(blob, "container_delete_retention_policy"), "days").GetString());
    }

    [Fact]
    public void EventSubscription_DeadLettersToTheDeadletterContainerWithTheTopicIdentity()
    {
        var subscription = terraform.Resource("azurerm_eventgrid_system_topic_event_subscription", "blob_events");

        var deadLetter = TerraformConfiguration.Block(subscription, "storage_blob_dead_letter_destination");
        Assert.Equal("${azurerm_storage_account.main.id}", TerraformConfiguration.Attribute(deadLetter, "storage_account_id").GetString());
        Assert.Equal("${azurerm_storage_container.deadletter.name}", TerraformConfiguration.Attribute(deadLetter, "storage_blob_container_name").GetString());
        Assert.Equal("SystemAssigned", TerraformConfiguration.Attribute(TerraformConfiguration.Block(subscription, "dead_letter_identity"), "type").GetString());
        Assert.Equal("SystemAssigned", TerraformConfiguration.Attribute(TerraformConfiguration.Block(subscription, "delivery_identity"), "type").GetString());
        var retry = TerraformConfiguration.Block(subscription, "retry_policy");
        TerraformConfiguration.Attribute(retry, "max_delivery_attempts");
        TerraformConfiguration.Attribute(retry, "event_time_to_live");
        Assert.Equal("SystemAssigned", TerraformConfiguration.Attribute(
            TerraformConfiguration.Block(terraform.Resource("azurerm_eventgrid_system_topic", "storage"), "identity"), "type").GetString());
    }

    [Fact]
    public void EventSubscription_DeliversSourceBlobCreatedAndDeletedToTheEventsQueue()
    {
        var subscription = terraform.Resource("azurerm_eventgrid_system_topic_event_subscription", "blob_events");

        var types = TerraformConfiguration.Attribute(subscription, "included_event_types").EnumerateArray().Select(t => t.GetString()).ToArray();
        Assert.Equal(["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted"], types.Order(StringComparer.Ordinal));
        Assert.Equal(
            "/blobServices/default/containers/${azurerm_storage_container.sources.name}/",
            TerraformConfiguration.Attribute(TerraformConfiguration.Block(subscription, "subject_filter"), "subject_begins_with").GetString());
        var queue = TerraformConfiguration.Block(subscription, "storage_queue_endpoint");
        Assert.Equal("${azurerm_storage_queue.events.name}", TerraformConfiguration.Attribute(queue, "queue_name").GetString());
        Assert.Equal("Microsoft.Storage.StorageAccounts", TerraformConfiguration.Attribute(terraform.Resource("azurerm_eventgrid_system_topic", "storage"), "topic_type").GetString());
    }

    [Fact]
    public void EventGridTopicIdentity_MaySendToTheQueueAndWriteDeadLettersOnly()
    {
        var grants = RoleAssignmentsOf("${azurerm_eventgrid_system_topic.storage.identity[0].principal_id}");

        Assert.Equal(
            ["Storage Blob Data Contributor @ ${local.container_scopes.deadletter}", "Storage Queue Data Message Sender @ ${local.queue_scopes.events}"],
            grants);
    }

    [Fact]
    public void GpuNodePool_IsTaintedAndAutoscales()
    {
        var gpu = terraform.Resource("azurerm_kubernetes_cluster_node_pool", "gpu");

        Assert.Contains("sku=gpu:NoSchedule", TerraformConfiguration.Attribute(gpu, "node_taints").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(gpu, "auto_scaling_enabled").ValueKind);
        Assert.Equal("${var.gpu_pool.min_count}", TerraformConfiguration.Attribute(gpu, "min_count").GetString());
        Assert.Equal("${var.gpu_pool.max_count}", TerraformConfiguration.Attribute(gpu, "max_count").GetString());
        Assert.Equal("User", TerraformConfiguration.Attribute(gpu, "mode").GetString());
    }

    [Fact]
    public void Cluster_HasSystemCpuAndGpuPools()
    {
        var cluster = terraform.Resource("azurerm_kubernetes_cluster", "main");

        Assert.Equal("system", TerraformConfiguration.Attribute(TerraformConfiguration.Block(cluster, "default_node_pool"), "name").GetString());
        Assert.Equal(
            ["cpu", "gpu"],
            terraform.Resources("azurerm_kubernetes_cluster_node_pool").Values.Select(p => TerraformConfiguration.Attribute(p, "name").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Cluster_EnablesTheApplicationRoutingIngressTheManifestsUse()
    {
        var routing = TerraformConfiguration.Block(terraform.Resource("azurerm_kubernetes_cluster", "main"), "web_app_routing");

        Assert.Equal(JsonValueKind.Array, TerraformConfiguration.Attribute(routing, "dns_zone_ids").ValueKind);
    }

    [Fact]
    public void Cluster_EnablesWorkloadIdentityAndOidcIssuer()
    {
        var cluster = terraform.Resource("azurerm_kubernetes_cluster", "main");

        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(cluster, "oidc_issuer_enabled").ValueKind);
        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(cluster, "workload_identity_enabled").ValueKind);
        var credential = terraform.Resource("azurerm_federated_identity_credential", "silo");
        Assert.Equal("${azurerm_kubernetes_cluster.main.oidc_issuer_url}", TerraformConfiguration.Attribute(credential, "issuer").GetString());
        Assert.Equal("system:serviceaccount:${var.silo_namespace}:${var.silo_service_account_name}", TerraformConfiguration.Attribute(credential, "subject").GetString());
        Assert.Equal(["api://AzureADTokenExchange"], TerraformConfiguration.Attribute(credential, "audience").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public void Cluster_SendsLogsAndMetricsToLogAnalyticsAndPrometheus()
    {
        var cluster = terraform.Resource("azurerm_kubernetes_cluster", "main");

        var agent = TerraformConfiguration.Block(cluster, "oms_agent");
        Assert.Equal("${azurerm_log_analytics_workspace.main.id}", TerraformConfiguration.Attribute(agent, "log_analytics_workspace_id").GetString());
        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(agent, "msi_auth_for_monitoring_enabled").ValueKind);
        TerraformConfiguration.Block(cluster, "monitor_metrics");
        Assert.Equal(
            "${azurerm_kubernetes_cluster.main.id}",
            TerraformConfiguration.Attribute(terraform.Resource("azurerm_monitor_data_collection_rule_association", "prometheus"), "target_resource_id").GetString());
    }

    [Fact]
    public void Cluster_DisablesLocalAccounts()
    {
        var cluster = terraform.Resource("azurerm_kubernetes_cluster", "main");

        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(cluster, "local_account_disabled").ValueKind);
        Assert.Equal(
            JsonValueKind.True,
            TerraformConfiguration.Attribute(TerraformConfiguration.Block(cluster, "azure_active_directory_role_based_access_control"), "azure_rbac_enabled").ValueKind);
    }

    [Fact]
    public void ContainerRegistry_DisablesAdminUserAndAnonymousPull()
    {
        var registry = terraform.Resource("azurerm_container_registry", "main");

        Assert.Equal(JsonValueKind.False, TerraformConfiguration.Attribute(registry, "admin_enabled").ValueKind);
        Assert.Equal(JsonValueKind.False, TerraformConfiguration.Attribute(registry, "anonymous_pull_enabled").ValueKind);
    }

    [Fact]
    public void KubeletIdentity_HasAcrPullOnTheRegistry()
    {
        Assert.Equal(
            ["AcrPull @ ${azurerm_container_registry.main.id}"],
            RoleAssignmentsOf("${azurerm_kubernetes_cluster.main.kubelet_identity[0].object_id}"));
    }

    [Fact]
    public void KeyVault_EnablesPurgeProtectionAndRbacAuthorization()
    {
        var vault = terraform.Resource("azurerm_key_vault", "main");

        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(vault, "purge_protection_enabled").ValueKind);
        Assert.Equal(JsonValueKind.True, TerraformConfiguration.Attribute(vault, "rbac_authorization_enabled").ValueKind);
        // The 4.x alias of the same setting must not switch RBAC back off.
        Assert.False(vault.TryGetProperty("enable_rbac_authorization", out _), "use rbac_authorization_enabled, not the deprecated enable_rbac_authorization");
        Assert.False(vault.TryGetProperty("access_policy", out _), "access policies bypass Azure RBAC");
        Assert.Equal("${var.key_vault_soft_delete_retention_days}", TerraformConfiguration.Attribute(vault, "soft_delete_retention_days").GetString());
    }

    [Fact]
    public void RoleAssignments_NeverGrantOwnerContributorOrUserAccessAdministrator()
    {
        var assignments = terraform.Resources("azurerm_role_assignment");

        Assert.NotEmpty(assignments);
        Assert.All(assignments, assignment =>
        {
            Assert.False(assignment.Value.TryGetProperty("role_definition_id", out _), $"{assignment.Key}: name the role (role_definition_name) so this policy can read it");
            var role = TerraformConfiguration.Attribute(assignment.Value, "role_definition_name").GetString();
            Assert.DoesNotContain(role, ForbiddenRoles);
        });
    }

    [Fact]
    public void RoleAssignments_GrantOnlyApprovedDataPlaneRoles()
    {
        Assert.All(terraform.Resources("azurerm_role_assignment"), assignment =>
            Assert.Contains(TerraformConfiguration.Attribute(assignment.Value, "role_definition_name").GetString(), ApprovedRoles));
    }

    [Fact]
    public void SiloIdentity_HoldsLeastPrivilegeRolesScopedToItsContainersAndQueues()
    {
        var grants = RoleAssignmentsOf("${azurerm_user_assigned_identity.silo.principal_id}");

        Assert.Equal(
            [
                "Key Vault Secrets User @ ${azurerm_key_vault.main.id}",
                "Storage Blob Data Contributor @ ${local.container_scopes.grain_state}",
                "Storage Blob Data Contributor @ ${local.container_scopes.outputs}",
                "Storage Blob Data Reader @ ${local.container_scopes.sources}",
                "Storage Queue Data Message Processor @ ${each.value}",
                "Storage Queue Data Message Sender @ ${each.value}",
                "Storage Table Data Contributor @ ${azurerm_storage_account.main.id}",
            ],
            grants);
        Assert.All(
            new[] { "silo_queue_processor", "silo_queue_sender" },
            name => Assert.Equal("${local.queue_scopes}", TerraformConfiguration.Attribute(terraform.Resource("azurerm_role_assignment", name), "for_each").GetString()));
        Assert.Equal(
            ["events", "poison"],
            terraform.Section("locals")["queue_scopes"].EnumerateObject().Select(q => q.Name).Order(StringComparer.Ordinal));
    }

    private string[] RoleAssignmentsOf(string principal) =>
        terraform.Resources("azurerm_role_assignment").Values
            .Where(a => TerraformConfiguration.Attribute(a, "principal_id").GetString() == principal)
            .Select(a => $"{TerraformConfiguration.Attribute(a, "role_definition_name").GetString()} @ {TerraformConfiguration.Attribute(a, "scope").GetString()}")
            .Order(StringComparer.Ordinal)
            .ToArray();
}
