using System.Text.Json;

namespace OrleansIngest.Infra.Tests.Bicep;

/// <summary>
/// The security baseline of issue #8, asserted on the compiled ARM JSON of <c>bicep/main.bicep</c> (what Azure
/// actually receives), so that an edit weakening it fails CI.
/// </summary>
[Collection(BicepCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BicepPolicyTests(BicepCompilationFixture fixture)
{
    // Roles that can write anything or grant themselves more; none may be assigned by the deployment.
    private static readonly Dictionary<string, string> ForbiddenRoles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"] = "Owner",
        ["b24988ac-6180-42a0-ab88-20f7382dd24c"] = "Contributor",
        ["18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"] = "User Access Administrator",
        ["f58310d9-a9f6-439a-9e8d-f62e7b41a168"] = "Role Based Access Control Administrator",
    };

    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string StorageBlobDataReader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string StorageQueueDataMessageProcessor = "8a0f0c08-91a1-4084-bc3d-661d67233fed";
    private const string StorageQueueDataMessageSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string KeyVaultCryptoServiceEncryptionUser = "e147488a-f6f5-4113-8e2d-b22465e65bf6";
    private const string AcrPull = "7f951dfd-4e8d-4b0b-8a18-d75c1d1c5f3a";

    private JsonElement StorageAccount => Assert.Single(fixture.OfType("Microsoft.Storage/storageAccounts")).Properties;

    private JsonElement BlobService => Assert.Single(fixture.OfType("Microsoft.Storage/storageAccounts/blobServices")).Properties;

    private JsonElement EventSubscription => Assert.Single(fixture.OfType("Microsoft.EventGrid/systemTopics/eventSubscriptions")).Properties;

    private JsonElement Cluster => Assert.Single(fixture.OfType("Microsoft.ContainerService/managedClusters")).Properties;

    [Fact]
    public void Storage_DisablesSharedKeyAccess()
    {
        Assert.False(StorageAccount.GetProperty("allowSharedKeyAccess").GetBoolean());
    }

    [Fact]
    public void Storage_RequiresTls12()
    {
        Assert.Equal("TLS1_2", StorageAccount.GetProperty("minimumTlsVersion").GetString());
    }

    [Fact]
    public void Storage_DisallowsPublicBlobAccess()
    {
        Assert.False(StorageAccount.GetProperty("allowBlobPublicAccess").GetBoolean());
        foreach (var container in fixture.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"))
        {
            Assert.Equal("None", container.Properties.GetProperty("publicAccess").GetString());
        }
    }

    [Fact]
    public void Storage_AcceptsHttpsOnly()
    {
        Assert.True(StorageAccount.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
    }

    [Fact]
    public void Storage_KeepsDeletedBlobsVersionsAndContainers()
    {
        Assert.True(BlobService.GetProperty("isVersioningEnabled").GetBoolean());
        Assert.True(BlobService.GetProperty("deleteRetentionPolicy").GetProperty("enabled").GetBoolean());
        Assert.True(BlobService.GetProperty("containerDeleteRetentionPolicy").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public void EventSubscription_DeliversBlobCreatedAndDeletedToTheQueueWithTheTopicIdentity()
    {
        var eventTypes = EventSubscription.GetProperty("filter").GetProperty("includedEventTypes").EnumerateArray().Select(type => type.GetString()).ToList();
        Assert.Contains("Microsoft.Storage.BlobCreated", eventTypes);
        Assert.Contains("Microsoft.Storage.BlobDeleted", eventTypes);

        // Delivery with a resource identity, never the key-based `destination`: the account has no shared keys.
        Assert.False(EventSubscription.TryGetProperty("destination", out _));
        var delivery = EventSubscription.GetProperty("deliveryWithResourceIdentity");
        Assert.Equal("SystemAssigned", delivery.GetProperty("identity").GetProperty("type").GetString());
        Assert.Equal("StorageQueue", delivery.GetProperty("destination").GetProperty("endpointType").GetString());
        Assert.True(EventSubscription.GetProperty("retryPolicy").TryGetProperty("maxDeliveryAttempts", out _));
    }

    [Fact]
    public void EventSubscription_DeadLettersToABlobContainerWithTheTopicIdentity()
    {
        Assert.False(EventSubscription.TryGetProperty("deadLetterDestination", out _));
        var deadLetter = EventSubscription.GetProperty("deadLetterWithResourceIdentity");
        Assert.Equal("SystemAssigned", deadLetter.GetProperty("identity").GetProperty("type").GetString());
        var destination = deadLetter.GetProperty("deadLetterDestination");
        Assert.Equal("StorageBlob", destination.GetProperty("endpointType").GetString());
        Assert.False(string.IsNullOrEmpty(destination.GetProperty("properties").GetProperty("blobContainerName").GetString()));
    }

    [Fact]
    public void Aks_GpuPoolIsTaintedAndAutoscaled()
    {
        var gpuPool = Assert.Single(
            Cluster.GetProperty("agentPoolProfiles").EnumerateArray(),
            pool => pool.GetProperty("name").GetString() == "gpusilo");

        Assert.Contains("sku=gpu:NoSchedule", gpuPool.GetProperty("nodeTaints").EnumerateArray().Select(taint => taint.GetString()));
        Assert.True(gpuPool.GetProperty("enableAutoScaling").GetBoolean());
        Assert.True(gpuPool.TryGetProperty("minCount", out _));
        Assert.True(gpuPool.TryGetProperty("maxCount", out _));
    }

    [Fact]
    public void Aks_HasSystemCpuAndGpuPools()
    {
        var pools = Cluster.GetProperty("agentPoolProfiles").EnumerateArray()
            .ToDictionary(pool => pool.GetProperty("name").GetString()!, pool => pool.GetProperty("mode").GetString());

        Assert.Equal("System", pools["system"]);
        Assert.Equal("User", pools["cpusilo"]);
        Assert.Equal("User", pools["gpusilo"]);
    }

    [Fact]
    public void Aks_EnablesOidcIssuerAndWorkloadIdentity()
    {
        Assert.True(Cluster.GetProperty("oidcIssuerProfile").GetProperty("enabled").GetBoolean());
        Assert.True(Cluster.GetProperty("securityProfile").GetProperty("workloadIdentity").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public void Aks_EnablesTheApplicationRoutingIngressTheManifestsUse()
    {
        Assert.True(Cluster.GetProperty("ingressProfile").GetProperty("webAppRouting").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public void Aks_SendsMetricsToManagedPrometheusAndLogsToLogAnalytics()
    {
        Assert.True(Cluster.GetProperty("azureMonitorProfile").GetProperty("metrics").GetProperty("enabled").GetBoolean());
        var insights = Cluster.GetProperty("addonProfiles").GetProperty("omsagent");
        Assert.True(insights.GetProperty("enabled").GetBoolean());
        Assert.False(string.IsNullOrEmpty(insights.GetProperty("config").GetProperty("logAnalyticsWorkspaceResourceID").GetString()));
        Assert.Contains(
            fixture.OfType("Microsoft.Insights/dataCollectionRules"),
            rule => rule.Properties.GetProperty("dataSources").TryGetProperty("prometheusForwarder", out _));
    }

    [Fact]
    public void Registry_DisablesTheAdminUser()
    {
        var registry = Assert.Single(fixture.OfType("Microsoft.ContainerRegistry/registries"));
        Assert.False(registry.Properties.GetProperty("adminUserEnabled").GetBoolean());
    }

    [Fact]
    public void KeyVault_UsesRbacWithSoftDeleteAndPurgeProtection()
    {
        var vault = Assert.Single(fixture.OfType("Microsoft.KeyVault/vaults")).Properties;
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.True(vault.GetProperty("enablePurgeProtection").GetBoolean());
        Assert.True(vault.GetProperty("enableSoftDelete").GetBoolean());
    }

    [Fact]
    public void Storage_CustomerManagedKeyIsAnOptionOffByDefaultWithAWrapOnlyKey()
    {
        Assert.False(fixture.Main.GetProperty("parameters").GetProperty("enableCustomerManagedKey").GetProperty("defaultValue").GetBoolean());
        var encryption = StorageAccount.GetProperty("encryption");
        Assert.Contains("Microsoft.Keyvault", encryption.GetProperty("keySource").GetString(), StringComparison.Ordinal);
        Assert.Contains("Microsoft.Storage", encryption.GetProperty("keySource").GetString(), StringComparison.Ordinal);
        Assert.True(encryption.GetProperty("requireInfrastructureEncryption").GetBoolean());

        var key = Assert.Single(fixture.OfType("Microsoft.KeyVault/vaults/keys")).Properties;
        Assert.Equal(["unwrapKey", "wrapKey"], key.GetProperty("keyOps").EnumerateArray().Select(op => op.GetString()).Order(StringComparer.Ordinal));
        Assert.Contains(
            fixture.OfType("Microsoft.Authorization/roleAssignments"),
            assignment => ArmTemplate.RoleDefinitionGuid(assignment) == KeyVaultCryptoServiceEncryptionUser);
    }

    [Fact]
    public void RoleAssignments_NeverGrantOwnerContributorOrUserAccessAdministrator()
    {
        var assignments = fixture.OfType("Microsoft.Authorization/roleAssignments");
        Assert.NotEmpty(assignments);
        foreach (var assignment in assignments)
        {
            var role = ArmTemplate.RoleDefinitionGuid(assignment);
            Assert.False(
                ForbiddenRoles.TryGetValue(role, out var name),
                $"Role assignment '{assignment.Symbol}' in module '{assignment.Module}' grants {name}.");
        }
    }

    [Fact]
    public void WorkloadIdentity_GetsExactlyTheDataRolesOfTheBrief()
    {
        var granted = fixture.OfType("Microsoft.Authorization/roleAssignments")
            .Where(assignment => assignment.Properties.GetProperty("principalId").GetString() == "[parameters('workloadPrincipalId')]")
            .Select(assignment => (Scope: ScopeParameter(assignment), Role: ArmTemplate.RoleDefinitionGuid(assignment)))
            .OrderBy(grant => grant.Scope, StringComparer.Ordinal).ThenBy(grant => grant.Role, StringComparer.Ordinal)
            .ToList();

        (string Scope, string Role)[] expected =
        [
            ("eventsQueueName", StorageQueueDataMessageProcessor),
            ("eventsQueueName", StorageQueueDataMessageSender),
            ("grainStateContainerName", StorageBlobDataContributor),
            ("keyVaultName", KeyVaultSecretsUser),
            ("outputsContainerName", StorageBlobDataContributor),
            ("poisonQueueName", StorageQueueDataMessageProcessor),
            ("poisonQueueName", StorageQueueDataMessageSender),
            ("clusteringTableName", StorageTableDataContributor),
            ("sourcesContainerName", StorageBlobDataReader),
        ];
        Assert.Equal(
            expected.OrderBy(grant => grant.Scope, StringComparer.Ordinal).ThenBy(grant => grant.Role, StringComparer.Ordinal),
            granted);
    }

    [Fact]
    public void KubeletIdentity_PullsFromTheRegistry()
    {
        var pull = Assert.Single(
            fixture.OfType("Microsoft.Authorization/roleAssignments"),
            assignment => assignment.Properties.GetProperty("principalId").GetString() == "[parameters('kubeletPrincipalId')]");
        Assert.Equal(AcrPull, ArmTemplate.RoleDefinitionGuid(pull));
        Assert.Equal("registryName", ScopeParameter(pull));
    }

    [Fact]
    public void WorkloadIdentity_IsFederatedWithTheSiloServiceAccountOnly()
    {
        var credential = Assert.Single(fixture.OfType("Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials")).Properties;
        Assert.Equal("[format('system:serviceaccount:{0}:{1}', parameters('serviceAccountNamespace'), parameters('serviceAccountName'))]", credential.GetProperty("subject").GetString());
        Assert.Equal(["api://AzureADTokenExchange"], credential.GetProperty("audiences").EnumerateArray().Select(audience => audience.GetString()));
    }

    // The last parameter of the scope expression names the one container, queue, table or resource it narrows to.
    private static string ScopeParameter(ArmResource assignment)
    {
        var scope = assignment.Element.GetProperty("scope").GetString() ?? string.Empty;
        var marker = scope.LastIndexOf("parameters('", StringComparison.Ordinal);
        Assert.True(marker >= 0, $"Role assignment '{assignment.Symbol}' has scope '{scope}', not one named resource.");
        var start = marker + "parameters('".Length;
        return scope[start..scope.IndexOf('\'', start)];
    }
}
