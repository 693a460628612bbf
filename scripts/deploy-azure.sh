#!/usr/bin/env bash
# One command from an empty Azure subscription to a running CPU + GPU ingest cluster:
#   scripts/deploy-azure.sh <dev|prod> <region> [image tag]
# 1. Azure resources (bicep/main.bicep at subscription scope, parameters bicep/params/<env>.bicepparam);
# 2. both silo images built inside the registry (az acr build: no local Docker needed);
# 3. two dashboard API keys (operator, viewer) generated, their SHA-256 hashes stored in Key Vault (the keys are
#    printed once, never stored);
# 4. the Kubernetes manifests filled from the deployment's outputs and applied (kubectl apply -k);
# 5. a continuous job from the sources container into the outputs container (blobs dropped there are ingested).
# Optional environment: DASHBOARD_HOST, WEBHOOK_HOST, TLS_SECRET_NAME (the ingresses; defaults are placeholders).
# Needs: az (logged in, subscription selected, Owner or User Access Administrator + Contributor), kubectl, openssl.
# Step by step, with what each piece does: docs/deploy.md.
set -euo pipefail

env_name="${1:?usage: scripts/deploy-azure.sh <dev|prod> <region> [image tag]}"
region="${2:?usage: scripts/deploy-azure.sh <dev|prod> <region> [image tag]}"
cd "$(dirname "$0")/.."
tag="${3:-$(git rev-parse --short HEAD)}"
params="bicep/params/${env_name}.bicepparam"
[[ -f "$params" ]] || { echo "No parameter file $params (dev or prod)." >&2; exit 2; }
for tool in az kubectl openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is required." >&2; exit 2; }
done

deployment="orleans-ingest-${env_name}"
echo "==> Azure resources ($deployment in $region)"
az deployment sub create --name "$deployment" --location "$region" \
  --template-file bicep/main.bicep --parameters "$params" --output none
out() { az deployment sub show --name "$deployment" --query "properties.outputs.$1.value" --output tsv; }
rg="$(out resourceGroupName)"
account="$(out storageAccountName)"
registry="$(out acrLoginServer)"
aks="$(out aksName)"
client_id="$(out workloadIdentityClientId)"
tenant_id="$(out tenantId)"
vault="$(out keyVaultName)"
queue="$(out eventsQueueName)"
sources="$(out sourcesContainerName)"
outputs="$(out outputsContainerName)"

echo "==> Images ($registry, tag $tag), built in the registry"
az acr build --registry "${registry%%.*}" --image "orleans-ingest-silo:${tag}" --file docker/silo.Dockerfile . --output none
az acr build --registry "${registry%%.*}" --image "orleans-ingest-silo-cuda:${tag}" --file docker/silo-cuda.Dockerfile . --output none

echo "==> Dashboard API keys (hashes in Key Vault $vault)"
new_key() { openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n'; }
sha256() { printf '%s' "$1" | openssl dgst -sha256 -r | cut -d' ' -f1; }
operator_key="$(new_key)"
viewer_key="$(new_key)"
set_secret() { az keyvault secret set --vault-name "$vault" --name "$1" --value "$2" --output none; }
set_secret dashboard-apikey-primary-name operator
set_secret dashboard-apikey-primary-sha256 "$(sha256 "$operator_key")"
set_secret dashboard-apikey-primary-role operator
set_secret dashboard-apikey-secondary-name viewer
set_secret dashboard-apikey-secondary-sha256 "$(sha256 "$viewer_key")"
set_secret dashboard-apikey-secondary-role viewer
# Governance keys are created once and never replaced by a redeploy: encrypted files and source HMACs depend on them.
set_secret_once() { az keyvault secret show --vault-name "$vault" --name "$1" --output none 2>/dev/null || set_secret "$1" "$2"; }
set_secret_once governance-source-hmac-key "$(openssl rand -base64 32)"
set_secret_once governance-data-kek "$(openssl rand -base64 32)"

echo "==> Kubernetes ($aks)"
az aks get-credentials --resource-group "$rg" --name "$aks" --overwrite-existing --output none
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r infra/k8s "$work/k8s"
sed -i "s/REPLACE-storage-account/${account}/g; s/^ORLEANSINGEST__EVENTS__QUEUE__NAME=.*/ORLEANSINGEST__EVENTS__QUEUE__NAME=${queue}/" "$work/k8s/silo.env"
cat > "$work/k8s/azure.env" <<ENV
WORKLOAD_IDENTITY_CLIENT_ID=${client_id}
TENANT_ID=${tenant_id}
KEY_VAULT_NAME=${vault}
DASHBOARD_HOST=${DASHBOARD_HOST:-dashboard.${aks}.example.com}
WEBHOOK_HOST=${WEBHOOK_HOST:-events.${aks}.example.com}
TLS_SECRET_NAME=${TLS_SECRET_NAME:-orleans-ingest-tls}
ENV
sed -i "s#REPLACE.azurecr.io#${registry}#g; s#newTag: .*#newTag: ${tag}#g" "$work/k8s/kustomization.yaml"
kubectl apply -k "$work/k8s"
kubectl --namespace orleans-ingest rollout status deployment --timeout 10m

echo "==> The first continuous job: container ${sources} into container ${outputs}"
blob="https://${account}.blob.core.windows.net"
kubectl --namespace orleans-ingest exec deploy/orleans-ingest-silo-cpu -- \
  dotnet /app/orleans-ingest.dll subscribe --source "${blob}/${sources}" --output "${blob}/${outputs}" --job-id "${sources}" --reconcile-interval 1h

echo
echo "Running. Dashboard API keys (shown once; only their hashes are stored):"
echo "  operator: ${operator_key}"
echo "  viewer:   ${viewer_key}"
echo "Dashboard: https://${DASHBOARD_HOST:-dashboard.${aks}.example.com}/  (kubectl -n orleans-ingest port-forward svc/orleans-ingest-dashboard 8090 for a first look)"
echo "Drop files into container ${sources} of ${account}: Event Grid announces them and the silos ingest them into ${outputs}."
