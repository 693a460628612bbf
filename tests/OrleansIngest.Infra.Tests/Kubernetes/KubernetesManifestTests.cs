using System.Text.Json;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Kubernetes;

[Trait("Category", "Integration")]
public sealed class KubernetesManifestTests
{
    private const string CpuDeployment = "orleans-ingest-silo-cpu";
    private const string GpuDeployment = "orleans-ingest-silo-gpu";
    private const string Namespace = "orleans-ingest";
    private const string ServiceAccount = "orleans-ingest-silo";

    private static readonly string[] Deployments = [CpuDeployment, GpuDeployment];

    [Fact]
    public async Task Manifests_EveryDocumentValidatesAgainstItsKubernetesSchema()
    {
        var manifests = await KubernetesManifests.LoadAsync();

        Assert.NotEmpty(manifests.Documents);
        var invalid = manifests.Documents.Where(d => d.Errors.Count > 0).Select(d => $"{d}: {string.Join("; ", d.Errors)}").ToList();
        Assert.True(invalid.Count == 0, string.Join(Environment.NewLine, invalid));
        var kinds = manifests.Documents.Select(d => d.Kind).ToHashSet();
        string[] expected = ["Namespace", "ServiceAccount", "Role", "RoleBinding", "Deployment", "PodDisruptionBudget", "Service", "Ingress", "SecretProviderClass"];
        Assert.All(expected, kind => Assert.Contains(kind, kinds));
    }

    [Fact]
    public async Task Pods_RunAsNonRootWithoutPrivilegeOnAReadOnlyRootFilesystem()
    {
        var manifests = await KubernetesManifests.LoadAsync();

        foreach (var deployment in Deployments.Select(manifests.Deployment))
        {
            var pod = deployment.PodSpec();
            Assert.True(pod.BoolAt("securityContext", "runAsNonRoot"), $"{deployment.Name()}: runAsNonRoot");
            Assert.True(pod.Path("securityContext", "runAsUser")?.GetInt64() > 0, $"{deployment.Name()}: runAsUser must be a non-zero uid");
            Assert.Equal("RuntimeDefault", pod.StringAt("securityContext", "seccompProfile", "type"));
            Assert.NotEqual(true, pod.BoolAt("hostNetwork"));
            Assert.NotEqual(true, pod.BoolAt("hostPID"));
            var tmpVolumes = pod.ArrayAt("volumes").Where(v => v.Path("emptyDir") is not null).Select(v => v.Name()).ToHashSet();
            foreach (var container in deployment.Containers())
            {
                var at = $"{deployment.Name()}/{container.Name()}";
                Assert.NotEqual(true, container.BoolAt("securityContext", "privileged"));
                Assert.False(container.BoolAt("securityContext", "allowPrivilegeEscalation") ?? true, $"{at}: allowPrivilegeEscalation must be false");
                Assert.True(container.BoolAt("securityContext", "readOnlyRootFilesystem"), $"{at}: readOnlyRootFilesystem");
                Assert.NotEqual(0L, container.Path("securityContext", "runAsUser")?.GetInt64() ?? -1);
                Assert.Contains("ALL", container.ArrayAt("securityContext", "capabilities", "drop").Select(c => c.GetString()));
                Assert.Empty(container.ArrayAt("securityContext", "capabilities", "add"));
                Assert.Contains(container.ArrayAt("volumeMounts"), m => m.StringAt("mountPath") == "/tmp" && tmpVolumes.Contains(m.Name()));
            }
        }
    }

    [Fact]
    public async Task Pods_ProbeHealthzOnTheHttpPort()
    {
        var manifests = await KubernetesManifests.LoadAsync();

        foreach (var deployment in Deployments.Select(manifests.Deployment))
        {
            foreach (var container in deployment.Containers())
            {
                var httpPort = container.ArrayAt("ports").Single(p => p.Name() == "http");
                Assert.Equal(8080, httpPort.GetProperty("containerPort").GetInt32());
                foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
                {
                    var get = container.Path(probe, "httpGet");
                    Assert.True(get is not null, $"{deployment.Name()}: {probe} is missing");
                    Assert.Equal("/healthz", get.Value.StringAt("path"));
                    var port = get.Value.GetProperty("port");
                    Assert.True(port.ValueKind == JsonValueKind.Number ? port.GetInt32() == 8080 : port.GetString() == "http", $"{deployment.Name()}: {probe} port");
                }
            }
        }
    }

    [Fact]
    public async Task Pods_CarryTheOrleansLabelsAndTheDownwardApiEnvironment()
    {
        var manifests = await KubernetesManifests.LoadAsync();

        foreach (var deployment in Deployments.Select(manifests.Deployment))
        {
            var labels = deployment.Path("spec", "template", "metadata", "labels")!.Value;
            Assert.False(string.IsNullOrEmpty(labels.StringAt("orleans/serviceId")), $"{deployment.Name()}: orleans/serviceId");
            Assert.False(string.IsNullOrEmpty(labels.StringAt("orleans/clusterId")), $"{deployment.Name()}: orleans/clusterId");
            Assert.Equal("true", labels.StringAt("azure.workload.identity/use"));
            Assert.Equal(ServiceAccount, deployment.PodSpec().StringAt("serviceAccountName"));
            var env = deployment.Containers().Single().ArrayAt("env").ToDictionary(e => e.Name());
            Assert.Equal("metadata.name", env["POD_NAME"].StringAt("valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].StringAt("valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("status.podIP", env["POD_IP"].StringAt("valueFrom", "fieldRef", "fieldPath"));
            var args = deployment.Containers().Single().ArrayAt("args").Select(a => a.GetString()).ToList();
            Assert.Equal(["silo", "--kubernetes", "--http-port", "8080", "--dashboard-port", "8090", "--dashboard-all-interfaces", "--name", "$(POD_NAME)"], args);
        }

        // One Orleans cluster across both pools.
        var ids = Deployments.Select(manifests.Deployment)
            .Select(d => d.StringAt("spec", "template", "metadata", "labels", "orleans/serviceId") + "/" + d.StringAt("spec", "template", "metadata", "labels", "orleans/clusterId"))
            .Distinct();
        Assert.Single(ids);
    }

    [Fact]
    public async Task GpuDeployment_RequestsOneGpuToleratesTheGpuTaintAndSelectsTheGpuPool()
    {
        var manifests = await KubernetesManifests.LoadAsync();
        var gpu = manifests.Deployment(GpuDeployment);

        var container = gpu.Containers().Single();
        Assert.Equal("1", container.Path("resources", "limits", "nvidia.com/gpu")?.ToString());
        Assert.Contains(gpu.PodSpec().ArrayAt("tolerations"), t =>
            t.StringAt("key") == "sku" && t.StringAt("value") == "gpu" && t.StringAt("effect") == "NoSchedule"
            && (t.StringAt("operator") ?? "Equal") == "Equal");
        Assert.Equal("gpu", gpu.PodSpec().StringAt("nodeSelector", "orleansingest.io/pool"));
        var env = container.ArrayAt("env").ToDictionary(e => e.Name());
        Assert.Equal("cuda", env["ORLEANSINGEST__WORKER__EXECUTIONPROVIDER"].StringAt("value"));
        Assert.EndsWith("-cuda", container.StringAt("image"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CpuDeployment_NeitherRequestsNorToleratesGpus()
    {
        var manifests = await KubernetesManifests.LoadAsync();
        var cpu = manifests.Deployment(CpuDeployment);

        Assert.Null(cpu.Containers().Single().Path("resources", "limits", "nvidia.com/gpu"));
        Assert.Null(cpu.Containers().Single().Path("resources", "requests", "nvidia.com/gpu"));
        Assert.DoesNotContain(cpu.PodSpec().ArrayAt("tolerations"), t => t.StringAt("key") == "sku");
        Assert.Equal("cpu", cpu.PodSpec().StringAt("nodeSelector", "orleansingest.io/pool"));
    }

    [Fact]
    public async Task Pods_RequestCpuAndMemoryAndCapMemory()
    {
        var manifests = await KubernetesManifests.LoadAsync();

        foreach (var container in Deployments.Select(manifests.Deployment).SelectMany(d => d.Containers()))
        {
            Assert.NotNull(container.Path("resources", "requests", "cpu"));
            Assert.NotNull(container.Path("resources", "requests", "memory"));
            Assert.NotNull(container.Path("resources", "limits", "memory"));
        }
    }

    [Fact]
    public async Task Rbac_GrantsOnlyPodVerbsInTheSilosNamespace()
    {
        var manifests = await KubernetesManifests.LoadAsync();
        string[] allowedVerbs = ["get", "list", "watch", "delete", "patch"];

        Assert.Empty(manifests.OfKind("ClusterRole"));
        Assert.Empty(manifests.OfKind("ClusterRoleBinding"));
        var role = Assert.Single(manifests.OfKind("Role"));
        Assert.Equal(Namespace, role.StringAt("metadata", "namespace"));
        foreach (var rule in role.ArrayAt("rules"))
        {
            Assert.Equal([""], rule.ArrayAt("apiGroups").Select(g => g.GetString()));
            Assert.Equal(["pods"], rule.ArrayAt("resources").Select(r => r.GetString()));
            Assert.Empty(rule.ArrayAt("nonResourceURLs"));
            var verbs = rule.ArrayAt("verbs").Select(v => v.GetString()!).ToList();
            Assert.DoesNotContain("*", verbs);
            Assert.All(verbs, verb => Assert.Contains(verb, allowedVerbs));
        }

        // What Orleans Kubernetes hosting needs must be there, or the silos fail at start.
        var granted = role.ArrayAt("rules").SelectMany(r => r.ArrayAt("verbs")).Select(v => v.GetString()).ToHashSet();
        Assert.All(allowedVerbs, verb => Assert.Contains(verb, granted));

        foreach (var binding in manifests.OfKind("RoleBinding"))
        {
            Assert.Equal("Role", binding.StringAt("roleRef", "kind"));
            Assert.Equal(role.Name(), binding.StringAt("roleRef", "name"));
            var subject = Assert.Single(binding.ArrayAt("subjects"));
            Assert.Equal("ServiceAccount", subject.StringAt("kind"));
            Assert.Equal(ServiceAccount, subject.Name());
            Assert.Equal(Namespace, subject.StringAt("namespace"));
        }
    }

    [Fact]
    public async Task ServiceAccount_IsFederatedWithTheManagedIdentity()
    {
        var manifests = await KubernetesManifests.LoadAsync();

        var account = Assert.Single(manifests.OfKind("ServiceAccount"));
        Assert.Equal(ServiceAccount, account.Name());
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", account.StringAt("metadata", "annotations", "azure.workload.identity/client-id"));
        Assert.Equal("true", account.StringAt("metadata", "labels", "azure.workload.identity/use"));
    }

    [Fact]
    public async Task Deployments_ShareTheSiloSettings()
    {
        var manifests = await KubernetesManifests.LoadAsync();
        var cpu = manifests.Deployment(CpuDeployment).Containers().Single();
        var gpu = manifests.Deployment(GpuDeployment).Containers().Single();

        Assert.Equal(cpu.ArrayAt("envFrom").Select(e => e.ToString()), gpu.ArrayAt("envFrom").Select(e => e.ToString()));
        var gpuEnv = gpu.ArrayAt("env").ToDictionary(e => e.Name(), e => e.ToString());
        foreach (var variable in cpu.ArrayAt("env"))
        {
            Assert.True(gpuEnv.TryGetValue(variable.Name(), out var same) && same == variable.ToString(), $"the GPU silo differs in {variable.Name()}");
        }

        Assert.Equal(cpu.ArrayAt("ports").Select(p => p.ToString()), gpu.ArrayAt("ports").Select(p => p.ToString()));
    }

    [Fact]
    public async Task DashboardApiKeys_ComeFromKeyVaultAsHashesOnly()
    {
        var manifests = await KubernetesManifests.LoadAsync();
        var provider = Assert.Single(manifests.OfKind("SecretProviderClass"));
        var synced = provider.ArrayAt("spec", "secretObjects").ToDictionary(s => s.StringAt("secretName")!, s => s.ArrayAt("data").Select(d => d.StringAt("key")).ToHashSet());

        foreach (var deployment in Deployments.Select(manifests.Deployment))
        {
            var keys = deployment.Containers().Single().ArrayAt("env").Where(e => e.Name().StartsWith("ORLEANSINGEST__ADMIN__APIKEYS__", StringComparison.Ordinal)).ToList();
            Assert.Contains(keys, e => e.Name().EndsWith("__SHA256", StringComparison.Ordinal));
            foreach (var key in keys)
            {
                Assert.Null(key.Path("value"));
                var secret = key.StringAt("valueFrom", "secretKeyRef", "name");
                Assert.True(secret is not null && synced.TryGetValue(secret, out var data) && data.Contains(key.StringAt("valueFrom", "secretKeyRef", "key")),
                    $"{deployment.Name()}: {key.Name()} must come from a Secret the SecretProviderClass syncs");
            }

            // The CSI driver syncs the Secret only while a pod mounts the volume.
            Assert.Contains(deployment.PodSpec().ArrayAt("volumes"), v =>
                v.StringAt("csi", "driver") == "secrets-store.csi.k8s.io" && v.StringAt("csi", "volumeAttributes", "secretProviderClass") == provider.Name());
        }

        Assert.Contains("sha256", provider.StringAt("spec", "parameters", "objects"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingresses_TerminateTlsForEveryHost()
    {
        var manifests = await KubernetesManifests.LoadAsync();

        var ingresses = manifests.OfKind("Ingress").ToList();
        Assert.Equal(2, ingresses.Count);
        foreach (var ingress in ingresses)
        {
            var tlsHosts = ingress.ArrayAt("spec", "tls").Where(t => !string.IsNullOrEmpty(t.StringAt("secretName")))
                .SelectMany(t => t.ArrayAt("hosts")).Select(h => h.GetString()).ToHashSet();
            Assert.All(ingress.ArrayAt("spec", "rules"), rule => Assert.Contains(rule.StringAt("host"), tlsHosts));
        }

        var webhookPaths = manifests.OfKind("Ingress").Single(i => i.Name() == "orleans-ingest-webhook")
            .ArrayAt("spec", "rules").SelectMany(r => r.ArrayAt("http", "paths")).Select(p => p.StringAt("path"));
        Assert.Equal(["/api/events/eventgrid"], webhookPaths);
    }

    [Fact]
    public async Task DisruptionBudgets_CoverEachSiloPool()
    {
        var manifests = await KubernetesManifests.LoadAsync();
        var budgets = manifests.OfKind("PodDisruptionBudget").ToList();

        foreach (var deployment in Deployments.Select(manifests.Deployment))
        {
            var podLabels = deployment.Path("spec", "template", "metadata", "labels")!.Value;
            Assert.Contains(budgets, budget =>
                budget.Path("spec", "selector", "matchLabels") is { } match
                && match.EnumerateObject().All(l => podLabels.StringAt(l.Name) == l.Value.GetString()));
        }
    }
}
